"""Every key comes from the one table: remap every command through [keys] and press it; it lands
on the widget the table names, with the table's action. The old key no longer does."""

from __future__ import annotations

import pytest

from jobdeck.adapters.core.commands import COMMANDS, Command
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.tui.console.widgets.attention_pane import AttentionPane
from jobdeck.tui.console.widgets.block_grid import BlockGridView
from jobdeck.tui.console.widgets.service_list import ServiceList
from jobdeck.tui.console.widgets.streams_pane import StreamsPane
from jobdeck.tui.console.widgets.task_table import TaskTable
from jobdeck.tui.console.widgets.tasks_pane import TasksPane
from tests.support.clock import FIXED_EPOCH, FrozenClock
from tests.support.console import demo_app, settle, started

# what to focus so a command's widget (or one inside it) is in the key's path
FOCUS = {"tasks": TaskTable, "table": TaskTable, "streams": StreamsPane,
         "blocks": BlockGridView, "attention": AttentionPane, "app": TaskTable,
         "services": ServiceList}
OWNER = {"tasks": TasksPane, "table": TaskTable, "streams": StreamsPane,
         "blocks": BlockGridView, "attention": AttentionPane, "services": ServiceList}
FREE_KEYS = [f"f{n}" for n in range(1, 25)]
HALVES = [COMMANDS[n:n + 24] for n in range(0, len(COMMANDS), 24)]


@pytest.mark.parametrize("half", range(len(HALVES)))
async def test_every_command_answers_its_remapped_key(half, monkeypatch):
    commands: list[Command] = list(HALVES[half])
    keys = {c.name: FREE_KEYS[n] for n, c in enumerate(commands)}
    app = demo_app(("farm", RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH)))
    app.config.keys = keys
    ran: list[tuple[str, object]] = []

    async def spy(action, default_namespace=None):
        ran.append((action, default_namespace))
        return True

    async with started(app) as pilot:
        monkeypatch.setattr(app, "run_action", spy)
        for command in commands:
            target = next(iter(command.targets))
            app.query_one(FOCUS[target]).display = True
            widget = app.query_one(FOCUS[target])
            widget.focus()
            await settle(pilot, 1)
            ran.clear()
            await pilot.press(keys[command.name])
            assert ran, f"{command.name}: {keys[command.name]} did nothing"
            action, namespace = ran[0]
            assert action == command.action, command.name
            owner = app if target == "app" else app.query_one(OWNER[target])
            assert namespace is owner, (command.name, namespace)
            ran.clear()
            await pilot.press(command.key)
            assert (command.action, owner) not in ran, f"{command.name}: old key still works"
