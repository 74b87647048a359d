"""Time the tests control: a frozen clock and the wall date the simulators report."""

from __future__ import annotations

FIXED_EPOCH = 1_795_600_000.0  # 2026-11-25T09:46:40Z: the dates simulators report in tests


class FrozenClock:
    def __init__(self, start: float = 1000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
