"""Alerts on transitions: a toast naming service and item, the terminal bell, the session's
history, and an optional command run with the transition's JSON on stdin (a chat or pager hook).

Which transitions alert comes from [alerts] (per kind, per service); one toast per item per
`every` minutes; more than `burst` at once become one summary toast. The command runs for every
alert that passes the filter (adapters/core/hooks.py runs it: bounded, timed, its failures
shown under the same `burst`, never fatal).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from rich.text import Text

from jobdeck.adapters.core.alerts import AlertsConfig
from jobdeck.adapters.core.oncall import Transition
from jobdeck.tui.safe_text import literal, title


@dataclass(slots=True)
class Alert:
    transition: Transition
    alerted: bool          # passed the [alerts] filter
    toasted: bool          # made a toast (not held back by the rate limit)


@dataclass
class Alerter:
    config: AlertsConfig
    notify: Callable[[Text, Text, str], None]     # message, title, severity
    bell: Callable[[], None]
    clock: Callable[[], float]
    history: list[Alert] = field(default_factory=list)
    _last_toast: dict[str, float] = field(default_factory=dict)

    def handle(self, transitions: list[Transition]) -> list[Transition]:
        """Toast, ring and record; return the transitions the hook command should get."""
        now = self.clock()
        wanted = self.config.wanted(transitions)
        due = [t for t in wanted
               if now - self._last_toast.get(t.key, float("-inf")) >= self.config.every * 60]
        for transition in due:
            self._last_toast[transition.key] = now
        for transition in transitions:
            self.history.append(Alert(transition, transition in wanted, transition in due))
        if len(due) > self.config.burst:
            services = sorted({t.service for t in due})
            self.notify(title(str(len(due)), " alerts at once on ", ", ".join(services),
                              ": press H for the list"), title("alerts"), "error")
        else:
            for transition in due:
                self.notify(literal(describe(transition)),
                            title(transition.service, " · ", transition.what),
                            "information" if transition.event == "service_up" else "error")
        if due and self.config.bell:
            self.bell()
        return wanted if self.config.command else []


def describe(transition: Transition) -> str:
    if transition.what == "service":
        return f"{transition.service} is {'back' if transition.to == 'ok' else 'down'}" + (
            f": {transition.detail}" if transition.detail else "")
    detail = f" ({transition.detail})" if transition.detail else ""
    return f"{transition.what} {transition.label}: {transition.from_} -> {transition.to}{detail}"
