"""A service's figures over time, from the history's poll records: the console's sparklines
(`i`) and `jobdeck report`'s numbers come from the same functions.

Farms: running tasks and frames finished per minute; encoders: clips; other task kinds: tasks
finished; stream servers: live streams and viewers; every kind: poll latency. Time down is
read from the polls' up or down in turn.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from .history import HistoryStore, PollRow, epoch

UNITS = {"renderbus": "frames", "finalrip": "clips"}   # what "finished per minute" counts
DOWN_GAP_CAP_S = 120     # a gap between polls longer than this is not counted as time down


@dataclass(slots=True)
class Trend:
    """One figure of a service over time: a value per bucket (a minute), oldest first."""

    name: str              # running, frames, clips, tasks, live, viewers, latency
    label: str
    values: list[float]    # missing buckets are 0
    minutes: float = 0.0   # how much of the window was recorded (buckets with a poll)
    total: float | None = None      # rates: the sum over the window
    mean: float | None = None       # levels: over every poll of the window
    peak: float | None = None
    median: float | None = None     # latency
    p95: float | None = None

    @property
    def words(self) -> str:
        return WORDS.get(self.name, self.label)

    def figure(self) -> str:
        """The trend as numbers, for the report and beside the sparkline."""
        if self.total is not None:
            return f"{self.total:,.0f} ({self.total / max(1.0, self.minutes):,.1f}/min)"
        if self.median is not None:
            return f"median {self.median:,.0f} ms, p95 {self.p95 or 0:,.0f} ms"
        if self.mean is None:
            return "no data"
        return f"avg {self.mean:,.1f}, max {self.peak or 0:,.0f}"


def trend_names(kind: str, lists_streams: bool) -> list[str]:
    """Which trends a kind shows: farms their running tasks and frames, encoders clips,
    stream servers their live streams and viewers, every kind its poll latency."""
    if lists_streams:
        return ["live", "viewers", "latency"]
    return ["running", UNITS.get(kind, "tasks"), "latency"]


LABELS = {"running": "running tasks", "frames": "frames done/min", "clips": "clips done/min",
          "tasks": "tasks done/min", "live": "live streams", "viewers": "viewers",
          "latency": "poll latency"}
# the same in a sentence (the report)
WORDS = {**LABELS, "frames": "frames finished", "clips": "clips finished",
         "tasks": "tasks finished"}


def trends(store: HistoryStore, service: str, names: Sequence[str], since: datetime,
           until: datetime, bucket_s: int = 60) -> list[Trend]:
    polls = store.polls(service, since, until)
    return trends_of(polls, names, epoch(since), epoch(until), bucket_s)


def trends_of(polls: Sequence[PollRow], names: Sequence[str], start: int, end: int,
              bucket_s: int = 60) -> list[Trend]:
    buckets = max(1, math.ceil((end - start) / bucket_s))
    covered = len({min(buckets - 1, max(0, (p.at - start) // bucket_s)) for p in polls})
    minutes = covered * bucket_s / 60
    out = []
    for name in names:
        series: list[list[float]] = [[] for _ in range(buckets)]
        every: list[float] = []
        for poll in polls:
            value = _value(poll, name)
            if value is None:
                continue
            index = min(buckets - 1, max(0, (poll.at - start) // bucket_s))
            series[index].append(value)
            every.append(value)
        if name in ("frames", "clips", "tasks"):
            out.append(Trend(name, LABELS[name], [sum(b) for b in series], minutes,
                             total=sum(every)))
            continue
        trend = Trend(name, LABELS[name], [sum(b) / len(b) if b else 0.0 for b in series],
                      minutes, mean=sum(every) / len(every) if every else None,
                      peak=max(every) if every else None)
        if name == "latency" and every:
            ordered = sorted(every)
            trend.median = ordered[len(ordered) // 2]
            trend.p95 = ordered[min(len(ordered) - 1, math.ceil(len(ordered) * 0.95) - 1)]
        out.append(trend)
    return out


def _value(poll: PollRow, name: str) -> float | None:
    if name == "running":
        return poll.counts.get("running") if poll.ok else None
    if name in ("frames", "clips"):
        return poll.units
    if name == "tasks":
        return poll.finished
    if name == "live":
        return poll.live if poll.ok else None
    if name == "viewers":
        return (poll.viewers or 0) if poll.ok and poll.live is not None else None
    if name == "latency":
        return poll.latency if poll.ok else None
    return None


def time_down(polls: Sequence[PollRow], end: int) -> tuple[int, int, int]:
    """Seconds down, how many outages, and the longest, from the polls' ok in turn; a gap in
    the record longer than DOWN_GAP_CAP_S counts only up to it."""
    down = outages = longest = current = 0
    was_down = False
    for number, poll in enumerate(polls):
        following = polls[number + 1].at if number + 1 < len(polls) else end
        span = min(DOWN_GAP_CAP_S, max(0, following - poll.at))
        if not poll.ok:
            if not was_down:
                outages += 1
                current = 0
            down += span
            current += span
            longest = max(longest, current)
        was_down = not poll.ok
    return down, outages, longest
