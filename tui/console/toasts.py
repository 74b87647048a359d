"""Alerts on transitions: a toast naming service and item, the terminal bell, the session's
history, and an optional command run with the transition's JSON on stdin (a chat or pager hook).

Which transitions alert comes from [alerts] (per kind, per service); one toast per item per
`every` minutes. No more alert toasts are up at once than `burst` and than the terminal holds
beside the panes (`room`: two at 80x24, none while a dialog is open); what would be more
becomes one summary toast, or waits for one to go if none is free (`flush`, every second).
The bell rings when the alert comes, whether its toast shows then or waits. The command runs for every
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
    room: Callable[[], int] = lambda: 1_000_000   # how many toasts the terminal holds at once
    toast_s: float = 8.0                          # how long an alert's toast is up
    _last_toast: dict[str, float] = field(default_factory=dict)   # oldest first
    _up: list[float] = field(default_factory=list)              # until when each toast is up
    _waiting: list[Transition] = field(default_factory=list)    # due, no toast free yet

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
        self._waiting.extend(due)
        self.flush()
        if due and self.config.bell:
            self.bell()
        return wanted if self.config.command else []

    def flush(self) -> None:
        """Toast what is due, as far as there is room: each alone if all fit, else one
        summary; with no toast free, it waits for the next call."""
        now = self.clock()
        self._up = [until for until in self._up if until > now]
        free = min(self.config.burst, self.room()) - len(self._up)   # room: 0 under a dialog
        due = self._waiting
        if not due or free <= 0:
            return
        self._waiting = []
        if len(due) > free:
            services = sorted({t.service for t in due})
            self.notify(title(str(len(due)), " alerts at once on ", ", ".join(services),
                              ": press H for the list"), title("alerts"), "error")
            self._up.append(now + self.toast_s)
            return
        for transition in due:
            self.notify(literal(describe(transition)),
                        title(transition.service, " · ", transition.what),
                        "information" if transition.event == "service_up" else "error")
            self._up.append(now + self.toast_s)


def describe(transition: Transition) -> str:
    if transition.what == "service":
        return f"{transition.service} is {'back' if transition.to == 'ok' else 'down'}" + (
            f": {transition.detail}" if transition.detail else "")
    detail = f" ({transition.detail})" if transition.detail else ""
    by = " by you" if transition.by_you else ""
    return (f"{transition.what} {transition.label}: {transition.from_} -> {transition.to}{by}"
            f"{detail}")
