"""What an action needs before it is sent (its ActionSpec's `ask` fields): a small form whose
values go as the action's params, checked by the same code as new work's (a script file read
as text, a number as a number). Enter sends, esc cancels.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, Static

from jobdeck.adapters.contract.base import SubmitField
from jobdeck.adapters.contract.model import JobdeckError
from jobdeck.adapters.core.submit_values import values_from
from jobdeck.tui.safe_text import literal, set_titles


class ParamsScreen(ModalScreen[dict[str, str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, heading: Text, fields: tuple[SubmitField, ...]) -> None:
        super().__init__()
        self.heading, self.fields = heading, fields

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="submit-box") as box:
            set_titles(box, self.heading, Text("enter sends · esc cancels"))
            yield Static(id="params-status")
            for field in self.fields:
                yield Label(field.label)
                yield Input(field.default, placeholder=field.placeholder,
                            id=f"param-{field.name}", classes="field")
            with Horizontal(id="submit-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Send", id="send", variant="primary")

    def on_mount(self) -> None:
        self.query_one(".field").focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self.action_send()

    def on_input_submitted(self) -> None:
        self.action_send()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_send(self) -> None:
        raw = {f.name: self.query_one(f"#param-{f.name}", Input).value for f in self.fields}
        try:
            values = values_from(self.fields, raw)
        except JobdeckError as exc:
            self.query_one("#params-status", Static).update(literal(str(exc), "bold"))
            return
        self.dismiss({name: str(value) for name, value in values.items() if value is not None})
