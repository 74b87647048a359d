"""Typed messages workers post: the only road from I/O to widgets.

Every read and write an adapter does for the console runs in a worker that ends by posting one
of these; widgets and screens never await an adapter themselves.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

from textual.app import App
from textual.message import Message
from textual.widget import Widget

from jobdeck.adapters.contract.model import ActionResult, BlockGrid, JobdeckError, ServiceSnapshot


class SnapshotReady(Message):
    def __init__(self, snapshot: ServiceSnapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class BlocksReady(Message):
    def __init__(self, service: str, task_id: str, grid: BlockGrid | None,
                 error: str | None = None) -> None:
        super().__init__()
        self.service = service
        self.task_id = task_id
        self.grid = grid
        self.error = error


class ActionDone(Message):
    def __init__(self, result: ActionResult) -> None:
        super().__init__()
        self.result = result


class Loaded(Message):
    """The answer to a read a widget asked for (frames, viewers): a value or an error."""

    def __init__(self, key: str, value: Any = None, error: str | None = None) -> None:
        super().__init__()
        self.key = key
        self.value = value
        self.error = error


def load(app: App[Any], widget: Widget, key: str, read: Awaitable[Any],
         group: str | None = None) -> None:
    """Run `read` in a worker; `widget` gets Loaded(key, ...) when it ends, however it ends.
    A newer load in the same group replaces an older one still running."""

    async def run() -> None:
        try:
            value = await read
        except JobdeckError as exc:
            widget.post_message(Loaded(key, error=str(exc)))
        except Exception as exc:   # an odd reply must not take the console down
            widget.post_message(Loaded(key, error=f"unexpected reply: {type(exc).__name__}"))
        else:
            widget.post_message(Loaded(key, value))

    app.run_worker(run(), group=group or f"load:{key}", exclusive=True, exit_on_error=False)
