"""The console's on-call desk: follows every service's snapshots, keeps what needs attention,
the operator's mutes and the alerts. It holds no widget; the app shows what it says."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text

from jobdeck.adapters.contract.model import ServiceSnapshot
from jobdeck.adapters.core.config import Config
from jobdeck.adapters.core.oncall import Item, Mutes, ServiceWatch, Transition, newest_first
from jobdeck.adapters.core.state import StateStore

from .toasts import Alerter


class Desk:
    def __init__(self, config: Config, kinds: dict[str, str], store: StateStore | None, *,
                 notify: Callable[[Text, Text, str], None], bell: Callable[[], None],
                 clock: Callable[[], float]) -> None:
        self.clock = clock
        self.watches = {name: ServiceWatch(name, kind, config.stall_after * 60,
                                           config.alerts.balance_below)
                        for name, kind in kinds.items()}
        self.mutes = Mutes(store)
        self.alerter = Alerter(config.alerts, notify, bell, clock)

    def observe(self, snapshot: ServiceSnapshot, wall: datetime) -> tuple[list[Transition],
                                                                          list[Transition]]:
        """Take a poll: the transitions it made, and those the alert command should get."""
        transitions = self.watches[snapshot.name].observe(snapshot, self.clock(), wall)
        return transitions, self.alerter.handle(transitions)

    def items(self) -> tuple[list[Item], int]:
        """What needs attention now, newest first, without the muted; and how many are muted."""
        now = self.clock()
        return self.mutes.split(newest_first(i for w in self.watches.values()
                                             for i in w.items(now)))

    def by_service(self, items: list[Item] | None = None) -> dict[str, int]:
        """Items per service (of `items`, the shown ones, when the caller has them)."""
        counts: dict[str, int] = {}
        for item in self.items()[0] if items is None else items:
            counts[item.service] = counts.get(item.service, 0) + 1
        return counts
