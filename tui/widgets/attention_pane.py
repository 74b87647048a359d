"""The attention view: across every service, newest first, what needs the operator now.

Failed and partial tasks, stalled tasks, tasks stopped for arrears, streams that went down,
services down or stale, warnings, low balances. Each row names its service and kind, with its
status colour and age. `enter` goes to the item in its service; the usual keys act on task rows,
confirmed as anywhere else; `m` mutes a row. Rows are keyed, so a refresh touches what changed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jobdeck.adapters.oncall import Item
from rich.text import Text
from textual.message import Message
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowDoesNotExist

from ..colours import status_style
from ..keymap import bindings_for
from ..safe_text import literal, set_titles, title
from ..service_state import age_text

if TYPE_CHECKING:
    from ..app import JobdeckApp

# What must be seen at 80 columns comes first: where, what, how bad, since when.
COLUMNS = (("dot", "", 1), ("service", "SERVICE", 12), ("name", "ITEM", 26),
           ("status", "STATUS", 8), ("age", "AGE", 5), ("kind", "KIND", 10),
           ("detail", "DETAIL", 20))
# item status -> the theme's status colour it borrows
COLOURS = {"failed": "failed", "partial": "partial", "stalled": "stopped", "arrears": "stopped",
           "gone": "abandoned", "idle": "queued", "disabled": "abandoned", "down": "failed",
           "stale": "stopped", "warning": "stopped", "low": "partial"}


class AttentionPane(DataTable):
    BINDINGS = bindings_for("attention")

    class JumpRequested(Message):
        def __init__(self, item: Item) -> None:
            super().__init__()
            self.item = item

    class MuteRequested(Message):
        def __init__(self, item: Item) -> None:
            super().__init__()
            self.item = item

    class ActionRequested(Message):
        def __init__(self, item: Item, action: str) -> None:
            super().__init__()
            self.item, self.action = item, action

    def __init__(self, **kwargs: object) -> None:
        super().__init__(cursor_type="row", zebra_stripes=False, **kwargs)
        self.items: dict[str, Item] = {}
        self._cells: dict[str, tuple[object, ...]] = {}

    @property
    def deck(self) -> JobdeckApp:
        return self.app  # type: ignore[return-value]

    def on_mount(self) -> None:
        for key, label, width in COLUMNS:
            self.add_column(label, key=key, width=width)

    def on_resize(self) -> None:
        """The detail column takes what the others leave."""
        fixed = sum(width + 2 * self.cell_padding for key, _, width in COLUMNS if key != "detail")
        detail = self.columns.get(next(k for k in self.columns if k.value == "detail"))
        if detail is not None:
            detail.width = max(12, self.scrollable_content_region.width - fixed
                               - 2 * self.cell_padding - 1)
            self.refresh()

    def cells(self, item: Item, now: float) -> tuple[object, ...]:
        style = status_style(self.app, COLOURS.get(item.status, "unknown"))
        if item.what in ("service", "warning", "balance"):
            name = item.what if item.what != "balance" else f"account {item.name}"
        else:
            name = f"{item.what} {item.id}" + (f" {item.name}" if item.name != item.id else "")
        return (Text("●", style=style), literal(item.service, "bold"), literal(name),
                Text(item.status, style=style), Text(age_text(now - item.since), style="dim"),
                literal(item.kind, "dim"), literal(item.detail, "dim"))

    def show(self, items: list[Item], now: float, muted: int) -> None:
        cursor = self.cursor_item.key if self.cursor_item else None
        wanted = {item.key: item for item in items}
        for key in [k for k in self.items if k not in wanted]:
            self.remove_row(key)
            self.items.pop(key)
            self._cells.pop(key, None)
        keys = [key for key, _, _ in COLUMNS]
        order = [item.key for item in items]
        if [k for k in self.items if k in wanted] != [k for k in order if k in self.items]:
            self.clear()   # the order changed (something new is newest): rows again, cursor kept
            self.items.clear()
            self._cells.clear()
        for item in items:
            cells = self.cells(item, now)
            if item.key not in self.items:
                self.add_row(*cells, key=item.key)
            else:
                for column, (before, after) in enumerate(zip(self._cells[item.key], cells,
                                                             strict=True)):
                    if before != after:
                        try:
                            self.update_cell(item.key, keys[column], after)
                        except CellDoesNotExist:
                            pass
            self.items[item.key] = item
            self._cells[item.key] = cells
        if cursor in self.items:
            try:
                self.move_cursor(row=self.get_row_index(cursor), animate=False)
            except RowDoesNotExist:
                pass
        words = f"{len(items)} item{'s' if len(items) != 1 else ''}" + (
            f" · {muted} muted" if muted else "")
        set_titles(self, title("Attention · every service"), literal(words))

    @property
    def cursor_item(self) -> Item | None:
        if not self.row_count or self.cursor_row < 0:
            return None
        try:
            key = self.coordinate_to_cell_key((self.cursor_row, 0)).row_key.value
        except (CellDoesNotExist, RowDoesNotExist):
            return None
        return self.items.get(str(key))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        item = self.cursor_item
        if action == "service_action":
            name = str(parameters[0])
            return bool(item and item.task and name in item.task.actions
                        and self.deck.may_act(item.service, name))
        if action in ("jump", "mute"):
            return item is not None
        return True

    def action_service_action(self, name: str) -> None:
        item = self.cursor_item
        if item is not None and item.task is not None and name in item.task.actions:
            self.post_message(self.ActionRequested(item, name))

    def action_jump(self) -> None:
        if (item := self.cursor_item) is not None:
            self.post_message(self.JumpRequested(item))

    def action_mute(self) -> None:
        if (item := self.cursor_item) is not None:
            self.post_message(self.MuteRequested(item))

    def action_cursor(self, step: int) -> None:
        self.move_cursor(row=self.cursor_row + step)

    def action_page(self, direction: int) -> None:
        self.move_cursor(row=self.cursor_row + direction * max(1, self.size.height - 2))

    def action_edge(self, where: int) -> None:
        self.move_cursor(row=0 if where == 0 else self.row_count - 1)

    def on_data_table_row_highlighted(self) -> None:
        self.refresh_bindings()
