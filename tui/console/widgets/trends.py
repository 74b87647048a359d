"""Trends: per service, a sparkline a minute wide per point over the last hour, from the history
store (Textual's own Sparkline), with the figure beside it. Farms: running tasks and frames
finished; encoders: clips; other task kinds: tasks finished; stream servers: live streams and
viewers; every kind: poll latency. Rows are made once and their data updated after."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Sparkline, Static

from jobdeck.adapters.core.trends import Trend
from jobdeck.tui.safe_text import literal


class TrendRow(Horizontal):
    def __init__(self, trend: Trend, **kwargs: object) -> None:
        super().__init__(classes="trend-row", **kwargs)
        self.trend = trend

    def compose(self) -> ComposeResult:
        yield Static(Text(self.trend.label), classes="trend-label")
        yield Sparkline(self.trend.values, summary_function=max, classes="trend-line")
        yield Static(Text(self.trend.figure()), classes="trend-figure")

    def show(self, trend: Trend) -> None:
        self.trend = trend
        self.query_one(Sparkline).data = trend.values
        self.query_one(".trend-figure", Static).update(Text(trend.figure()))


class TrendsView(VerticalScroll):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.rows: dict[tuple[str, str], TrendRow] = {}

    def show(self, services: list[tuple[str, str, list[Trend]]]) -> None:
        """(service, kind, trends) each; a row per trend, updated in place when it is there."""
        wanted = [(name, t.name) for name, _, trends in services for t in trends]
        if wanted != list(self.rows):
            self.remove_children()
            self.rows = {}
            widgets: list[Static | TrendRow] = []
            for name, kind, trends in services:
                heading = Text()
                heading.append_text(literal(name, "bold"))
                heading.append(f" · {kind}", style="dim")
                if not trends or all(t.mean is None and not t.total for t in trends):
                    heading.append(" · nothing recorded in the last hour", style="dim")
                widgets.append(Static(heading, classes="trend-heading"))
                for trend in trends:
                    row = self.rows[(name, trend.name)] = TrendRow(trend)
                    widgets.append(row)
            self.mount_all(widgets)
            return
        for name, _, trends in services:
            for trend in trends:
                self.rows[(name, trend.name)].show(trend)
