"""The console on in-process simulators, and the Pilot moves every console test shares."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from jobdeck.adapters.renderbus.sim import RenderbusSim


def demo_app(*sims_by_name: tuple[str, RenderbusSim], refresh: float = 30.0, read_only=False,
             clock=None, state=None, wall=None):
    """The console on in-process simulators, with a frozen clock for ages when given one."""
    from jobdeck.adapters.core.demo import build_demo
    from jobdeck.adapters.core.state import StateStore
    from jobdeck.tui.console.app import JobdeckApp

    world = build_demo(dict(sims_by_name), refresh=refresh)
    kwargs = {"clock": clock} if clock is not None else {}
    if wall is not None:
        kwargs["wall"] = wall
    return JobdeckApp(world.config, world.adapters(state or StateStore()), read_only=read_only,
                      state=state, **kwargs)


# Pilot helpers: every console test starts, settles and moves the same way -------------------------

HOSTILE = "[bold red]x[/] \x1b]52;c;Zm9v\x07"


async def settle(pilot, rounds: int = 4) -> None:
    """Let posted messages, workers and timers run out."""
    for _ in range(rounds):
        await pilot.pause(0.05)
    await pilot.app.workers.wait_for_complete()
    await pilot.pause(0.05)


@asynccontextmanager
async def started(app, size=(120, 36), *, toasts: bool = False) -> AsyncIterator:
    """The app running, polled once and settled; with `toasts`, they are drawn on screen."""
    async with app.run_test(size=size, notifications=toasts) as pilot:
        await settle(pilot)
        yield pilot


async def select_service(pilot, name: str) -> None:
    """Highlight a service in the list (the attention view is selected at start)."""
    from jobdeck.tui.console.widgets.service_list import ServiceList
    services = pilot.app.query_one(ServiceList)
    services.highlighted = services.get_option_index(name)
    await settle(pilot)


@asynccontextmanager
async def console(*services, size=(120, 36), select: str | None = None,
                  **options) -> AsyncIterator[tuple]:
    """The app on these simulators, started, polled once and settled, with the first service
    (or `select`) selected and its task table focused."""
    from jobdeck.tui.console.widgets.task_table import TaskTable
    app = demo_app(*services, **options)
    async with started(app, size) as pilot:
        if services:
            await select_service(pilot, select or services[0][0])
            app.query_one(TaskTable).focus()
            await settle(pilot)
        yield app, pilot


async def cursor_to(pilot, task_id: str) -> None:
    from jobdeck.tui.console.widgets.task_table import TaskTable
    table = pilot.app.query_one(TaskTable)
    table.focus()
    if not table.move_to(task_id):
        raise AssertionError(f"{task_id} is not shown")
    await settle(pilot)


def row_of(app, task_id: str) -> str:
    from jobdeck.tui.console.widgets.task_table import TaskTable
    return app.query_one(TaskTable).row_text(task_id)


def toasts(app) -> list[str]:
    """The messages of the notifications on screen (Textual's public query of Toast widgets
    would race their animation; the app's notify is ours, so we record what it was given)."""
    return [message for message, _ in app.toasts]


def screen_text(app) -> str:
    """What the terminal shows, line by line (the compositor's own render)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())
