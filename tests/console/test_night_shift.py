"""A night shift at 80x24, pressed through the real keys: the console keeps the why, never
misleads (ids, gone items, the operator's own actions, mutes, toasts over dialogs), and every
key answers, whether or not it applies."""

from __future__ import annotations

from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.enhance.sim import EnhanceSim
from jobdeck.adapters.finalrip.sim import FinalRipSim
from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.tui.console.screens.confirm import ConfirmScreen
from jobdeck.tui.console.screens.history import HistoryScreen
from jobdeck.tui.console.screens.mutes import MutesScreen
from jobdeck.tui.console.screens.recorded import RecordedHistoryScreen
from jobdeck.tui.console.widgets.attention_pane import AttentionPane
from jobdeck.tui.console.widgets.service_list import ServiceList
from jobdeck.tui.console.widgets.streams_pane import StreamsPane
from jobdeck.tui.console.widgets.task_table import TaskTable
from jobdeck.tui.console.widgets.tasks_pane import TasksPane
from tests.support.clock import FIXED_EPOCH, FrozenClock
from tests.support.console import (
    console,
    cursor_to,
    demo_app,
    row_of,
    screen_text,
    select_service,
    settle,
    started,
    toasts,
)

NARROW = (80, 24)


def farm() -> RenderbusSim:
    return RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH)


def attention(app) -> AttentionPane:
    return app.query_one(AttentionPane)


# 80 columns keep the reason ----------------------------------------------------------------------

async def test_at_80_columns_the_attention_view_keeps_30_columns_of_reason_and_writes_it_whole():
    app = demo_app(("sh-farm", farm()), ("live", NtvSim(clock=FrozenClock())))
    async with started(app, NARROW) as pilot:
        pane = attention(app)
        assert app.query_one("#main").has_class("fold")      # the list folds away
        widths = dict(zip([c.key for c in pane.COLUMNS], pane.fit.widths, strict=True))
        assert widths["kind"] == 0 and widths["detail"] >= 30 and widths["age"] == 3
        text = screen_text(app)
        assert "12 of 12 frames failed" in text                 # a whole reason in its column
        item = pane.cursor_item                                   # the row under the cursor,
        assert f"sh-farm (renderbus) · task {item.id} {item.name} · {item.status}" in text
        pinned = " ".join(line.strip("│ ") for line in text.splitlines()[-4:-2])
        assert item.detail in pinned                              # whole, pinned below
        assert "tab: services" in str(pane.border_subtitle)
        await pilot.press("tab")                                # the list comes back
        await settle(pilot)
        assert isinstance(app.focused, ServiceList) and "Services" in screen_text(app)
        assert "tab: services" not in str(pane.border_subtitle)
        # beside the list the ITEM column is narrow: the word "task" goes before the id does
        rows = [pane.render_line(y).text for y in range(1, 1 + len(pane.items))]
        ids = [i.id for i in pane.items.values() if i.what == "task"]
        assert ids and all(any(f" {i} " in row or f" {i}…" in row for row in rows) for i in ids)
        assert not any("task 18" in row for row in rows)


async def test_at_120_columns_the_attention_view_shows_the_list_and_a_wide_reason():
    app = demo_app(("sh-farm", farm()))
    async with started(app, (120, 36)):
        pane = attention(app)
        assert not app.query_one("#main").has_class("fold")
        assert dict(zip([c.key for c in pane.COLUMNS], pane.fit.widths,
                        strict=True))["detail"] >= 30
        assert "Services" in screen_text(app)


async def test_the_streams_table_keeps_names_bitrate_and_rec_at_80_columns():
    from jobdeck.adapters.nginx_rtmp.sim import NginxRtmpSim
    app = demo_app(("edge", NginxRtmpSim(clock=FrozenClock())))
    async with started(app, NARROW) as pilot:
        await select_service(pilot, "edge")
        streams = app.query_one(StreamsPane)
        streams.focus()
        await settle(pilot)
        widths = dict(zip([c.key for c in streams.COLUMNS], streams.fit.widths, strict=True))
        assert widths["stream"] >= 16 and widths["bitrate"] and widths["rec"]
        assert widths["host"] == widths["codec"] == 0            # what matters least went
        text = screen_text(app)
        assert "KBPS" in text and "cam1" in text
        assert "0:live/cam1 · live" in text                     # the whole stream, pinned


async def test_the_service_list_never_cuts_a_count_and_puts_failures_first():
    app = demo_app(("sh-farm", farm()))
    async with started(app, NARROW) as pilot:
        await pilot.press("tab")
        await settle(pilot)
        prompt = app.query_one(ServiceList).get_option("sh-farm").prompt.plain
        lines = prompt.splitlines()
        assert lines[1].strip().startswith("2 fail")
        assert "bal 1,250.40" in prompt and "…" not in prompt
        assert all(len(line) <= 22 for line in lines)


async def test_at_80_columns_with_the_list_open_attention_statuses_stay_whole():
    """'abnormal' and 'at limit' are eight cells: STATUS keeps them whole at 80 columns
    beside the service list (they read 'abnorm…', 'at lim…'); SERVICE gives the cell."""
    clock = FrozenClock()
    app = demo_app(("live", NtvSim(clock=clock)))
    async with started(app, NARROW) as pilot:
        await pilot.press("tab")
        clock.advance(60)                       # a relay of the sim's turns abnormal
        app.poller.poll_all()
        await settle(pilot)
        pane = app.query_one(AttentionPane)
        assert "abnormal" in {pane.items[key].status for key in pane.keys}
        text = screen_text(app)
        assert " abnormal " in text and "abnorm…" not in text


async def lines_when_slow(name: str, size: tuple[int, int]) -> list[str]:
    """The service list's lines for `name` after a poll 1.2 s slow (at 80 columns, unfolded)."""
    app = demo_app((name, farm()))
    async with started(app, size) as pilot:
        if size == NARROW:
            await pilot.press("tab")
            await settle(pilot)
        services, state = app.query_one(ServiceList), app.states[name]
        state.latency_ms = 1234.0
        services.update_state(state)
        return services.get_option(name).prompt.plain.splitlines()


async def test_a_slow_service_says_how_slow_whole_in_a_narrow_list():
    """At 80 columns "● sh-farm !2 ok slow 1.2s" is wider than the list: the latency goes
    below as a whole word (it was cut to "slow 1…"; a poll slowed by a busy test machine
    made the test above fail now and then)."""
    lines = await lines_when_slow("sh-farm", NARROW)
    assert "…" not in "".join(lines) and lines[0].endswith(" ok")
    assert lines[1].strip().startswith("2 fail") and lines[-1].endswith("slow 1.2s")
    wide = await lines_when_slow("sh-farm", (140, 30))   # room beside "ok": it stays there
    assert wide[0].endswith("ok slow 1.2s")


async def test_a_long_named_ok_service_says_ok_first_below_its_name():
    """'ok' that does not fit beside a long name leads the line below; read after the
    balance it said the balance was ok."""
    lines = await lines_when_slow("render-farm-tokyo", NARROW)
    assert lines[0] == "● render-farm-tokyo" and lines[1].strip().startswith("ok · 2 fail")
    assert lines[-1].endswith("slow 1.2s")


async def test_a_failing_service_says_stale_whole_and_why_in_a_narrow_list():
    """At 80 columns "◐ promo-videos !1 stale 40s" does not fit: "stale 40s" goes below whole
    (it read "stale 4…", or nothing at all), and the reason gets two lines, cut at its end
    only (it was cut on its first line: "HTTP 503: 'Servi…")."""
    from jobdeck.adapters.simulation.server import Fault
    sim, clock = farm(), FrozenClock()
    app = demo_app(("a-long-farm-name", sim), clock=clock)
    async with started(app, NARROW) as pilot:
        await pilot.press("tab")
        await settle(pilot)
        sim.inject(Fault.parse("5xx"))
        clock.advance(40)
        app.poller.poll_all()
        await settle(pilot)
        lines = app.query_one(ServiceList).get_option("a-long-farm-name").prompt.plain \
            .splitlines()
        width = app.query_one(ServiceList).scrollable_content_region.width
        assert lines[0].startswith("◐ a-long-farm-name") and "stale" not in lines[0]
        assert lines[1].strip().startswith("stale ") and "…" not in lines[1]
        first = next(n for n, line in enumerate(lines) if "HTTP 503" in line)
        reason = lines[first:]
        assert reason[0].strip().startswith("HTTP 503:") and len(reason) == 2
        assert reason[1].strip().startswith("Temporarily")   # the words go on, cut at the end
        assert all(len(line) <= width - 1 for line in lines)


async def test_a_line_of_the_folded_service_list_changes_without_a_crash():
    """At 80 columns the attention view folds the service list away (width 0). A service
    going stale there changed its line, and measuring the new line's height at width 0
    raised ValueError (range() arg 3 must not be zero): the console stopped."""
    from jobdeck.adapters.simulation.server import Fault
    sim, clock = farm(), FrozenClock()
    app = demo_app(("sh-farm", sim), clock=clock)
    async with started(app, NARROW) as pilot:
        services = app.query_one(ServiceList)
        await pilot.press("tab")             # the list unfolds and is drawn, then folds again
        await settle(pilot)
        assert services.size.width > 0 and services.has_focus
        await pilot.press("home", "enter")   # the attention view, from the list
        await settle(pilot)
        assert app.query_one("#main").has_class("fold") and services.size.width == 0
        sim.inject(Fault.parse("5xx"))
        for _ in range(3):                   # stale 0s, then ages: the line changes each time
            app.poller.poll_all()
            await settle(pilot)
            clock.advance(15)
            app.tick()
            await settle(pilot)
        assert app.is_running and app.states["sh-farm"].health == "stale"
        await pilot.press("tab")             # unfolded, the line is drawn at its width
        await settle(pilot)
        lines = services.get_option("sh-farm").prompt.plain.splitlines()
        assert lines[1].strip().startswith("stale")


async def test_the_footer_never_cuts_a_key_and_keeps_help():
    app = demo_app(("sh-farm", farm()))
    async with started(app, NARROW) as pilot:
        await select_service(pilot, "sh-farm")
        await cursor_to(pilot, "18330")
        keys = list(app.screen.query("Footer FooterKey"))
        shown = [k for k in keys if "-command-palette" not in k.classes]
        palette = next(k for k in keys if "-command-palette" in k.classes)
        assert any(k.key == "question_mark" for k in shown)
        for key in shown:                                       # each whole, left of ^p
            assert key.region.right <= palette.region.x, key.description
        footer = screen_text(app).splitlines()[-1]
        for key in shown:
            assert key.description in footer


# never mislead -----------------------------------------------------------------------------------

async def test_long_ids_end_in_an_ellipsis_and_c_copies_the_whole_id():
    sim = EnhanceSim(clock=FrozenClock())
    async with console(("photo-fix", sim), size=NARROW) as (app, pilot):
        table = app.query_one(TaskTable)
        task = table.cursor_task
        assert len(task.id) > 12
        row = row_of(app, task.id)
        assert task.id not in row and task.id[:8] in row and "…" in row
        await pilot.press("y")
        await settle(pilot)
        assert app.clipboard == task.id
        assert f"copied task id {task.id}" in toasts(app)


async def test_an_id_that_fits_is_shown_whole():
    async with console(("live", NtvSim(clock=FrozenClock())), size=NARROW) as (app, _):
        assert "video89 " in row_of(app, "video89")


async def test_enter_on_a_stream_that_is_gone_stays_and_says_so():
    live = NtvSim(clock=FrozenClock())
    app = demo_app(("live", live))
    async with started(app, NARROW) as pilot:
        del live.streams["live/live2"]
        app.poller.poll_all()
        await settle(pilot)
        pane = attention(app)
        pane.move_cursor(row=pane.get_row_index("live/stream/live/live2"))
        await pilot.press("enter")
        await settle(pilot)
        assert app.selected == "attention" and app.focused is pane
        assert "stream live/live2 is gone from live: nothing to go to" in toasts(app)


async def test_closing_a_stream_yourself_raises_no_alert_and_is_kept_by_you(monkeypatch):
    live = NtvSim(clock=FrozenClock())
    app = demo_app(("live", live))
    rang: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: rang.append(1))
    async with started(app) as pilot:
        await select_service(pilot, "live")
        streams = app.query_one(StreamsPane)
        streams.focus()
        streams.go_to("live/live2")
        await settle(pilot)
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        await pilot.press("y")
        await settle(pilot)
        app.poller.poll_all()
        await settle(pilot)
        assert "live/stream/live/live2" not in attention(app).items
        assert rang == [] and not any("live -> gone" in m for m in toasts(app))
        history = app.oncall.alerter.history
        assert history and history[-1].transition.by_you
        await pilot.press("H")
        await settle(pilot)
        table = app.screen.query_one("#history-table")
        assert "by you" in str(table.get_row_at(0)[4])


async def test_a_mute_silences_toast_bell_and_hook_and_can_be_listed_and_lifted(tmp_path,
                                                                             monkeypatch):
    sim = farm()
    app = demo_app(("sh-farm", sim), state=StateStore(tmp_path / "state"))
    rang: list[int] = []
    monkeypatch.setattr(app, "bell", lambda: rang.append(1))
    async with started(app, NARROW) as pilot:
        app.config.alerts.command = "true"
        hooked: list[object] = []
        monkeypatch.setattr(app.hooks, "submit", lambda ts: hooked.extend(ts))
        sim.tasks[18306].status = 10                       # stopped: then it fails
        app.poller.poll_all()
        await settle(pilot)
        pane = attention(app)
        pane.move_cursor(row=pane.get_row_index("sh-farm/task/18330"))
        await pilot.press("m", "2")                        # mute 18330 for an hour
        await settle(pilot)
        before = len(toasts(app))
        sim.tasks[18330].status = 45                       # partial -> failed, while muted
        app.poller.poll_all()
        await settle(pilot)
        assert len(toasts(app)) == before and rang == [] and hooked == []
        assert "sh-farm/task/18330" not in pane.items
        assert app.oncall.alerter.history[-1].transition.id == "18330"
        assert "1 muted" in app.query_one(ServiceList).get_option("sh-farm").prompt.plain
        await pilot.press("H")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen | RecordedHistoryScreen)
        await pilot.press("m")
        await settle(pilot)
        assert isinstance(app.screen, MutesScreen)
        listed = app.screen.query_one("#mutes-table")
        assert listed.row_count == 1 and "18330" in str(listed.get_row_at(0)[1])
        await pilot.press("u")
        await settle(pilot)
        assert listed.row_count == 0
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert "sh-farm/task/18330" in pane.items


async def test_a_toast_waits_while_a_dialog_is_open(monkeypatch):
    sim = farm()
    async with console(("sh-farm", sim)) as (app, pilot):
        monkeypatch.setattr(app, "bell", lambda: None)
        await cursor_to(pilot, "18278")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        sim.tasks[18301].status = 45                       # an alert while the dialog is up
        app.poller.poll_all()
        await settle(pilot)
        assert not app._notifications                      # nothing over the dialog
        await pilot.press("n")
        await settle(pilot)
        assert any("18301" in n.message for n in app._notifications)


async def test_attention_opens_on_the_newest_row_and_keeps_the_operators_choice():
    live, sim = NtvSim(clock=FrozenClock()), farm()
    app = demo_app(("sh-farm", sim), ("live", live))
    async with started(app) as pilot:
        pane = attention(app)
        assert pane.cursor_row == 0
        del live.streams["live/live2"]                     # a newer item arrives
        app.poller.poll_all()
        await settle(pilot)
        assert pane.cursor_key == "live/stream/live/live2"  # not moved yet: on the newest
        await pilot.press("down")                           # the operator chooses
        chosen = pane.cursor_key
        del live.streams["show/board-room"]
        app.poller.poll_all()
        await settle(pilot)
        assert pane.cursor_key == chosen and pane.keys[0] == "live/stream/show/board-room"


# every key answers -------------------------------------------------------------------------------

async def test_a_key_that_does_not_apply_says_why():
    async with console(("sh-farm", farm())) as (app, pilot):
        await cursor_to(pilot, "18306")                    # a running render task
        await pilot.press("C")
        await settle(pilot)
        assert "C Clear: sh-farm is a renderbus service: it has no such action" in toasts(app)
        await pilot.press("f")
        await settle(pilot)
        assert "f Full speed: not for task 18306 while it is running" in toasts(app)
        await pilot.press("k")
        await settle(pilot)
        assert "k Close stream: works in the streams pane" in toasts(app)
        await pilot.press("n")
        await settle(pilot)
        assert any(m.startswith("n New: sh-farm is a renderbus service") for m in toasts(app))
        await pilot.press("x", "ctrl+b")                     # no command's key: a letter says so
        await settle(pilot)
        assert toasts(app)[-1] == "x: no command has this key (? lists them)"


async def test_the_palette_offers_only_what_applies():
    async with console(("sh-farm", farm())) as (app, pilot):
        await cursor_to(pilot, "18306")
        titles = {c.title.split(" (")[0] for c in app.get_system_commands(app.screen)}
        assert "Stop" in titles and "Abandon" in titles
        assert not {"Clear", "Full speed", "Close stream", "Retry merge", "New"} & titles


async def test_track_and_untrack_are_in_the_footer_of_a_tracking_kind():
    async with console(("photo-fix", EnhanceSim(clock=FrozenClock()))) as (app, _):
        shown = {k.key for k in app.screen.query("Footer FooterKey")}
        assert {"t", "u"} <= shown


async def test_cursor_down_remapped_moves_in_every_list_the_service_list_too():
    app = demo_app(("sh-farm", farm()), ("la-farm", farm()))
    app.config.keys = {"cursor_down": "j"}
    async with started(app) as pilot:
        services = app.query_one(ServiceList)
        services.focus()
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        assert services.highlighted == 1 and app.selected == "sh-farm"
        table = app.query_one(TaskTable)
        table.focus()
        before = table.cursor
        await pilot.press("j")
        assert table.cursor == before + 1


async def test_esc_clears_marks_and_filter_and_the_pane_says_how_many_it_shows():
    async with console(("sh-farm", farm())) as (app, pilot):
        pane = app.query_one(TasksPane)
        await cursor_to(pilot, "18306")
        await pilot.press("space")
        await pilot.press("slash", *"max", "enter")
        await settle(pilot)
        words = str(pane.border_subtitle)
        assert f"of {app.states['sh-farm'].task_count} tasks" in words and "1 marked" in words
        await pilot.press("escape")
        await settle(pilot)
        words = str(pane.border_subtitle)
        assert "of" not in words and "marked" not in words and pane.filter_text == ""


async def test_marking_a_parent_says_its_sub_tasks_go_with_it():
    async with console(("sh-farm", farm())) as (app, pilot):
        await cursor_to(pilot, "19084")
        await pilot.press("space")
        await settle(pilot)
        assert "19084 marked with its 2 sub-tasks: an action on a parent reaches its " \
               "sub-tasks" in toasts(app)


async def test_newest_is_newest_first_for_every_kind_and_O_reverses():
    clock = FrozenClock()
    sim = FinalRipSim(clock=clock, wall=lambda: FIXED_EPOCH)
    async with console(("encoder", sim)) as (app, pilot):
        table = app.query_one(TaskTable)
        dates = [row.task.submitted_at for row in table.rows]
        assert dates == sorted(dates, reverse=True) and len(set(dates)) > 1
        await pilot.press("O")
        await settle(pilot)
        assert [row.task.submitted_at for row in table.rows] == sorted(dates)
        assert "sort: newest reversed" in str(app.query_one(TasksPane).border_subtitle)


async def test_T_names_the_theme_it_switched_to():
    async with console(("sh-farm", farm())) as (app, pilot):
        await pilot.press("T")
        await settle(pilot)
        assert any(m.startswith(f"theme {app.theme} (T for the next)") for m in toasts(app))


async def test_enter_on_the_service_list_goes_into_the_service():
    app = demo_app(("sh-farm", farm()), ("live", NtvSim(clock=FrozenClock())))
    async with started(app) as pilot:
        services = app.query_one(ServiceList)
        services.focus()
        await pilot.press("down")
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        assert app.focused is app.query_one(TaskTable)
        before = len(toasts(app))
        await pilot.press("shift+tab", "down", "enter")   # back to the list, down to live
        await settle(pilot)
        assert app.focused is app.query_one(StreamsPane) and len(toasts(app)) == before
