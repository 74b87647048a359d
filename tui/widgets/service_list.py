"""The service list: one entry per service with health, latency, staleness and balance."""

from __future__ import annotations

import time

from rich.text import Text
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from ..safe_text import literal
from ..service_state import ServiceState, age_text

DOTS = {"ok": "●", "stale": "◐", "error": "○", "waiting": "◌"}


class ServiceList(OptionList):
    """Entries are replaced in place by id, so the highlight never jumps on a refresh."""

    def __init__(self, states: list[ServiceState], **kwargs: object) -> None:
        self._shown: dict[str, Text] = {}
        super().__init__(**kwargs)
        self.add_options([Option(self.prompt(s), id=s.name) for s in states])

    def prompt(self, state: ServiceState, now: float | None = None) -> Text:
        now = time.monotonic() if now is None else now
        health = state.health
        colour = {"ok": "$success", "stale": "$warning", "error": "$error"}.get(health, "")
        style = self._colour(colour)
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(DOTS[health] + " ", style=style)
        line.append_text(literal(state.name, "bold"))
        if health == "ok":
            line.append(" ok", style=style)
            if state.latency_ms is not None:
                line.append(f" {state.latency_ms:.0f}ms", style="dim")
        elif health == "stale":
            line.append(f" stale {age_text(state.stale_for(now))}", style=style)
        elif health == "error":
            line.append(" error", style=style)
        else:
            line.append(" connecting…", style="dim")
        detail = Text(no_wrap=True, overflow="ellipsis", style="dim")
        snapshot = state.snapshot
        if state.error:
            detail.append("  ")
            detail.append_text(literal(state.error))
        elif snapshot and snapshot.account:
            account = snapshot.account
            detail.append("  ")
            if account.balance is not None:
                detail.append(f"bal {account.balance:,.2f}")
            if account.coupon:
                detail.append(f" · cpn {account.coupon:,.2f}")
        else:
            detail.append(f"  {state.kind}")
        width = self.scrollable_content_region.width if self.is_attached else 0
        if width > 4:  # OptionList wraps long prompts; a health line must stay one line
            line.truncate(width - 1, overflow="ellipsis")
            detail.truncate(width - 1, overflow="ellipsis")
        prompt = Text(no_wrap=True, overflow="ellipsis", end="")
        prompt.append_text(line)
        prompt.append("\n")
        prompt.append_text(detail)
        return prompt

    def _colour(self, variable: str) -> str:
        if not variable:
            return ""
        return self.app.theme_variables.get(variable.lstrip("$"), "") if self.is_attached else ""

    def update_state(self, state: ServiceState, now: float | None = None) -> None:
        prompt = self.prompt(state, now)
        if self._shown.get(state.name) != prompt:
            self._shown[state.name] = prompt
            self.replace_option_prompt(state.name, prompt)

    @property
    def selected_service(self) -> str | None:
        option = self.highlighted_option
        return option.id if option else None
