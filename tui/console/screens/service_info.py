"""`I`: the selected service's details: health, interface, account, every warning (the panes
show the first), and the farm's frame totals where the kind reads them (Renderbus
queryAllFrameStats). Drawn from the service's state, again each second while open."""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from jobdeck.tui.console.service_state import ServiceState, latency_text
from jobdeck.tui.safe_text import literal, set_titles, title


def service_facts(state: ServiceState) -> Table:
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", justify="right")
    table.add_column()
    snapshot = state.snapshot
    table.add_row("kind", literal(state.kind))
    health = {"ok": "ok", "stale": "stale", "error": "error", "waiting": "waiting for the "
              "first poll"}[state.health]
    if state.error:
        health += f": {state.error}"
    table.add_row("state", literal(health))
    if state.latency_ms is not None:
        table.add_row("answers in", latency_text(state.latency_ms))
    if snapshot is None:
        return table
    if snapshot.api_version:
        table.add_row("interface", literal(f"API {snapshot.api_version}"))
    account = snapshot.account
    if account is not None:
        if account.name:
            table.add_row("account", literal(account.name))
        if account.balance is not None:
            table.add_row("balance", f"{account.balance:,.2f}")
        if account.coupon is not None:
            table.add_row("coupon", f"{account.coupon:,.2f}")
    totals = snapshot.frame_totals
    if totals is not None:
        table.add_row("farm frames", f"{totals.running:,} rendering · {totals.waiting:,} waiting "
                                     f"· {totals.failed:,} failed · {totals.done:,} done · "
                                     f"{totals.total:,} in all")
    tasks = state.task_count
    if tasks or not snapshot.streams:
        table.add_row("tasks", f"{tasks:,} listed")
    if snapshot.streams:
        table.add_row("streams", f"{len(snapshot.streams):,} listed")
    for number, warning in enumerate(state.warnings):
        table.add_row("warnings" if number == 0 else "", literal("⚠ " + warning))
    return table


class ServiceScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,I", "app.pop_screen", "Close")]

    def __init__(self, state: ServiceState) -> None:
        super().__init__()
        self.state = state
        self._shown = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="service-box") as box:
            set_titles(box, title(self.state.name, " · service details"), Text("esc closes"))
            yield Static(id="service-facts")

    def on_mount(self) -> None:
        self.redraw()
        self.set_interval(1.0, self.redraw)

    def redraw(self) -> None:
        facts = service_facts(self.state)
        key = repr([[str(c) for c in col.cells] for col in facts.columns])
        if key != self._shown:   # an unchanged service is not drawn again
            self._shown = key
            self.query_one("#service-facts", Static).update(facts)
