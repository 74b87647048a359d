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
    """Textual's footer composes itself anew whenever the bindings are refreshed (a focus, a
    cursor moving, a screen's own refresh), which mounts every key again and lays the whole
    screen out again. This one composes only when what it shows has changed."""

    _composed: tuple[tuple[object, ...], ...] | None = None

    def _keys(self) -> tuple[tuple[object, ...], ...]:
        """(key, display, description, action, disabled, tooltip, classes) of each key shown."""
        if not self._bindings_ready:
            return ()
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
        keys = [(binding.key, self.app.get_key_display(binding), binding.description,
                 binding.action, not enabled, tooltip, "")
                for binding, enabled, tooltip in shown if binding.action in keep]
        if palette:
            _, binding, enabled, tooltip = active[self.app.COMMAND_PALETTE_BINDING]
            keys.append((binding.key, self.app.get_key_display(binding), binding.description,
                         binding.action, not enabled, binding.tooltip or binding.description,
                         "-command-palette"))
        return tuple(keys)

    def compose(self) -> ComposeResult:
        self._composed = keys = self._keys()
        for key, display, description, action, disabled, tooltip, classes in keys:
            footer_key = FooterKey(key, display, description, action, disabled=disabled,
                                   tooltip=tooltip, classes=classes)
            yield footer_key if classes else footer_key.data_bind(compact=Footer.compact)

    async def recompose(self) -> None:
        keys = self._keys()
        if self.is_attached and keys == self._composed:
            return
        if self.is_attached and self._composed is not None and \
                [k[:4] + k[5:] for k in keys] == [k[:4] + k[5:] for k in self._composed]:
            # the same keys, some now enabled or disabled: set them in place, no new layout
            for footer_key, (*_, disabled, _tooltip, _classes) in zip(
                    self.query_children(FooterKey), keys, strict=True):
                footer_key.disabled = disabled
            self._composed = keys
            return
        await super().recompose()

    def on_resize(self) -> None:
        if self._bindings_ready and self.is_attached:
            self.call_after_refresh(self.recompose)
