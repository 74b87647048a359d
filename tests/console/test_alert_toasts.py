"""Alert toasts never wall off the panes: no more are up at once than `burst` and than the
terminal holds (two at 80x24); what would be more is one summary, or waits for a free toast."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.widgets._toast import Toast

from jobdeck.adapters.core.alerts import AlertsConfig
from jobdeck.adapters.core.oncall import Transition
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.tui.console.toasts import Alerter
from tests.support.clock import FIXED_EPOCH, FrozenClock
from tests.support.console import demo_app, settle, started

WALL = datetime(2026, 12, 6, tzinfo=UTC)


def failed(task_id: str, service: str = "sh-farm") -> Transition:
    return Transition(WALL, service, "renderbus", "task", task_id, f"shot_{task_id}",
                      "running", "failed")


def alerter(room: int, burst: int = 5) -> tuple[Alerter, list[str], FrozenClock]:
    said: list[str] = []
    clock = FrozenClock()
    return (Alerter(AlertsConfig(burst=burst), lambda message, _t, _s: said.append(message.plain),
                    lambda: None, clock, room=lambda: room, toast_s=8.0), said, clock)


def test_toasts_up_at_once_stay_within_the_room_and_the_rest_wait_or_are_summed_up():
    alerts, said, clock = alerter(room=2)
    alerts.handle([failed("1")])
    assert said == ["task 1 shot_1: running -> failed"]
    alerts.handle([failed("2"), failed("3")])          # one toast free, two due: one summary
    assert said[1:] == ["2 alerts at once on sh-farm: press H for the list"]
    alerts.handle([failed("4")])                       # both toasts up: it waits
    assert len(said) == 2
    clock.advance(8.5)                                 # the first two have gone
    alerts.flush()
    assert said[2:] == ["task 4 shot_4: running -> failed"]
    assert [a.transition.id for a in alerts.history] == ["1", "2", "3", "4"]


def test_burst_still_caps_a_tall_terminal_and_no_room_means_wait():
    alerts, said, _ = alerter(room=40, burst=3)
    alerts.handle([failed(str(n), s) for n, s in ((1, "a"), (2, "b"), (3, "a"), (4, "c"))])
    assert said == ["4 alerts at once on a, b, c: press H for the list"]
    room = [0]                                         # a dialog is open: no toast now
    alerts = Alerter(AlertsConfig(), lambda message, _t, _s: said.append(message.plain),
                     lambda: None, FrozenClock(), room=lambda: room[0])
    said.clear()
    alerts.handle([failed("1")])
    assert said == []
    room[0] = 2                                        # it closed
    alerts.flush()
    assert said == ["task 1 shot_1: running -> failed"]


async def test_at_80x24_two_alert_toasts_at_most_cover_the_panes(monkeypatch):
    sim, clock = RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH), FrozenClock()
    app = demo_app(("sh-farm", sim), clock=clock)
    monkeypatch.setattr(app, "bell", lambda: None)
    async with started(app, (80, 24), toasts=True) as pilot:
        assert not app.screen.query(Toast)
        for task_id in (18310, 18320):
            sim.tasks[task_id].status = 45
        app.poller.poll_all()
        await settle(pilot)
        sim.tasks[18301].status = 45
        app.poller.poll_all()
        await settle(pilot)
        shown = " / ".join(str(t.render()) for t in app.screen.query(Toast))
        assert len(app.screen.query(Toast)) == 2 and "18301" not in shown
        assert "18310" in shown and "18320" in shown
        clock.advance(9)                                # their eight seconds are over
        app.tick()
        await settle(pilot)
        assert "18301" in " / ".join(str(t.render()) for t in app.screen.query(Toast))


async def test_alerts_that_come_while_a_dialog_is_open_wait_and_show_within_the_room(
        monkeypatch):
    """A dialog holds toasts back: alerts made meanwhile wait for it to close, then take
    the room there is (one summary here), not every toast the Alerter would have made."""
    from jobdeck.tui.console.screens.help import HelpScreen
    sim, clock = RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH), FrozenClock()
    app = demo_app(("sh-farm", sim), clock=clock)
    monkeypatch.setattr(app, "bell", lambda: None)
    async with started(app, (80, 24), toasts=True) as pilot:
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        for pair in ((18310, 18320), (18301, 18350), (18278, 18306)):
            for task_id in pair:
                sim.tasks[task_id].status = 45
            app.poller.poll_all()
            await settle(pilot)
            clock.advance(9)
            app.tick()
        await pilot.press("escape")
        await settle(pilot)
        app.tick()
        await settle(pilot)
        shown = [str(t.render()) for t in app.screen.query(Toast)]
        assert len(shown) <= 2 and any("6 alerts at once on sh-farm" in s for s in shown)
