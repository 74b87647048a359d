"""The recorded past as a timeline: what `jobdeck replay` walks through, with no UI.

A Timeline stands at one moment (a second in which some service was polled) and gives every
recorded service as it was then, as the ServiceSnapshot a live poll would have given: its last
poll at or before that moment, with the tasks, streams and facts open then (history.py keeps
them as intervals). It steps to the next or previous poll, and jumps to the next or previous
transition. RecordedAdapter stands in for a service's adapter in the replayed console: it has
its kind's capabilities (the same panes show) and refuses every read and action, so nothing
replayed ever reaches a live service.
"""

from __future__ import annotations

from datetime import datetime

from jobdeck.adapters.contract.base import ActionSpec, Adapter
from jobdeck.adapters.contract.model import (
    ActionResult,
    ServiceConfig,
    ServiceError,
    ServiceSnapshot,
)
from jobdeck.adapters.contract.registry import ADAPTERS

from .history import Event, HistoryError, HistoryStore, epoch, moment, snapshot_at


class Timeline:
    def __init__(self, store: HistoryStore, start: datetime, *, as_of: bool = True) -> None:
        """`as_of`: stand at the last poll at or before `start` (the state then); else at the
        first poll from `start` on (the beginning of a span)."""
        self.store = store
        self.kinds = store.service_kinds()
        wanted = epoch(start)
        before = store.poll_moment(wanted + 1, -1)
        after = store.poll_moment(wanted - 1, 1)
        first, second = (before, after) if as_of else (after, before)
        cursor = first if first is not None else second
        if cursor is None:
            raise HistoryError("nothing recorded to replay")
        self.cursor: int = cursor

    def using(self, store: HistoryStore) -> Timeline:
        """The same place on another connection (a reader in another thread)."""
        other = Timeline.__new__(Timeline)
        other.store, other.kinds, other.cursor = store, self.kinds, self.cursor
        return other

    @property
    def moment(self) -> datetime:
        return moment(self.cursor)

    def snapshots(self) -> list[ServiceSnapshot]:
        """Every service as it was at the cursor (those not yet polled then are left out)."""
        found = (snapshot_at(self.store, name, kind, self.cursor)
                 for name, kind in self.kinds.items())
        return [s for s in found if s is not None]

    def step(self, count: int = 1) -> bool:
        """Move `count` polls on (negative: back); False when there is none that way."""
        moved = False
        for _ in range(abs(count)):
            there = self.store.poll_moment(self.cursor, 1 if count > 0 else -1)
            if there is None:
                break
            self.cursor, moved = there, True
        return moved

    def jump(self, direction: int) -> bool:
        """To the next (1) or previous (-1) transition: the poll that brought it."""
        there = self.store.transition_moment(self.cursor, direction)
        if there is None:
            return False
        self.cursor = there
        return True

    def events_between(self, after: int, upto: int) -> list[Event]:
        """What happened after one moment, up to and with another."""
        return self.store.events(moment(after + 1), moment(upto))


class RecordedAdapter(Adapter):
    """A service in replay: its kind's capabilities, none of its I/O."""

    kind = "recorded"

    async def read(self) -> ServiceSnapshot:
        raise ServiceError("replay shows the history store; nothing is read from the service")

    async def do(self, spec: ActionSpec, targets: list[str],
                 params: dict[str, str]) -> ActionResult:
        raise ServiceError("replay is read-only")


def recorded_adapter(name: str, kind: str) -> Adapter:
    try:
        real = ADAPTERS[kind]
    except KeyError:
        real = None
    cls = type(f"Recorded_{kind}", (RecordedAdapter,), {
        "kind": kind, "lists_streams": real.lists_streams if real else False,
        "actions": real.actions if real else {}})
    return cls(ServiceConfig(name=name, kind=kind, base_url="http://replay.invalid"))
