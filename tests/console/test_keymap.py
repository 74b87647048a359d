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
# A screen's own commands (the viewers list's kick) are pressed in that screen's tests; the
# replay's own keys in tests/console/test_history_console.py, on a replay.
ON_MAIN = [c for c in COMMANDS if any(t in FOCUS for t in c.targets)]
PARTS = [ON_MAIN[:24], ON_MAIN[24:48], ON_MAIN[48:72]]


@pytest.mark.parametrize("part", range(len(PARTS)))
async def test_every_command_answers_its_remapped_key(part, monkeypatch):
    commands: list[Command] = list(PARTS[part])
    apart = {c.name for c in COMMANDS} - {c.name for c in ON_MAIN}
    assert len(ON_MAIN) <= 72
    assert all(set(c.targets) <= {"viewers", "replay"} for c in COMMANDS if c.name in apart)
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
