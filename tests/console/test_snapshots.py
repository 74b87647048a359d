"""Snapshots of the main screens: a frozen clock and seeded simulators make them reproducible."""

from __future__ import annotations

from jobdeck.adapters.renderbus.sim import RenderbusSim
from tests.support.clock import FIXED_EPOCH, FrozenClock
from tests.support.console import demo_app


def world():
    clock = FrozenClock()
    sh = RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH)
    la = RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH, seed=11, user="la-render",
                      scenario="empty")
    la.add_task(7712, "promo_spot_v3.ma", 5, frames=120, done=40, age_s=9000)
    return demo_app(("sh-farm", sh), ("la-farm", la), refresh=3600, clock=clock), la


async def steady(pilot) -> None:
    """Wait for the first polls and the block grid, then fix the only varying figure: latency."""
    app = pilot.app
    for _ in range(6):
        await pilot.pause(0.05)
        await app.workers.wait_for_complete()
    for state in app.states.values():
        state.latency_ms = 12.0
    app.tick()
    await pilot.pause(0.1)


async def pick(pilot, name: str) -> None:
    """Select a service (the attention view opens first) and focus its task table."""
    services = pilot.app.query_one("#services")
    services.highlighted = services.get_option_index(name)
    await steady(pilot)
    pilot.app.query_one("#tasks").focus()
    await steady(pilot)


def test_attention_view_opens_first(snap_compare):
    app, la = world()

    async def run_before(pilot) -> None:
        await steady(pilot)
        la.outage = (10.0, 10.0)
        app.clock.advance(42)
        app.poller.poll("la-farm")
        await steady(pilot)

    assert snap_compare(app, terminal_size=(120, 30), run_before=run_before)


def test_attention_view_80x24_keeps_the_reason(snap_compare):
    """The service list folds away, KIND goes, AGE and the gaps shorten: DETAIL keeps 30
    columns, and the row under the cursor is written out whole below the rows."""
    app, la = world()

    async def run_before(pilot) -> None:
        await steady(pilot)
        la.outage = (10.0, 10.0)
        app.clock.advance(42)
        app.poller.poll("la-farm")
        await steady(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_main_screen_wide(snap_compare):
    app, _ = world()

    async def run_before(pilot) -> None:
        await steady(pilot)
        await pick(pilot, "sh-farm")
        app.query_one("#tasks").move_to("19088")   # a running child with a block grid
        await steady(pilot)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_main_screen_80x24_with_a_stale_service_and_marks(snap_compare):
    app, la = world()

    async def run_before(pilot) -> None:
        await steady(pilot)
        await pick(pilot, "sh-farm")
        la.outage = (10.0, 10.0)
        app.clock.advance(42)
        app.poller.poll("la-farm")
        app.query_one("#tasks").move_to("19088")
        await pilot.press("space", "space")   # 19088 and the row after it
        await steady(pilot)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_abandon_confirmation(snap_compare):
    app, _ = world()

    async def run_before(pilot) -> None:
        await steady(pilot)
        await pick(pilot, "sh-farm")
        await pilot.press("a")
        await steady(pilot)

    assert snap_compare(app, terminal_size=(100, 30), run_before=run_before)


def test_help_screen(snap_compare):
    app, _ = world()

    async def run_before(pilot) -> None:
        await steady(pilot)
        await pick(pilot, "sh-farm")
        await pilot.press("question_mark")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_help_screen_wide_lays_the_groups_side_by_side(snap_compare):
    app, _ = world()

    async def run_before(pilot) -> None:
        await steady(pilot)
        await pilot.press("question_mark")
        await pilot.pause(0.1)

    assert snap_compare(app, terminal_size=(160, 44), run_before=run_before)


def test_demo_with_all_four_kinds_encoder_clips(snap_compare):
    from jobdeck.adapters.enhance.sim import EnhanceSim
    from jobdeck.adapters.eva.sim import EvaSim
    from jobdeck.adapters.finalrip.sim import FinalRipSim

    clock = FrozenClock()
    sims = {"sh-farm": RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH),
            "encoder": FinalRipSim(clock=clock, wall=lambda: FIXED_EPOCH),
            "promo-videos": EvaSim(clock=clock), "photo-fix": EnhanceSim(clock=clock)}
    clock.advance(12)
    app = demo_app(*sims.items(), refresh=3600, clock=FrozenClock())

    async def run_before(pilot) -> None:
        await steady(pilot)
        await pick(pilot, "encoder")
        app.query_one("#tasks").move_to("Roshidere-08.mkv")   # clips encoding
        await steady(pilot)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)


def test_streams_pane(snap_compare):
    from datetime import UTC, datetime

    from jobdeck.adapters.ntv.sim import NtvSim

    sim = NtvSim(clock=FrozenClock(), wall=lambda: FIXED_EPOCH)
    app = demo_app(("live", sim), refresh=3600, clock=FrozenClock(),
                   wall=lambda: datetime.fromtimestamp(FIXED_EPOCH, UTC))

    async def run_before(pilot) -> None:
        await steady(pilot)
        await pick(pilot, "live")
        app.query_one("#streams").focus()
        await steady(pilot)

    assert snap_compare(app, terminal_size=(120, 36), run_before=run_before)
