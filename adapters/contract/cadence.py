"""How often to ask again about one item a kind reads one request at a time.

Kinds with no list call (EVA renders, enhance tasks), follow-up reads (FinalRip's progress of
a running encode) and secondary lists that move with the work (NTV's viewer counts, transcodes,
relays) cost one request per item per poll. An item whose answer did not change is
asked less often: after the 1st, 2nd, 3rd unchanged answer it waits 2, 4, then LONGEST_S
seconds; any change brings it back to every poll, and so does an action of ours or the
operator's `r` (the adapter forgets the cadence). A render that sits at "running" for ten minutes
costs a request every 8 s, not every 2; one that moves is watched at every poll. A poll of a kind
with no list call still asks about one item at least (the one most overdue), so a service that
went down is noticed at the next poll, not when an item is next due.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Iterable
from typing import Any

LONGEST_S = 8.0


class Cadence:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 longest: float = LONGEST_S) -> None:
        self.clock = clock
        self.longest = longest
        self._kept: dict[Hashable, tuple[Any, int, float]] = {}   # answer, unchanged, due at

    def due(self, key: Hashable) -> bool:
        """Ask about it at this poll?"""
        kept = self._kept.get(key)
        return kept is None or self.clock() >= kept[2]

    def pick(self, keys: Iterable[Hashable]) -> list[Hashable]:
        """The keys to ask about at this poll: those due, else the one due first."""
        keys = list(keys)
        due = [k for k in keys if self.due(k)]
        if due or not keys:
            return due
        return [min(keys, key=lambda k: self._kept[k][2])]

    def last(self, key: Hashable, default: Any = None) -> Any:
        """Its last answer (what to show while it is not asked)."""
        kept = self._kept.get(key)
        return default if kept is None else kept[0]

    def answered(self, key: Hashable, answer: Any) -> None:
        kept = self._kept.get(key)
        unchanged = kept[1] + 1 if kept is not None and kept[0] == answer else 0
        wait = min(self.longest, 2.0 ** unchanged) if unchanged else 0.0
        self._kept[key] = (answer, unchanged, self.clock() + wait)

    def drop(self, key: Hashable) -> None:
        """Forget one item: it is asked about at the next poll."""
        self._kept.pop(key, None)

    def keep_only(self, keys: Iterable[Hashable]) -> None:
        """Forget the items no longer read (untracked, finished, gone)."""
        wanted = set(keys)
        self._kept = {k: v for k, v in self._kept.items() if k in wanted}

    def forget(self) -> None:
        """Every item is due at the next poll (after an action, or when the operator asks)."""
        self._kept = {k: (answer, 0, 0.0) for k, (answer, _, _) in self._kept.items()}
