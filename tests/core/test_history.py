"""The history store: what a poll records (and what it does not), the state at a moment rebuilt
from it, retention, two processes writing at once, and a store that is full, locked, corrupt
or cannot be created, which is a warning and never a stop."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from jobdeck.adapters.contract.model import (
    Account,
    FrameCounts,
    ServiceSnapshot,
    Stream,
    Task,
)
from jobdeck.adapters.core.history import (
    FILE,
    SCHEMA_VERSION,
    THROTTLE_S,
    HistoryError,
    HistoryStore,
    PollRow,
    Recorder,
    epoch,
    parse_moment,
    parse_since,
    snapshot_at,
)
from jobdeck.adapters.core.oncall import Transition
from jobdeck.adapters.core.trends import time_down, trends_of

T0 = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parents[2]


def farm(*, render: str = "running", done: int = 10, ok: bool = True, balance: float = 500.0,
         extra: list[Task] | None = None) -> ServiceSnapshot:
    child = Task("19088", "render", render, "5", progress=done / 40,
                 frames=FrameCounts(40, done, 0, 2, 40 - done - 2))
    parent = Task("19084", "cloakroom.max", "running", "5", progress=0.5,
                  frames=FrameCounts(41, done + 1, 0, 2, 38 - done),
                  submitted_at=T0 - timedelta(hours=2),
                  children=[Task("19087", "photon", "done", "25", 1.0, None,
                                 FrameCounts(1, 1, 0, 0, 0)), child])
    old = Task("18340", "forest.blend", "failed", "45", 0.0, frames=FrameCounts(12, 0, 12, 0, 0),
               submitted_at=T0 - timedelta(days=1), error="12 of 12 frames failed")
    return ServiceSnapshot("sh-farm", "renderbus", ok=ok, error=None if ok else "HTTP 503",
                           account=Account("rayvision", balance), tasks=[parent, old,
                                                                          *(extra or [])],
                           latency_ms=12.4)


def live(viewers: int = 40, streams: int = 2) -> ServiceSnapshot:
    return ServiceSnapshot("live", "ntv", streams=[
        Stream(f"live/cam{n}", "live", f"cam{n}", "rtmp", "media", viewers=viewers + n,
               started_at=T0 - timedelta(minutes=30)) for n in range(streams)], latency_ms=5)


def recorder(tmp_path: Path, **options) -> tuple[Recorder, list[tuple[str, str]]]:
    said: list[tuple[str, str]] = []
    return Recorder(tmp_path, 14, lambda text, severity: said.append((text, severity)),
                    flush_s=0.01, **options), said


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def item_rows(path: Path) -> list[tuple]:
    db = sqlite3.connect(path / FILE)
    try:
        return db.execute("SELECT what, item, at, until, status FROM items ORDER BY rowid").fetchall()
    finally:
        db.close()


def test_a_poll_records_its_figures_and_only_the_items_that_changed(tmp_path):
    rec, said = recorder(tmp_path)
    rec.poll(farm(done=10), [], at(0))
    rec.poll(farm(done=10), [], at(2))                     # nothing changed: no item row
    rec.poll(farm(done=12), [], at(4))                     # progress alone: within the minute
    rec.poll(farm(done=12, render="failed"), [], at(6))    # a status: at once
    rec.close()
    rows = item_rows(tmp_path)
    tasks = [r for r in rows if r[0] == "task"]
    assert len([r for r in tasks if r[2] == epoch(T0)]) == 4   # the first poll: every task
    assert [r[1] for r in tasks if r[2] > epoch(T0)] == ["19088"]   # the one whose status changed
    render = [r for r in tasks if r[1] == "19088"]
    assert render[0][3] == epoch(at(6)) and render[1][4] == "failed" and render[1][3] is None
    store = HistoryStore.in_dir(tmp_path)
    polls = store.polls("sh-farm", T0, at(10))
    assert [p.at - epoch(T0) for p in polls] == [0, 2, 4, 6]
    assert polls[0].counts["running"] == 1 and polls[0].counts["failed"] == 1
    assert polls[0].latency == 12 and polls[0].balance == 500.0 and polls[0].ok
    assert polls[2].units == 2      # two frames of the top-level task finished since the poll before
    assert said == []


def test_a_change_of_progress_alone_is_written_once_a_minute(tmp_path):
    rec, _ = recorder(tmp_path)
    for step in range(0, 130, 2):
        rec.poll(farm(done=10 + step // 2), [], at(step))
    rec.close()
    render = [r for r in item_rows(tmp_path) if r[1] == "19088"]
    assert [r[2] - epoch(T0) for r in render] == [0, THROTTLE_S, 2 * THROTTLE_S]


def test_a_task_handed_again_as_the_same_object_is_not_looked_at(tmp_path, monkeypatch):
    """A big account's adapter hands its unchanged tasks as the objects it handed before: the
    writer passes over them, so what a poll costs it does not grow with finished work."""
    from jobdeck.adapters.core import history

    looked: list[str] = []
    keys_of = history._task_keys
    monkeypatch.setattr(history, "_task_keys",
                        lambda task, parent: looked.append(task.id) or keys_of(task, parent))
    finished = [Task(str(n), f"old {n}", "done", "25", 1.0) for n in range(1000, 1200)]
    first = farm(done=10, extra=finished)
    rec, _ = recorder(tmp_path)
    rec.poll(first, [], at(0))
    rec.flush()
    assert len(looked) == 204
    looked.clear()
    moved = farm(done=12, render="failed", extra=finished)   # a new tree for 19084, same old ones
    moved.tasks[1] = first.tasks[1]
    rec.poll(moved, [], at(2))
    rec.close()
    assert sorted(looked) == ["19084", "19087", "19088"]
    render = [r for r in item_rows(tmp_path) if r[1] == "19088"]
    assert [r[4] for r in render] == ["running", "failed"]


def test_a_throttled_change_is_written_when_the_same_object_comes_again(tmp_path):
    rec, _ = recorder(tmp_path)
    rec.poll(farm(done=10), [], at(0))
    moved = farm(done=12)
    rec.poll(moved, [], at(2))                  # progress alone: waits for the minute
    rec.poll(moved, [], at(THROTTLE_S + 2))     # the very same objects: still written now
    rec.close()
    render = [r for r in item_rows(tmp_path) if r[1] == "19088"]
    assert [r[2] - epoch(T0) for r in render] == [0, THROTTLE_S + 2]


def test_tasks_and_children_that_go_are_closed(tmp_path):
    rec, _ = recorder(tmp_path)
    first = farm(done=10)
    rec.poll(first, [], at(0))
    parent, old = first.tasks
    lone = Task(parent.id, parent.name, parent.status, parent.raw_status, parent.progress,
                frames=parent.frames, submitted_at=parent.submitted_at,
                children=[parent.children[0]])
    rec.poll(ServiceSnapshot("sh-farm", "renderbus", tasks=[lone, old]), [], at(2))
    rec.poll(ServiceSnapshot("sh-farm", "renderbus", tasks=[lone]), [], at(4))
    rec.close()
    until = {r[1]: r[3] for r in item_rows(tmp_path) if r[0] == "task"}
    assert until["19088"] == epoch(at(2)) and until["18340"] == epoch(at(4))
    assert until["19087"] is None and until["19084"] is None


def test_the_state_at_a_moment_is_rebuilt_with_children_streams_and_facts(tmp_path):
    rec, _ = recorder(tmp_path)
    rec.poll(farm(done=10), [], at(0))
    rec.poll(live(), [], at(1))
    rec.poll(farm(done=10, render="failed", balance=480.0), [], at(30))
    rec.poll(live(streams=1), [], at(31))      # cam1 is gone
    rec.close()
    store = HistoryStore.in_dir(tmp_path)
    then = snapshot_at(store, "sh-farm", "renderbus", epoch(at(20)))
    assert [t.id for t in then.tasks] == ["19084", "18340"]          # newest first, as sent
    assert [c.id for c in then.tasks[0].children] == ["19087", "19088"]
    assert then.tasks[0].children[1].status == "running" and then.account.balance == 500.0
    assert then.tasks[1].error == "12 of 12 frames failed"
    assert then.tasks[0].frames == FrameCounts(41, 11, 0, 2, 28)
    later = snapshot_at(store, "sh-farm", "renderbus", epoch(at(40)))
    assert later.tasks[0].children[1].status == "failed" and later.account.balance == 480.0
    assert [s.id for s in snapshot_at(store, "live", "ntv", epoch(at(20))).streams] == [
        "live/cam0", "live/cam1"]
    assert [s.id for s in snapshot_at(store, "live", "ntv", epoch(at(40))).streams] == [
        "live/cam0"]
    assert snapshot_at(store, "live", "ntv", epoch(at(0))) is None     # not polled yet


def test_transitions_and_actions_come_back_merged_in_time_order(tmp_path):
    rec, _ = recorder(tmp_path)
    failed = Transition(at(5), "sh-farm", "renderbus", "task", "19088", "render", "running",
                        "failed", "2 of 40 frames failed")
    rec.poll(farm(), [], at(0))
    rec.poll(farm(render="failed"), [failed], at(5))
    rec.action({"at": "2026-12-04T03:00:03Z", "service": "sh-farm", "action": "stop",
                "via": "console", "user": "alice", "targets": ["19084"], "ok": True,
                "outcome": "done", "message": "19084 stopped", "code": 200})
    rec.close()
    store = HistoryStore.in_dir(tmp_path)
    events = store.events(T0, at(60))
    assert [e.kind for e in events] == ["action", "failed"]
    assert events[0].line() == ("2026-12-04T03:00:03Z sh-farm action stop 19084 by alice via "
                                "console: done (19084 stopped)")
    assert events[1].to_json() == failed.to_json()
    assert [e.kind for e in store.events(T0, at(60), newest_first=True, limit=1)] == ["failed"]
    assert store.events(T0, at(60), ["live"]) == []


def test_retention_prunes_what_is_older_than_history_days(tmp_path):
    store = HistoryStore.in_dir(tmp_path, days=1)
    rec = Recorder(tmp_path, 1, flush_s=0.01)
    old = Transition(at(0), "sh-farm", "renderbus", "task", "1", "x", "running", "failed")
    rec.poll(farm(), [old], at(0))
    rec.poll(farm(render="failed"), [], at(60))          # closes the render's first row
    rec.poll(farm(render="done"), [], at(3 * 86400))     # two days later: the old is pruned
    rec.close()
    assert store.events(T0 - timedelta(days=1), at(4 * 86400)) == []
    polls = store.polls("sh-farm", T0, at(4 * 86400))
    assert [p.at - epoch(T0) for p in polls] == [3 * 86400]
    ends = [r[3] for r in item_rows(tmp_path)]
    assert all(end is None or end >= epoch(at(2 * 86400)) for end in ends)
    now = snapshot_at(store, "sh-farm", "renderbus", epoch(at(3 * 86400)))
    assert now.tasks[1].status == "failed"      # what is still so stays, however old


WRITER = textwrap.dedent("""
    import sys, time
    from datetime import UTC, datetime, timedelta
    from pathlib import Path
    sys.path.insert(0, {root!r})
    from jobdeck.adapters.contract.model import ServiceSnapshot
    from jobdeck.adapters.core.history import Recorder
    from jobdeck.adapters.core.oncall import Transition
    me, directory = sys.argv[1], Path(sys.argv[2])
    said = []
    rec = Recorder(directory, 14, lambda text, severity: said.append(text), flush_s=0.005)
    t0 = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
    for n in range(60):
        wall = t0 + timedelta(seconds=n)
        seen = Transition(wall, "shared", "renderbus", "task", str(n), "x", "running", "failed")
        rec.poll(ServiceSnapshot("shared", "renderbus"), [seen], wall)
        rec.poll(ServiceSnapshot("own-" + me, "renderbus"), [], wall)
        rec.action({{"at": "2026-12-04T03:00:00Z", "service": "own-" + me, "action": "stop",
                    "targets": [str(n)], "ok": True, "user": me}})
        rec.flush()
    (directory / ("done-" + me)).touch()
    deadline = time.monotonic() + 30
    while not (directory / ("done-" + ("b" if me == "a" else "a"))).exists():
        if time.monotonic() > deadline:
            sys.exit("the other writer never finished")
        time.sleep(0.01)
    rec.close()
    print("WARNINGS", said)
""")


def test_two_processes_record_at_once_without_losing_or_doubling_anything(tmp_path):
    script = tmp_path / "writer.py"
    script.write_text(WRITER.format(root=str(ROOT.parent)))
    writers = [subprocess.Popen([sys.executable, str(script), me, str(tmp_path)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
               for me in ("a", "b")]
    outputs = [w.communicate(timeout=120) for w in writers]
    assert [w.returncode for w in writers] == [0, 0], outputs
    assert all("WARNINGS []" in out for out, _ in outputs), outputs
    store = HistoryStore.in_dir(tmp_path)
    events = store.events(T0, at(3600))
    actions = [e for e in events if e.action is not None]
    assert len(actions) == 120 and {a.action["user"] for a in actions} == {"a", "b"}
    shared = [e for e in events if e.service == "shared"]
    assert sorted(int(e.transition.id) for e in shared) == list(range(60))   # each once
    assert len(store.polls("shared", T0, at(3600))) == 60
    assert len(store.polls("own-a", T0, at(3600))) == 60 == len(store.polls("own-b", T0,
                                                                              at(3600)))


def test_a_full_disk_is_one_warning_and_transitions_wait_for_room(tmp_path):
    rec, said = recorder(tmp_path, max_pages=12, retry_s=0.0)
    failed = Transition(at(200), "sh-farm", "renderbus", "task", "1", "x", "running", "failed")
    many = [Task(str(n), "x" * 200, "running", "5", progress=0.1) for n in range(300)]
    for step in range(3):
        rec.poll(farm(extra=many), [failed] if step == 2 else [], at(step * 100))
        assert rec.flush()
    assert len([s for s in said if "full" in s[0]]) == 1 and said[0][1] == "warning"
    rec.max_pages = None                      # room again
    rec.poll(farm(), [], at(400))
    rec.close()
    assert said[-1] == ("history: recording again", "information")
    kinds = [e.kind for e in HistoryStore.in_dir(tmp_path).events(T0, at(1000))]
    assert kinds == ["failed"]                 # held while full, written once there was room


def test_a_corrupt_store_is_set_aside_and_recording_begins_anew(tmp_path):
    (tmp_path / FILE).write_bytes(b"this is not a database at all " * 200)
    rec, said = recorder(tmp_path)
    rec.poll(farm(), [], at(0))
    rec.close()
    assert any("set aside" in text for text, _ in said), said
    assert list(tmp_path.glob(f"{FILE}.corrupt-*"))
    assert len(HistoryStore.in_dir(tmp_path).polls("sh-farm", T0, at(10))) == 1


def test_a_store_held_by_another_process_waits_then_writes(tmp_path):
    rec, said = recorder(tmp_path, busy_s=0.1)
    rec.poll(farm(), [], at(0))
    assert rec.flush()
    other = sqlite3.connect(tmp_path / FILE, isolation_level=None)
    other.execute("BEGIN EXCLUSIVE")
    rec.poll(farm(), [Transition(at(2), "sh-farm", "renderbus", "task", "1", "x", "running",
                                 "failed")], at(2))
    assert rec.flush()
    assert any("held by another process" in text for text, _ in said), said
    other.execute("ROLLBACK")
    other.close()
    rec.poll(farm(), [], at(4))
    rec.close()
    assert [e.kind for e in HistoryStore.in_dir(tmp_path).events(T0, at(10))] == ["failed"]
    assert said[-1][0] == "history: recording again"


def test_a_state_dir_that_cannot_hold_the_store_is_a_warning(tmp_path):
    (tmp_path / FILE).mkdir()                # root ignores permissions; a directory does not
    rec, said = recorder(tmp_path)
    rec.poll(farm(), [], at(0))
    rec.poll(farm(), [], at(2))
    rec.close()
    assert len(said) == 1 and "history not recorded" in said[0][0] and said[0][1] == "warning"


def test_a_store_from_a_newer_jobdeck_is_refused_not_damaged(tmp_path):
    db = sqlite3.connect(tmp_path / FILE)
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(HistoryError, match="newer jobdeck"):
        HistoryStore.in_dir(tmp_path).connect()


def test_spans_and_moments_are_read_as_an_operator_writes_them():
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    assert parse_since("8h", now) == now - timedelta(hours=8)
    assert parse_since("1h30m", now) == now - timedelta(minutes=90)
    assert parse_since("2d", now) == now - timedelta(days=2)
    assert parse_since("2026-12-04 03:12", now) == datetime(2026, 12, 4, 3, 12, tzinfo=UTC)  # TZ=UTC
    assert parse_moment("2026-12-04T03:12:00+01:00") == datetime(2026, 12, 4, 2, 12, tzinfo=UTC)
    assert parse_since("yesterday", now) is None and parse_since("8", now) is None


def poll(at_s: int, ok: bool = True, running: int = 0, units: int = 0, latency: int = 5):
    return PollRow("f", at_s, ok, latency if ok else None, {"running": running}, None, None,
                   None, units, 0, None if ok else "down")


def test_time_down_and_trends_in_figures():
    polls = [poll(0), poll(10, ok=False), poll(20, ok=False), poll(30), poll(40, ok=False),
             poll(1000)]
    assert time_down(polls, 1010) == (20 + 120, 2, 120)   # a long gap counts up to the cap
    rows = [poll(s, running=s // 60, units=3, latency=5 + s // 60) for s in range(0, 180, 2)]
    running, frames, latency = trends_of(rows, ["running", "frames", "latency"], 0, 180)
    assert running.values == [0.0, 1.0, 2.0] and running.peak == 2
    assert frames.values == [90.0, 90.0, 90.0] and frames.figure() == "270 (90.0/min)"
    assert latency.median == 6 and latency.p95 == 7


def test_a_list_with_an_id_twice_is_counted_as_it_is(tmp_path):
    """The poll's counts come from what was kept only for a list whose ids are unique (a big
    account's book says so); any other list is counted as it comes."""
    rec, _ = recorder(tmp_path)
    running, queued = Task("a", "a", "running", "5"), Task("b", "b", "queued", "0")
    rec.poll(ServiceSnapshot("encoder", "finalrip", tasks=[running, queued]), [], at(0))
    twice = ServiceSnapshot("encoder", "finalrip",
                            tasks=[running, Task("a", "a", "failed", "45")])
    rec.poll(twice, [], at(2))
    rec.close()
    polls = HistoryStore.in_dir(tmp_path).polls("encoder", T0, at(10))
    assert [(p.counts["running"], p.counts["queued"], p.counts["failed"]) for p in polls] == \
        [(1, 1, 0), (1, 0, 1)]
