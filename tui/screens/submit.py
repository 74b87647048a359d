"""`n`: start new work on the selected service, and `t`: watch task ids, from the console.

The form runs the submit itself, so an upload shows its progress and a refusal keeps the form
open with the service's own words, ready to be corrected.
"""

from __future__ import annotations

from argparse import Namespace
from collections.abc import Awaitable, Callable

from jobdeck.adapters.model import JobdeckError
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, ProgressBar, Static, TextArea

from ..safe_text import literal

Progress = Callable[[int, int], None]
Runner = Callable[[Namespace, Progress], Awaitable[str]]

# (field, label, placeholder, default) per kind; `what` is the positional argument of the CLI.
FIELDS: dict[str, list[tuple[str, str, str, str]]] = {
    "finalrip": [
        ("what", "video file", "/path/to/episode.mkv", ""),
        ("script", "VapourSynth script file", "/path/to/encode.vpy", ""),
        ("encode_param", "encoder command", "", "ffmpeg -i - -vcodec libx265 -crf 16"),
        ("key", "video key (optional)", "default: the file name", ""),
    ],
    "eva": [
        ("what", "template id", "123", ""),
        ("asset", "assets, one ID=VALUE per line ({file:N} = Nth file)", "", ""),
        ("file", "local files to upload, comma separated", "", ""),
        ("args", "render args (JSON, optional)", '{"scale": 0.5}', ""),
        ("label", "label (optional)", "", ""),
    ],
    "enhance": [
        ("what", "picture url (≤ 20 MB, 64-9216 px a side)", "https://…/photo.jpg", ""),
        ("type", "enhance type (optional)", "default: from config", ""),
        ("label", "label (optional)", "", ""),
    ],
}


class SubmitScreen(ModalScreen[str | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, service: str, kind: str, run: Runner) -> None:
        super().__init__()
        self.service, self.kind, self.run = service, kind, run

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="submit-box") as box:
            box.border_title = f"New work · {self.service} ({self.kind})"
            box.border_subtitle = "enter or Submit sends · esc cancels"
            yield Static(id="submit-status")     # on top: a refusal is seen without scrolling
            yield ProgressBar(total=100, show_eta=False, id="submit-progress")
            for name, label, placeholder, default in FIELDS[self.kind]:
                yield Label(label)
                if name == "asset":
                    yield TextArea(id=f"field-{name}", classes="field")
                else:
                    yield Input(default, placeholder=placeholder, id=f"field-{name}",
                                classes="field")
            with Horizontal(id="submit-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Submit", id="submit", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#submit-progress").display = False
        self.query_one(".field").focus()

    def _value(self, name: str) -> str:
        widget = self.query(f"#field-{name}")
        if not widget:
            return ""
        field = widget.first()
        return (field.text if isinstance(field, TextArea) else field.value).strip()

    def namespace(self) -> Namespace:
        assets = [line.strip() for line in self._value("asset").splitlines() if line.strip()]
        files = [f.strip() for f in self._value("file").split(",") if f.strip()]
        kind_type = self._value("type")
        return Namespace(what=self._value("what"), script=self._value("script") or None,
                         encode_param=self._value("encode_param") or None,
                         key=self._value("key") or None, asset=assets, file=files,
                         args=self._value("args") or None, dynamic=False,
                         type=int(kind_type) if kind_type.isdigit() else None,
                         label=self._value("label") or None)

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
        if not self._value("what"):
            self._status(Text("the first field is required", style="bold"))
            return
        self.query_one("#submit", Button).disabled = True
        self._status(Text("submitting…", style="dim"))
        self.send(self.namespace())

    def _status(self, text: Text) -> None:
        self.query_one("#submit-status", Static).update(text)
        self.query_one("#submit-box").scroll_home(animate=False)

    def _progress(self, sent: int, total: int) -> None:
        bar = self.query_one("#submit-progress", ProgressBar)
        bar.display = True
        bar.update(total=max(1, total), progress=sent)

    @work(exclusive=True, group="submit")
    async def send(self, args: Namespace) -> None:
        try:  # the upload runs on this event loop, so progress updates the bar directly
            task_id = await self.run(args, self._progress)
        except (JobdeckError, ValueError, OSError) as exc:
            self._status(literal(f"refused: {exc}", "bold"))
            self.query_one("#submit", Button).disabled = False
            return
        self.dismiss(task_id)


class TrackScreen(ModalScreen[list[str] | None]):
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="track-box") as box:
            box.border_title = f"Watch tasks · {self.service}"
            box.border_subtitle = "enter adds · esc cancels"
            yield Label("task ids, separated by spaces or commas")
            yield Input(id="track-ids")

    def on_mount(self) -> None:
        self.query_one("#track-ids", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        ids = [i for i in event.value.replace(",", " ").split() if i]
        self.dismiss(ids or None)

    def action_cancel(self) -> None:
        self.dismiss(None)
