"""Key bindings from the one command table (adapters/core/commands.py), through Textual's
keymap: each binding carries its command's name as its id, so `[keys]` remaps it by name.
check_action decides which of two commands sharing a key answers; a hidden one does not."""

from __future__ import annotations

from collections.abc import Hashable

from textual.binding import Binding
from textual.dom import DOMNode

from jobdeck.adapters.core.commands import COMMANDS, KEY_DISPLAY, Pane


def bindings_for(target: Pane) -> list[Binding]:
    """The bindings a widget declares: every command that names it, with its name as the id."""
    return [Binding(c.key, c.action, c.label, show=c.footer, id=c.name,
                    key_display=KEY_DISPLAY.get(c.key))
            for c in COMMANDS if target in c.targets]


def refresh_bindings_on_change(node: DOMNode, key: Hashable) -> None:
    """Ask the footer to redraw only when what `check_action` reads (`key`) has changed:
    Textual's footer rebuilds itself on every `refresh_bindings`, and a cursor moving over tasks
    that all offer the same actions must not cost a rebuild per key press."""
    if getattr(node, "_bindings_key", None) != key:
        node._bindings_key = key  # type: ignore[attr-defined]
        node.refresh_bindings()
