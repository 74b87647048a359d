"""`I`: the selected service's details: health, interface, its account whole (what it can
spend and of what that is made: a Renderbus profile's cash, coupon and credit; its default
time limit for new tasks), every warning (the panes show the first), and the farm's frame
totals where the kind reads them (Renderbus queryAllFrameStats). Drawn from the service's
state, again each second while open."""

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


def service_facts(state: ServiceState, default_key: str | None = None) -> Table:
    """`default_key`: the key that sets the account's default time limit, where the kind has
    one."""
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
        table.add_row("account", literal(account.name or "—"))
        available = account.available
        table.add_row("balance", Text("—" if available is None else f"{available:,.2f}"))
        if account.parts():   # what it is made of, when more than the cash alone
            for label, value in (("cash", account.balance), ("coupon", account.coupon),
                                 ("credit", account.credit)):
                if value is not None and (value or label == "cash"):
                    table.add_row(f"  {label}", Text(f"{value:,.2f}"))
        if account.default_timeout_s is not None or default_key:
            limit = account.default_timeout_s
            text = Text("not known" if limit is None else f"{limit / 3600:g} h for new tasks")
            if default_key:
                text.append(f"  ({default_key} in the service list sets it)", style="dim")
            table.add_row("default time limit", text)
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

    def __init__(self, state: ServiceState, default_key: str | None = None) -> None:
        super().__init__()
        self.state = state
        self.default_key = default_key
        self._shown = ""

    def compose(self) -> ComposeResult:
        with Vertical(id="service-box") as box:
            set_titles(box, title(self.state.name, " · service details"), Text("esc closes"))
            yield Static(id="service-facts")

    def on_mount(self) -> None:
        self.redraw()
        self.set_interval(1.0, self.redraw)

    def redraw(self) -> None:
        facts = service_facts(self.state, self.default_key)
        key = repr([[str(c) for c in col.cells] for col in facts.columns])
        if key != self._shown:   # an unchanged service is not drawn again
            self._shown = key
            self.query_one("#service-facts", Static).update(facts)
