"""On call: the attention view, going to an item, muting it, alerts on transitions (toasts, the
bell, the history, the rate limit, the hook command), pressed through the real keys."""

from __future__ import annotations

import json
import sys

from jobdeck.adapters.core.alerts import AlertsConfig
from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.tui.console.screens.confirm import ConfirmScreen
from jobdeck.tui.console.screens.history import HistoryScreen, MuteScreen
from jobdeck.tui.console.widgets.attention_pane import AttentionPane
from jobdeck.tui.console.widgets.service_list import ServiceList
from jobdeck.tui.console.widgets.streams_pane import StreamsPane
from jobdeck.tui.console.widgets.task_table import TaskTable
from tests.support.clock import FIXED_EPOCH, FrozenClock
from tests.support.console import demo_app, settle, started


def farm(clock=None) -> RenderbusSim:
    return RenderbusSim(clock=clock or FrozenClock(), epoch=FIXED_EPOCH)


def rows(app) -> dict[str, object]:
    return dict(app.query_one(AttentionPane).items)


async def to_item(pilot, key: str) -> None:
    pane = pilot.app.query_one(AttentionPane)
    pane.focus()
    pane.move_cursor(row=pane.get_row_index(key), animate=False)
    await settle(pilot)


def with_alerts(app, **options) -> None:
    """Alert settings for this test (as [alerts] in config would give them)."""
    for key, value in options.items():
        setattr(app.config.alerts, key, value)


async def test_the_attention_view_opens_first_with_every_services_trouble():
    sh, live = farm(), NtvSim(clock=FrozenClock())
    app = demo_app(("sh-farm", sh), ("live", live))
    async with started(app) as pilot:
        assert app.query_one(ServiceList).highlighted == 0 and app.selected == "attention"
        assert app.focused is app.query_one(AttentionPane)
        items = rows(app)
        assert set(items) == {"sh-farm/task/18340", "sh-farm/task/18330"}
        failed = items["sh-farm/task/18340"]
        assert failed.status == "failed" and failed.kind == "renderbus"
        prompt = app.query_one(ServiceList).get_option("sh-farm").prompt.plain
        assert "!2" in prompt and "2 fail" in prompt           # the service list's mark, counts
        assert "attention 2" in app.query_one(ServiceList).get_option("attention").prompt.plain
        del live.streams["live/live2"]                         # a stream goes down
        app.poller.poll_all()
        await settle(pilot)
        gone = rows(app)["live/stream/live/live2"]
        assert gone.status == "gone" and gone.service == "live" and gone.kind == "ntv"
        assert next(iter(rows(app))) == "live/stream/live/live2"   # newest first


async def test_enter_goes_to_the_task_in_its_service_with_the_cursor_on_it():
    app = demo_app(("sh-farm", farm()))
    async with started(app) as pilot:
        await to_item(pilot, "sh-farm/task/18330")
        await pilot.press("enter")
        await settle(pilot)
        assert app.selected == "sh-farm"
        table = app.query_one(TaskTable)
        assert table.cursor_task_id == "18330" and app.focused is table


async def test_enter_on_a_stream_that_went_idle_goes_to_the_stream():
    live = NtvSim(clock=FrozenClock())
    app = demo_app(("live", live))
    async with started(app) as pilot:
        live.closed["live/live2"] = FIXED_EPOCH    # disabled behind our back: it is gone live
        del live.streams["live/live2"]
        app.poller.poll_all()
        await settle(pilot)
        await to_item(pilot, "live/stream/live/live2")
        await pilot.press("enter")
        await settle(pilot)
        streams = app.query_one(StreamsPane)
        assert app.selected == "live" and streams.cursor_stream.id == "live/live2"


async def test_the_usual_keys_act_on_a_task_row_confirmed_as_anywhere_else():
    sim = farm()
    app = demo_app(("sh-farm", sim))
    async with started(app) as pilot:
        await to_item(pilot, "sh-farm/task/18330")        # partial, with failed frames
        await pilot.press("R")
        await settle(pilot)
        assert [r.body for r in sim.received if r.path == "task/restartFailedFrames"] == [
            {"taskIds": [18330], "taskParam": [18330]}]
        await to_item(pilot, "sh-farm/task/18340")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and "forest.blend" in app.screen.body.plain
        await pilot.press("n")
        await settle(pilot)
        assert not [r for r in sim.received if r.path == "task/abortTask"]


async def test_m_mutes_until_it_changes_and_the_mute_is_kept(tmp_path):
    store = StateStore(tmp_path / "state")
    sim = farm()
    app = demo_app(("sh-farm", sim), state=store)
    async with started(app) as pilot:
        await to_item(pilot, "sh-farm/task/18340")
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MuteScreen)
        await pilot.press("u")                                # until it changes
        await settle(pilot)
        assert "sh-farm/task/18340" not in rows(app)
        assert "1 muted" in app.query_one(ServiceList).get_option("attention").prompt.plain
    saved = json.loads((tmp_path / "state" / "state.json").read_text())["mutes"]
    assert saved["sh-farm/task/18340"]["until"] is None
    app = demo_app(("sh-farm", sim), state=StateStore(tmp_path / "state"))
    async with started(app) as pilot:                          # the next console remembers
        assert "sh-farm/task/18340" not in rows(app)
        sim.tasks[18340].status = 30                           # it changes: it is back
        app.poller.poll_all()
        await settle(pilot)
        assert "sh-farm/task/18340" in rows(app)


async def test_a_timed_mute_ends_by_itself(tmp_path):
    store = StateStore(tmp_path / "state")
    app = demo_app(("sh-farm", farm()), state=store)
    async with started(app) as pilot:
        now = [1000.0]
        app.oncall.mutes.wall = lambda: now[0]
        await to_item(pilot, "sh-farm/task/18340")
        await pilot.press("m", "1")                            # 15 minutes
        await settle(pilot)
        assert "sh-farm/task/18340" not in rows(app)
        now[0] += 16 * 60
        app.show_selected()
        assert "sh-farm/task/18340" in rows(app)


async def test_a_transition_toasts_rings_and_is_kept_in_the_history(monkeypatch):
    sim = farm()
    app = demo_app(("sh-farm", sim))
    rang: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: rang.append(1))
    async with started(app) as pilot:
        assert rang == [] and app.oncall.alerter.history == []   # never on the first poll
        sim.tasks[18278].status = 45
        app.poller.poll_all()
        await settle(pilot)
        assert any("18278 lobby.max: stopped -> failed" in m for m, _ in app.toasts)
        assert rang == [1]
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one("#history-table")
        assert table.row_count == 1 and "lobby.max" in str(table.get_row_at(0)[4])


async def test_the_rate_limit_holds_a_repeat_and_a_burst_is_one_summary(monkeypatch):
    sim = farm()
    app = demo_app(("sh-farm", sim))
    monkeypatch.setattr(app, "bell", lambda: None)
    async with started(app) as pilot:
        with_alerts(app, burst=3)
        sim.tasks[18278].status = 45
        app.poller.poll_all()
        await settle(pilot)
        sim.tasks[18278].status = 10                 # back and failed again within `every`
        app.poller.poll_all()
        await settle(pilot)
        sim.tasks[18278].status = 45
        app.poller.poll_all()
        await settle(pilot)
        assert sum("lobby.max" in m for m, _ in app.toasts) == 1
        history = app.oncall.alerter.history
        assert [a.toasted for a in history] == [True, False]
        for task_id in (18310, 18320, 18301, 18350):    # four fail at once: more than burst
            sim.tasks[task_id].status = 45
        app.poller.poll_all()
        await settle(pilot)
        assert any("4 alerts at once on sh-farm" in m for m, _ in app.toasts)


async def test_alerts_follow_the_on_lists_per_kind_and_per_service(monkeypatch):
    sim = farm()
    app = demo_app(("sh-farm", sim))
    monkeypatch.setattr(app, "bell", lambda: None)
    async with started(app) as pilot:
        with_alerts(app, by_service={"sh-farm": ("service_down",)})
        sim.tasks[18278].status = 45
        app.poller.poll_all()
        await settle(pilot)
        assert not any("lobby.max" in m for m, _ in app.toasts)
        assert app.oncall.alerter.history[-1].alerted is False


async def test_the_alert_command_gets_the_transition_json_and_its_failure_is_shown(tmp_path,
                                                                                monkeypatch):
    out = tmp_path / "alerts.jsonl"
    hook = tmp_path / "hook.py"
    hook.write_text("import sys\nopen(sys.argv[1], 'a').write(sys.stdin.read())\n")
    sim = farm()
    app = demo_app(("sh-farm", sim))
    monkeypatch.setattr(app, "bell", lambda: None)
    async with started(app) as pilot:
        with_alerts(app, command=f"{sys.executable} {hook} {out}")
        sim.tasks[18278].status = 45
        app.poller.poll_all()
        await settle(pilot)
        sent = json.loads(out.read_text())
        assert sent["service"] == "sh-farm" and sent["id"] == "18278" and sent["to"] == "failed"
        with_alerts(app, command=f"{sys.executable} -c 'import sys; sys.exit(3)'")
        sim.tasks[18301].status = 45
        app.poller.poll_all()
        await settle(pilot)
        assert any("alert command exited 3" in m for m, _ in app.toasts)
        with_alerts(app, command=f"{sys.executable} -c 'import time; time.sleep(30)'",
                    command_timeout=0.5)
        sim.tasks[18320].status = 45
        app.poller.poll_all()
        await settle(pilot)
        assert any("took longer than 0.5 s" in m for m, _ in app.toasts)


def test_alert_settings_parse_and_refuse_unknown_events(tmp_path):
    from jobdeck.adapters.contract.model import ConfigError
    from jobdeck.adapters.core.alerts import parse_alerts

    alerts = parse_alerts({"bell": False, "every": 5, "on": ["failed"],
                           "kinds": {"ntv": {"on": ["stream_gone"]}},
                           "services": {"la": {"on": []}}}, "c.toml", {"la"}, {"ntv"})
    assert isinstance(alerts, AlertsConfig) and not alerts.bell and alerts.every == 5.0
    assert alerts.alerts_on("sh", "renderbus", "failed")
    assert not alerts.alerts_on("sh", "renderbus", "stalled")
    assert alerts.alerts_on("x", "ntv", "stream_gone") and not alerts.alerts_on("la", "ntv",
                                                                                  "stream_gone")
    try:
        parse_alerts({"on": ["explode"]}, "c.toml", set(), set())
    except ConfigError as exc:
        assert "c.toml" in str(exc) and "'explode'" in str(exc)
    else:
        raise AssertionError("an unknown event passed")


def test_a_failed_task_without_words_is_described_by_its_frames():
    from jobdeck.adapters.contract.model import FrameCounts, Task
    from jobdeck.adapters.core.oncall import trouble
    task = Task("1", "forest.blend", "failed", "7", frames=FrameCounts(12, 0, 12, 0, 0))
    assert trouble(task) == "12 of 12 frames failed"
    task.error = "license server unreachable"
    assert trouble(task) == "license server unreachable"
    assert trouble(Task("2", "x", "failed", "7")) is None
