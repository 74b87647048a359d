"""Alerts on transitions: a toast naming service and item, the terminal bell, the session's
history, and an optional command run with the transition's JSON on stdin (a chat or pager hook).

Which transitions alert comes from [alerts] (per kind, per service); one toast per item per
`every` minutes; more than `burst` at once become one summary toast. The command runs for every
alert that passes the filter, with a timeout; its failures are shown, never fatal.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from rich.text import Text

from jobdeck.adapters.contract import jsonsafe
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
        wanted = [t for t in transitions
                  if self.config.alerts_on(t.service, t.kind, t.event)]
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
    by = " by you" if transition.by_you else ""
    return (f"{transition.what} {transition.label}: {transition.from_} -> {transition.to}{by}"
            f"{detail}")


async def run_hook(command: str, transition: Transition, timeout: float) -> str | None:
    """Run the hook with the transition's JSON on stdin; the reason it failed, or None."""
    try:
        process = await asyncio.create_subprocess_shell(
            command, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE)
    except OSError as exc:
        return f"alert command could not start: {exc.strerror}"
    try:
        _, err = await asyncio.wait_for(
            process.communicate(jsonsafe.dumps(transition.to_json()).encode() + b"\n"), timeout)
    except TimeoutError:
        process.kill()
        await process.wait()
        return f"alert command took longer than {timeout:g} s and was stopped"
    except asyncio.CancelledError:   # the console is closing: the hook goes with it
        process.kill()
        await asyncio.shield(process.wait())
        raise
    if process.returncode:
        last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        return f"alert command exited {process.returncode}" + (f": {last[0]}" if last[0] else "")
    return None
