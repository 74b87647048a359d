"""Typed messages workers post to the app: the only road from I/O to widgets."""

from __future__ import annotations

from jobdeck.adapters.model import ActionResult, BlockGrid, ServiceSnapshot
from textual.message import Message


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
