"""The command palette's entries: the commands of the one table that apply now, each run on the
widget its key would run it on. A command that does not fit the selection (an action the item
does not offer, a pane not on screen) is not offered at all."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import partial

from textual.actions import parse
from textual.app import App, SystemCommand
from textual.dom import DOMNode
from textual.widget import Widget

from jobdeck.adapters.core.commands import COMMANDS, Command


def applies(node: DOMNode, command: Command) -> bool:
    """Would the command's key do something on this node now?"""
    if isinstance(node, Widget) and not node.is_on_screen:
        return False
    _, name, params = parse(command.action)
    return bool(node.check_action(name, params))


def palette_commands(app: App[object], keys: Mapping[str, str],
                     targets: Mapping[str, DOMNode]) -> Iterable[SystemCommand]:
    for command in COMMANDS:
        if command.name in ("palette", "quit") or command.group == "navigation":
            continue
        if "app" not in command.targets and not any(t in targets for t in command.targets):
            continue   # a key of a screen's own (the viewers list's kick): not from here
        node = next((targets.get(t, app) for t in command.targets
                     if applies(targets.get(t, app), command)), None)
        if node is None:
            continue
        yield SystemCommand(f"{command.label} ({command.display_key(keys)})", command.help,
                            partial(_run, app, command, node))


def _run(app: App[object], command: Command, node: DOMNode) -> None:
    app.call_later(app.run_action, command.action, node)
