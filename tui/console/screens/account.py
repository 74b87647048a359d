"""`I`: the selected service's account, whole: what it can spend and of what that is made (a
Renderbus profile's cash, coupon and credit), its default timeout for new tasks, the interface
generation that answered and what could not be read. Every figure is the last poll's.
"""

from __future__ import annotations

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from jobdeck.adapters.contract.model import ServiceSnapshot
from jobdeck.tui.safe_text import literal, set_titles, title


def account_rows(snapshot: ServiceSnapshot | None, default_key: str | None) -> Table:
    """The facts as a two-column grid; `default_key` names the key that sets the default
    timeout, where the kind has one."""
    table = Table.grid(padding=(0, 2))
    table.add_column(style="bold", justify="right")
    table.add_column()
    if snapshot is None:
        table.add_row("", Text("not polled yet", style="dim"))
        return table
    table.add_row("state", literal("ok" if snapshot.ok else f"failing: {snapshot.error}"))
    if snapshot.api_version:
        table.add_row("API", literal(snapshot.api_version))
    account = snapshot.account
    if account is None:
        table.add_row("account", Text("this service reports no account", style="dim"))
    else:
        table.add_row("account", literal(account.name or "—"))
        available = account.available
        table.add_row("balance", Text("—" if available is None else f"{available:,.2f}"))
        for label, value in (("cash", account.balance), ("coupon", account.coupon),
                             ("credit", account.credit)):
            if value is not None and (value or label == "cash"):
                table.add_row(f"  {label}", Text(f"{value:,.2f}"))
        if account.default_timeout_s is not None or default_key:
            hours = account.default_timeout_s
            text = Text("not known" if hours is None else f"{hours / 3600:g} h for new tasks")
            if default_key:
                text.append(f"  ({default_key} in the service list sets it)", style="dim")
            table.add_row("default timeout", text)
    for warning in snapshot.warnings:
        table.add_row("⚠", literal(warning))
    return table


class AccountScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,enter", "app.pop_screen", "Close")]

    def __init__(self, service: str, kind: str, snapshot: ServiceSnapshot | None,
                 default_key: str | None) -> None:
        super().__init__()
        self.service, self.kind, self.snapshot = service, kind, snapshot
        self.default_key = default_key

    def compose(self) -> ComposeResult:
        with Vertical(id="account-box") as box:
            set_titles(box, title(self.service, " · ", self.kind, " · account"),
                       Text("esc closes"))
            yield Static(account_rows(self.snapshot, self.default_key), id="account-facts")
