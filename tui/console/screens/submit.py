"""`n`: start new work on the selected service, and `t`: watch task ids, from the console.

The form is made from the kind's declared submit fields (the same ones `jobdeck submit` takes),
its values checked by the same code. The submit runs in a worker by the console's one road; the
upload's progress and the answer come back here as messages, so a refusal keeps the form open
with the service's own words, ready to be corrected.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Button, Checkbox, Input, Label, ProgressBar, Static, TextArea

from jobdeck.adapters.contract.base import SubmitField
from jobdeck.adapters.contract.model import JobdeckError, SubmitResult
from jobdeck.adapters.core.submit_values import values_from
from jobdeck.tui.console.messages import Ask, Loaded
from jobdeck.tui.safe_text import literal, set_titles, title


class SubmitProgress(Message):
    def __init__(self, sent: int, total: int) -> None:
        super().__init__()
        self.sent, self.total = sent, total


class SubmitScreen(ModalScreen[SubmitResult | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, service: str, kind: str, fields: Sequence[SubmitField]) -> None:
        super().__init__()
        self.service, self.kind, self.fields = service, kind, fields

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="submit-box") as box:
            set_titles(box, title("New work · ", self.service, " (", self.kind, ")"),
                       Text("enter or Submit sends · esc cancels"))
            yield Static(id="submit-status")     # on top: a refusal is seen without scrolling
            yield ProgressBar(total=100, show_eta=False, id="submit-progress")
            for field in self.fields:
                if field.kind == "flag":
                    yield Checkbox(field.label, id=f"field-{field.name}", classes="field")
                    continue
                yield Label(field.label)
                if field.kind == "lines":
                    yield TextArea(id=f"field-{field.name}", classes="field")
                else:
                    yield Input(field.default, placeholder=field.placeholder,
                                id=f"field-{field.name}", classes="field")
            with Horizontal(id="submit-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Submit", id="submit", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#submit-progress").display = False
        self.query_one(".field").focus()

    def raw_values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        for field in self.fields:
            widget = self.query_one(f"#field-{field.name}")
            if isinstance(widget, Checkbox):
                values[field.name] = widget.value
            elif isinstance(widget, TextArea):
                values[field.name] = widget.text
            elif isinstance(widget, Input):
                values[field.name] = widget.value
        return values

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "cancel":
            self.dismiss(None)
        else:
            self.action_submit()

    def on_input_submitted(self) -> None:
        self.action_submit()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_submit(self) -> None:
        try:
            values = values_from(self.fields, self.raw_values())
        except JobdeckError as exc:
            self._status(literal(str(exc), "bold"))
            return
        self.query_one("#submit", Button).disabled = True
        self._status(Text("submitting…", style="dim"))
        self.post_message(Ask(
            self, "submit", self.service, "submit", values,
            progress=lambda sent, total: self.post_message(SubmitProgress(sent, total))))

    def _status(self, text: Text) -> None:
        self.query_one("#submit-status", Static).update(text)
        self.query_one("#submit-box").scroll_home(animate=False)

    def on_submit_progress(self, message: SubmitProgress) -> None:
        bar = self.query_one("#submit-progress", ProgressBar)
        bar.display = True
        bar.update(total=max(1, message.total), progress=message.sent)

    def on_loaded(self, message: Loaded) -> None:
        if message.error is not None:
            self._status(literal(f"refused: {message.error}", "bold"))
            self.query_one("#submit", Button).disabled = False
            return
        self.dismiss(message.value)


class TrackScreen(ModalScreen[list[str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="track-box") as box:
            set_titles(box, title("Watch tasks · ", self.service),
                       Text("enter adds · esc cancels"))
            yield Label("task ids, separated by spaces or commas")
            yield Input(id="track-ids")

    def on_mount(self) -> None:
        self.query_one("#track-ids", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        ids = [i for i in event.value.replace(",", " ").split() if i]
        self.dismiss(ids or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
