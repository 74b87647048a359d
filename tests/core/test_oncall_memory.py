"""Memory that only grew: the on-call engine under churn (streams renamed and task ids replaced
every poll) holds what it needs and no more. Each test is a finding reproduced before the fix
(2,000 renamed streams a poll: 264,000 attention items and RSS 67 -> 146 MB in a minute)."""

from __future__ import annotations

import gc
from datetime import UTC, datetime
from pathlib import Path

from jobdeck.adapters.contract.model import ServiceSnapshot, Stream, Task
from jobdeck.adapters.core.alerts import AlertsConfig
from jobdeck.adapters.core.oncall import GONE_KEEP_S, GONE_LIMIT, ServiceWatch
from jobdeck.tui.console.toasts import HISTORY_LIMIT, LAST_TOAST_LIMIT, Alerter

NAMES_PER_POLL, POLLS = 2_000, 300
WALL = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def churned(poll: int) -> ServiceSnapshot:
    """A poll whose every task id and stream name is new: last poll's are all gone."""
    tasks = [Task(f"t{poll}-{n}", f"render {poll}-{n}", "failed" if n % 2 else "running",
                  "5", progress=0.5) for n in range(NAMES_PER_POLL)]
    streams = [Stream(f"live/s{poll}-{n}", "live", f"s{poll}-{n}", "rtmp", "h")
               for n in range(NAMES_PER_POLL)]
    return ServiceSnapshot("edge", "ntv", tasks=tasks, streams=streams)


def test_churn_of_2000_names_a_poll_for_300_polls_keeps_memory_flat():
    watch = ServiceWatch("edge", "ntv")
    alerter = Alerter(AlertsConfig(every=600.0), lambda *_: None, lambda: None, lambda: now)
    now = 0.0
    baseline = 0.0
    for poll in range(POLLS):
        now = poll * 2.0
        snapshot = churned(poll)
        alerter.handle(watch.observe(snapshot, now, WALL))
        if poll % 10 == 0:
            watch.items(now)
        if poll == 30:   # past the warm-up: every bound reached
            gc.collect()
            baseline = rss_mb()
    gc.collect()
    grown = rss_mb() - baseline
    assert len(watch.gone) <= GONE_LIMIT and len(watch.statuses) == NAMES_PER_POLL
    assert not hasattr(watch, "names")             # written, never read: gone
    assert len(alerter.history) <= HISTORY_LIMIT
    assert len(alerter._last_toast) <= LAST_TOAST_LIMIT
    assert grown < 20, f"RSS grew {grown:.1f} MB after the warm-up"


def test_a_gone_stream_is_kept_for_a_day_at_most():
    watch = ServiceWatch("edge", "ntv")
    live = ServiceSnapshot("edge", "ntv", streams=[Stream("live/a", "live", "a", "rtmp", "h")])
    watch.observe(live, 0.0, WALL)
    watch.observe(ServiceSnapshot("edge", "ntv"), 1.0, WALL)
    assert [i.id for i in watch.items(2.0)] == ["live/a"]
    watch.observe(ServiceSnapshot("edge", "ntv"), 1.0 + GONE_KEEP_S + 1, WALL)
    assert watch.items(2.0 + GONE_KEEP_S) == [] and watch.gone == {}
