"""The attention view: across every service, newest first, what needs the operator now.

Failed and partial tasks, stalled tasks, tasks stopped for arrears, streams that went down,
services down or stale, warnings, low balances. Each row names its service and kind, with its
status colour and age. `enter` goes to the item in its service; the usual keys act on task rows,
confirmed as anywhere else; `m` mutes a row. Rows are keyed, so a refresh touches what changed.

The reason is what an operator reads first: at 80 columns KIND goes, AGE and SERVICE shorten,
DETAIL keeps 30 columns, and the row under the cursor is written out whole below the rows. The
view opens on the newest row and follows new ones until the operator moves the cursor; from then
on it stays on the item they chose.
"""

from __future__ import annotations

from collections.abc import Callable

from rich.text import Text
from textual.message import Message

from jobdeck.adapters.core.oncall import Item
from jobdeck.tui.console.colours import status_style
from jobdeck.tui.console.keymap import bindings_for, refresh_bindings_on_change
from jobdeck.tui.console.messages import Copy
from jobdeck.tui.console.service_state import rough_age
from jobdeck.tui.safe_text import literal, set_titles, title

from .keyed_table import Column, KeyedTable

# What must be seen at 80 columns comes first: where, what, how bad, since when, and why.
COLUMNS = (Column("dot", "", 1), Column("service", "SERVICE", 12, short=7),
           Column("name", "ITEM", least=18, shed=True), Column("status", "STATUS", 8),
           Column("age", "AGE", 5, short=3), Column("kind", "KIND", 10),
           Column("detail", "DETAIL", least=30))
NARROWING = ("drop:kind", "short:age", "gap", "short:service")
# item status -> the theme's status colour it borrows
COLOURS = {"failed": "failed", "partial": "partial", "stalled": "stopped", "arrears": "stopped",
           "timeout": "stopped", "gone": "abandoned", "idle": "queued", "disabled": "abandoned",
           "down": "failed", "stale": "stopped", "warning": "stopped", "low": "partial",
           "at limit": "partial", "abnormal": "failed", "stopped": "stopped"}


class AttentionPane(KeyedTable):
    BINDINGS = bindings_for("attention")
    COLUMNS = COLUMNS
    NARROWING = NARROWING

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

    def __init__(self, may_act: Callable[[str, str], bool] = lambda service, action: False,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.items: dict[str, Item] = {}
        self.may_act = may_act   # (service, action): items come from every service
        self._now = 0.0
        self._made: dict[str, tuple[tuple[object, ...], tuple[Text, ...]]] = {}

    def row_cells(self, item: Item, now: float) -> tuple[Text, ...]:
        style = status_style(self.app, COLOURS.get(item.status, "unknown"))
        return (Text("●", style=style), literal(item.service, "bold"), literal(item_name(item)),
                Text(item.status, style=style), Text(rough_age(now - item.since), style="dim"),
                literal(item.kind, "dim"), literal(item.detail, "dim"))

    def cursor_words(self, key: str) -> Text | None:
        item = self.items.get(key)
        if item is None:
            return None
        words = Text()
        words.append_text(literal(item.service, "bold"))
        words.append(f" ({item.kind}) · ", style="dim")
        words.append_text(literal(item_name(item)))
        words.append(" · ")
        words.append(item.status, style=status_style(self.app, COLOURS.get(item.status,
                                                                           "unknown")))
        words.append(f" {rough_age(self._now - item.since)} ago", style="dim")
        if item.detail:
            words.append(": ")
            words.append_text(literal(item.detail))
        return words

    def show(self, items: list[Item], now: float, muted: int, hint: str = "") -> None:
        self.items = {item.key: item for item in items}
        self._now = now
        made: dict[str, tuple[tuple[object, ...], tuple[Text, ...]]] = {}
        theme, fit = self.app.theme, self.fit
        for item in items:   # a row's cells are made again only when what they show changed
            drawn = (item.service, item.kind, item.what, item.name, item.status, item.detail,
                     rough_age(now - item.since), theme, fit)
            kept = self._made.get(item.key)
            made[item.key] = kept if kept is not None and kept[0] == drawn \
                else (drawn, self.row_cells(item, now))
        self._made = made
        self.set_rows([(item.key, made[item.key][1]) for item in items])
        if not self.chosen and self.cursor_row:   # not moved by the operator: the newest
            self.move_cursor(row=0)
        words = f"{len(items)} item{'s' if len(items) != 1 else ''}" + (
            f" · {muted} muted" if muted else "") + (f" · {hint}" if hint else "")
        set_titles(self, title("Attention · every service"), literal(words))
        self.on_keyed_table_cursor_moved()

    def opened(self) -> None:
        """The view is opened: the cursor goes to the newest row until the operator moves it."""
        self.chosen = False
        self.move_cursor(row=0)

    @property
    def cursor_item(self) -> Item | None:
        key = self.cursor_key
        return self.items.get(key) if key is not None else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        item = self.cursor_item
        if action == "service_action":
            name = str(parameters[0])
            return bool(item and item.task and name in item.task.actions
                        and self.may_act(item.service, name))
        if action in ("jump", "mute", "copy_id"):
            return item is not None
        return True

    def why_not(self, action: str, parameters: tuple[object, ...], label: str) -> str:
        item = self.cursor_item
        if item is None:
            return "nothing needs attention"
        if action != "service_action":
            return "no item under the cursor"
        name = str(parameters[0])
        if item.task is None:
            return f"the {item.what} of {item.service} is not a task: enter goes to it"
        if name not in item.task.actions:
            return f"not for task {item.id} while it is {item.task.status}"
        return "read-only: actions are switched off"

    def action_copy_id(self) -> None:
        if (item := self.cursor_item) is not None:
            self.post_message(Copy(item.id, item.what))

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

    def on_keyed_table_cursor_moved(self) -> None:
        item = self.cursor_item
        refresh_bindings_on_change(self, item and (item.service, item.task and item.task.actions))


def item_name(item: Item) -> str:
    """What the item is: its kind of thing and its id (whole), then its name when it says more."""
    if item.what in ("service", "warning"):
        return item.what
    if item.what == "balance":
        return f"account {item.name}"
    return f"{item.what} {item.id}" + (f" {item.name}" if item.name != item.id else "")
