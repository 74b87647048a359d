"""The console's on-call desk: follows every service's snapshots, keeps what needs attention,
the operator's mutes and the alerts. It holds no widget; the app shows what it says.

What the operator did is no news to them: a transition their own action caused is kept in the
history ("by you") without a toast, a bell or the hook; so is a transition of a muted item."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from rich.text import Text

from jobdeck.adapters.contract.model import ServiceSnapshot
from jobdeck.adapters.core.config import Config
from jobdeck.adapters.core.oncall import Item, Mutes, ServiceWatch, Transition, newest_first
from jobdeck.adapters.core.state import StateStore

from .toasts import Alert, Alerter

# what needs attention (newest first, muted left out), how many are muted, and per service how
# many need attention and how many more are muted
Glanced = tuple[list[Item], int, dict[str, int], dict[str, int]]

EXPECT_S = 120.0   # how long after an action a change of its items counts as the operator's


class Desk:
    def __init__(self, config: Config, kinds: dict[str, str], store: StateStore | None, *,
                 notify: Callable[[Text, Text, str], None], bell: Callable[[], None],
                 clock: Callable[[], float], room: Callable[[], int] = lambda: 1_000_000,
                 toast_s: float = 8.0) -> None:
        self.clock = clock
        self.watches = {name: ServiceWatch(name, kind, config.stall_after * 60,
                                           config.alerts.balance_below)
                        for name, kind in kinds.items()}
        self.mutes = Mutes(store)
        self.alerter = Alerter(config.alerts, notify, bell, clock, room=room, toast_s=toast_s)

    def observe(self, snapshot: ServiceSnapshot, wall: datetime) -> tuple[list[Transition],
                                                                          list[Transition]]:
        """Take a poll: the transitions it made, and those the alert command should get."""
        transitions = self.watches[snapshot.name].observe(snapshot, self.clock(), wall)
        quiet = [t for t in transitions if t.by_you or self.mutes.silences(t)]
        hooked = self.alerter.handle([t for t in transitions if t not in quiet])
        self.alerter.history.extend(Alert(t, alerted=False, toasted=False) for t in quiet)
        return transitions, hooked

    def expect(self, service: str, what: str, ids: list[str]) -> None:
        """The operator's action went to these items: the change it brings is theirs."""
        watch = self.watches.get(service)
        if watch is not None:
            watch.expect(what, ids, self.clock() + EXPECT_S)

    def items(self) -> tuple[list[Item], int]:
        """What needs attention now, newest first, without the muted; and how many are muted."""
        shown, muted, _, _ = self.glance()
        return shown, muted

    def glance(self) -> Glanced:
        """items(), and per service how many need attention and how many more are muted: one
        pass over the watches (the once-a-second tick asks for all of it)."""
        now = self.clock()
        every = newest_first(i for w in self.watches.values() for i in w.items(now))
        shown, muted = self.mutes.split(every)
        by_service: dict[str, int] = {}
        for item in shown:
            by_service[item.service] = by_service.get(item.service, 0) + 1
        muted_by_service: dict[str, int] = {}
        if muted:
            for item in every:
                if self.mutes.is_muted(item):
                    muted_by_service[item.service] = muted_by_service.get(item.service, 0) + 1
        return shown, muted, by_service, muted_by_service
