"""The footer: the keys that work now, each one whole.

Textual's footer lays every key side by side and lets the last ones run off the edge ("H Aler",
"? He"). This one measures them first: keys that do not fit are left out whole, in the order
given (the selection's actions come first), and `?` Help always stays, since it lists them all.
"""

from __future__ import annotations

from collections import defaultdict

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

ALWAYS = "help"   # the action that keeps its place however narrow the footer
PALETTE_W = 14    # " ^p " + "Palette " + its border and padding, docked right


def key_width(key_display: str, description: str) -> int:
    """A FooterKey's cells: " key " then "description "."""
    return cell_len(key_display) + 2 + cell_len(description) + 1


def fitting(keys: list[tuple[str, int]], room: int) -> set[str]:
    """Which of (action, width) fit in `room` cells, in order; ALWAYS first of all."""
    kept = {action for action, _ in keys if action == ALWAYS}
    used = sum(width for action, width in keys if action in kept)
    for action, width in keys:
        if action not in kept and used + width <= room:
            kept.add(action)
            used += width
    return kept


class KeyFooter(Footer):
    def compose(self) -> ComposeResult:
        if not self._bindings_ready:
            return
        active = self.screen.active_bindings
        by_action: defaultdict[str, list[tuple[Binding, bool, str]]] = defaultdict(list)
        for _, binding, enabled, tooltip in active.values():
            if binding.show:
                by_action[binding.action].append((binding, enabled, tooltip))
        shown = [entries[0] for entries in by_action.values()]
        palette = self.show_command_palette and self.app.ENABLE_COMMAND_PALETTE and \
            self.app.COMMAND_PALETTE_BINDING in active
        room = self.app.size.width - (PALETTE_W if palette else 0) - 1
        keep = fitting([(b.action, key_width(self.app.get_key_display(b), b.description))
                        for b, _, _ in shown], room)
        for binding, enabled, tooltip in shown:
            if binding.action in keep:
                yield FooterKey(binding.key, self.app.get_key_display(binding),
                                binding.description, binding.action, disabled=not enabled,
                                tooltip=tooltip).data_bind(compact=Footer.compact)
        if palette:
            _, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            yield FooterKey(binding.key, self.app.get_key_display(binding),
                            binding.description, binding.action, classes="-command-palette",
                            disabled=not enabled, tooltip=binding.tooltip or binding.description)

    def on_resize(self) -> None:
        if self._bindings_ready and self.is_attached:
            self.call_after_refresh(self.recompose)
