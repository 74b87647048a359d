"""The dialogs' tables (frames, alerts, muted items, viewers): Textual's DataTable with a row
cursor, whose home and end go to the first and last row as in every list of the console
(DataTable's own scroll sideways, which in a table wider than its dialog hid the columns the
operator was reading)."""

from __future__ import annotations

from textual.binding import Binding
from textual.widgets import DataTable


class RowsTable(DataTable):
    BINDINGS = [Binding("home", "scroll_top", "First row", show=False),
                Binding("end", "scroll_bottom", "Last row", show=False)]

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True)
