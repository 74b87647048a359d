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

HISTORY_LIMIT = 1000         # alerts the session's history (H) keeps, the newest
LAST_TOAST_LIMIT = 10_000    # items whose last toast is remembered for `every` (oldest go first)


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
    history: list[Alert] = field(default_factory=list)   # the newest HISTORY_LIMIT
    _last_toast: dict[str, float] = field(default_factory=dict)   # oldest first

    def handle(self, transitions: list[Transition]) -> list[Transition]:
        """Toast, ring and record; return the transitions the hook command should get."""
        now = self.clock()
        wanted = self.config.wanted(transitions)
        due = [t for t in wanted
               if now - self._last_toast.get(t.key, float("-inf")) >= self.config.every * 60]
        last = self._last_toast
        for transition in due:
            last.pop(transition.key, None)
            last[transition.key] = now
        window = self.config.every * 60
        while last:   # forget what the rate limit no longer needs, and never more than the limit
            oldest = next(iter(last))
            if len(last) <= LAST_TOAST_LIMIT and now - last[oldest] < window:
                break
            del last[oldest]
        alerted, toasted = {id(t) for t in wanted}, {id(t) for t in due}   # not `in` a list:
        for transition in transitions:                       # 2,000 a poll made that quadratic
            self.history.append(Alert(transition, id(transition) in alerted,
                                      id(transition) in toasted))
        del self.history[:-HISTORY_LIMIT]
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
    by = " by you" if transition.by_you else ""
    return (f"{transition.what} {transition.label}: {transition.from_} -> {transition.to}{by}"
            f"{detail}")
