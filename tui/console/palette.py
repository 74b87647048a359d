"""The command palette's entries: every command of the one table but moving around, each run on
the widget its key would run it on (an action the item does not offer is simply not run)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial

from textual.app import App, SystemCommand
from textual.dom import DOMNode

from jobdeck.adapters.core.commands import COMMANDS, Command


def palette_commands(app: App[object], keys: Mapping[str, str],
                     targets: Mapping[str, DOMNode]) -> Iterable[SystemCommand]:
    for command in COMMANDS:
        if command.name in ("palette", "quit") or command.group == "navigation":
            continue
        if "app" not in command.targets and not any(t in targets for t in command.targets):
            continue   # a key of a screen's own (the viewers list's kick): not from here
        node = next((targets[t] for t in command.targets if t in targets), app)
        yield SystemCommand(f"{command.label} ({command.display_key(keys)})", command.help,
                            partial(_run, app, command, node))


def _run(app: App[object], command: Command, node: DOMNode) -> None:
    app.call_later(app.run_action, command.action, node)
