"""The on-call engine's newer transitions and items, from snapshots made by hand: a task finishing
(`done`, alerted only when asked), relays that stop or turn abnormal, streams whose app is at its
player limit."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jobdeck.adapters.contract.model import Relay, ServiceSnapshot, Stream, Task
from jobdeck.adapters.core.alerts import DEFAULT_ON, EVENTS, AlertsConfig, parse_events
from jobdeck.adapters.core.oncall import ServiceWatch

WALL = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def farm(*statuses: str) -> ServiceSnapshot:
    return ServiceSnapshot("sh-farm", "renderbus", tasks=[
        Task(str(n), f"scene{n}.max", status, status) for n, status in enumerate(statuses)])


def relay(state: str, raw: str = "1") -> Relay:
    return Relay("BAF9", "监控视频", "rtsp://cam/1", "show/camera1", state, raw)  # type: ignore[arg-type]


def live(*relays: Relay, streams: list[Stream] | None = None) -> ServiceSnapshot:
    return ServiceSnapshot("live", "ntv", streams=streams or [], relays=list(relays))


def test_a_task_finishing_is_a_done_transition_but_not_on_the_first_poll():
    watch = ServiceWatch("sh-farm", "renderbus")
    assert watch.observe(farm("running", "done"), 0, WALL) == []   # first poll: a baseline
    [done] = watch.observe(farm("done", "done"), 1, WALL)
    assert (done.what, done.id, done.from_, done.to, done.event) == ("task", "0", "running",
                                                                     "done", "done")
    assert watch.observe(farm("done", "done"), 2, WALL) == []     # once


def test_done_is_an_event_off_unless_asked_for():
    assert "done" in EVENTS and "done" not in DEFAULT_ON
    assert not AlertsConfig().alerts_on("sh-farm", "renderbus", "done")
    assert AlertsConfig(on=("done", "failed")).alerts_on("sh-farm", "renderbus", "done")
    assert parse_events("done, failed") == ("done", "failed")
    with pytest.raises(ValueError, match="finished"):
        parse_events("finished")


def test_a_relay_stopping_or_turning_abnormal_is_a_transition_and_an_item():
    watch = ServiceWatch("live", "ntv")
    watch.observe(live(relay("running")), 0, WALL)
    assert watch.items(0) == []
    [down] = watch.observe(live(relay("abnormal", "2")), 1, WALL)
    assert (down.what, down.id, down.name, down.from_, down.to, down.event) == (
        "relay", "BAF9", "监控视频", "running", "abnormal", "relay_down")
    assert down.detail == "rtsp://cam/1 -> show/camera1"
    [item] = watch.items(5)
    assert (item.what, item.status, item.since) == ("relay", "abnormal", 1)
    assert item.detail == "rtsp://cam/1 -> show/camera1 (the service's status 2)"   # route first
    assert watch.observe(live(relay("stopped", "0")), 2, WALL) == []   # stopped after abnormal
    [item] = watch.items(5)
    assert item.status == "stopped" and item.detail.startswith("was abnormal")
    watch.observe(live(relay("running")), 3, WALL)
    assert watch.items(5) == []                                           # running again
    [stop] = watch.observe(live(relay("stopped", "0")), 4, WALL)
    assert (stop.from_, stop.to) == ("running", "stopped")
    assert [i.status for i in watch.items(5)] == ["stopped"]


def test_a_relay_never_running_is_no_item_and_one_no_longer_listed_is_let_go():
    watch = ServiceWatch("live", "ntv")
    watch.observe(live(relay("stopped", "0")), 0, WALL)
    assert watch.items(1) == []
    watch.observe(live(relay("running")), 1, WALL)
    watch.observe(live(relay("stopped", "0")), 2, WALL)
    assert watch.items(3)
    assert watch.observe(live(), 3, WALL) == [] and watch.items(4) == []


def test_live_streams_whose_app_is_at_its_player_limit_need_attention():
    def stream(name: str, viewers: int, app: str = "show") -> Stream:
        return Stream(f"{app}/{name}", app, name, "rtmp", "h", viewers=viewers,
                      player_limit=6 if app == "show" else None)

    watch = ServiceWatch("live", "ntv")
    watch.observe(live(streams=[stream("a", 2), stream("b", 3), stream("c", 40, "other")]), 0,
                  WALL)
    assert watch.items(1) == []                                 # 5 of 6
    watch.observe(live(streams=[stream("a", 3), stream("b", 3), stream("c", 40, "other")]), 1,
                  WALL)
    items = watch.items(2)
    assert [(i.what, i.id, i.status) for i in items] == [("stream", "show/a", "at limit"),
                                                         ("stream", "show/b", "at limit")]
    assert items[0].detail == "players refused at the limit: app show has 6 of 6"


def test_an_app_around_its_player_limit_is_one_steady_item_not_a_flicker():
    """Viewers come and go around the limit: the item keeps the time it began, says the app
    was at its limit while under it, and goes LIMIT_HOLD_S after the app was last at it."""
    from jobdeck.adapters.core.oncall import LIMIT_HOLD_S

    def streams(viewers: int) -> list[Stream]:
        return [Stream("show/a", "show", "a", "rtmp", "h", viewers=viewers, player_limit=6)]

    watch = ServiceWatch("live", "ntv")
    watch.observe(live(streams=streams(6)), 10, WALL)
    first = watch.items(11)
    assert [(i.status, i.since) for i in first] == [("at limit", 10)]
    watch.observe(live(streams=streams(5)), 12, WALL)      # one player left
    under = watch.items(13)
    assert [(i.status, i.since) for i in under] == [("at limit", 10)]
    assert under[0].detail == "app show was at its limit of 6 players (now 5)"
    watch.observe(live(streams=streams(6)), 14, WALL)      # full again: the same item
    assert [(i.since, i.detail) for i in watch.items(15)] == [
        (10, "players refused at the limit: app show has 6 of 6")]
    watch.observe(live(streams=streams(4)), 14 + LIMIT_HOLD_S + 1, WALL)
    assert watch.items(14 + LIMIT_HOLD_S + 2) == []         # under it for long enough: gone
