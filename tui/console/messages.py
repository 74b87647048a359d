"""Typed messages: the only road between I/O and widgets.

Polls and actions post SnapshotReady and ActionDone to the App. A pane or screen that needs a
read (a task's blocks or frames, a stream's viewers) or sends new work posts `Ask`; the App's
reader runs it in a worker beside the poller and answers the asker with `Loaded`. Widgets and
screens never hold an adapter and never await one.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from textual.message import Message
from textual.message_pump import MessagePump

from jobdeck.adapters.contract.model import ActionResult, ServiceSnapshot


class SnapshotReady(Message):
    def __init__(self, snapshot: ServiceSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class ActionDone(Message):
    def __init__(self, result: ActionResult) -> None:
        super().__init__()
        self.result = result


class HistoryWanted(Message):
    """A sort or a filter over a service's whole list: its next poll reads the history again
    unless it did a moment ago (kinds that read everything each poll ignore it)."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service


Call = Literal["blocks", "frames", "viewers", "submit"]


class Ask(Message):
    """Ask the App to call `call` on a service's adapter; `asker` gets Loaded(key, ...).
    A newer Ask with the same `group` replaces an older one still running."""

    def __init__(self, asker: MessagePump, key: str, service: str, call: Call, *args: Any,
                 group: str | None = None,
                 progress: Callable[[int, int], None] | None = None) -> None:
        super().__init__()
        self.asker, self.key, self.service, self.call = asker, key, service, call
        self.args, self.group, self.progress = args, group, progress


class Loaded(Message):
    """The answer to an Ask: a value or an error in one line."""

    def __init__(self, key: str, value: Any = None, error: str | None = None) -> None:
        super().__init__()
        self.key = key
        self.value = value
        self.error = error


class Copy(Message):
    """Put this id on the clipboard (the App copies it and says so)."""

    def __init__(self, text: str, what: str) -> None:
        super().__init__()
        self.text, self.what = text, what
