"""The [alerts] table: which transitions alert, how often, and what runs for each.

```toml
[alerts]
bell = true                  # ring the terminal bell with each alert toast
balance_below = 100.0        # an account under this balance needs attention
every = 10.0                 # minutes: at most one toast per item in that time
burst = 5                    # most alert toasts up at once (fewer if short); more: one summary
on = ["failed", "partial", "stalled", "stream_gone", "relay_down", "service_down", "service_up"]
command = "/usr/local/bin/page-me"   # run per alert, the transition JSON on stdin
command_timeout = 10.0       # then its whole process group is ended (hooks.py)
command_concurrency = 4      # hooks at once; the others queue (bounded, oldest dropped)
[alerts.kinds.ntv]
on = ["stream_gone", "service_down"]
[alerts.services.la-farm]
on = []                      # this farm never alerts
```
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from jobdeck.adapters.contract.model import ConfigError
from jobdeck.adapters.contract.options import Option

# `done` (a task finishing) is an event too, off unless asked for: on a busy farm it is most
# transitions, and the one render-farm users wire to chat ("tell me when my render is done").
EVENTS = ("failed", "partial", "stalled", "stream_gone", "relay_down", "service_down",
          "service_up", "done")
DEFAULT_ON = tuple(e for e in EVENTS if e != "done")

OPTIONS: tuple[Option, ...] = (
    Option("bell", bool, "ring the terminal bell with each alert", default=True),
    Option("balance_below", float, "an account balance under this needs attention",
           default=None, minimum=0),
    Option("every", float, "minutes: at most one toast per item in that time", default=10.0,
           minimum=0, maximum=1440),
    Option("burst", int, "alert toasts up at once, at most (fewer on a short terminal), and "
           "failing-hook reports at once; more become one summary", default=5,
           minimum=1, maximum=1000),
    Option("on", list, "which transitions alert", default=list(DEFAULT_ON)),
    Option("command", str, "run for each alert with the transition JSON on stdin", default=None),
    Option("command_timeout", float, "seconds the command may run", default=10.0, minimum=0.1,
           maximum=600),
    Option("command_concurrency", int, "commands run at once; more alerts wait their turn",
           default=4, minimum=1, maximum=64),
)


@dataclass(slots=True)
class AlertsConfig:
    bell: bool = True
    balance_below: float | None = None
    every: float = 10.0
    burst: int = 5
    on: tuple[str, ...] = DEFAULT_ON
    command: str | None = None
    command_timeout: float = 10.0
    command_concurrency: int = 4
    by_kind: dict[str, tuple[str, ...]] = field(default_factory=dict)
    by_service: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def alerts_on(self, service: str, kind: str, event: str) -> bool:
        if service in self.by_service:
            return event in self.by_service[service]
        if kind in self.by_kind:
            return event in self.by_kind[kind]
        return event in self.on

    def wanted(self, transitions: Iterable[Any]) -> list[Any]:
        """The transitions (anything with service, kind and event) that alert."""
        return [t for t in transitions if self.alerts_on(t.service, t.kind, t.event)]


def parse_events(text: str) -> tuple[str, ...]:
    """`done,failed` (watch --on) as events; an unknown one is a ValueError naming them all."""
    events = tuple(e.strip() for e in text.split(",") if e.strip())
    for event in events:
        if event not in EVENTS:
            raise ValueError(f"{event!r} is not one of {', '.join(EVENTS)}")
    return events


def _events(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: must be a list of events, like [\"failed\", \"stalled\"]")
    for event in value:
        if event not in EVENTS:
            raise ConfigError(f"{where}: {event!r} is not one of {', '.join(EVENTS)}")
    return tuple(value)


def parse_alerts(raw: Any, where: str, services: Collection[str],
                 kinds: Collection[str]) -> AlertsConfig:
    here = f"{where}: [alerts]"
    if not isinstance(raw, dict):
        raise ConfigError(f"{here}: must be a table")
    declared = {o.name: o for o in OPTIONS}
    alerts = AlertsConfig()
    for key, value in raw.items():
        if key in ("kinds", "services"):
            continue
        option = declared.get(key)
        if option is None:
            raise ConfigError(f"{here}: unknown key {key!r} "
                              f"(known: {', '.join(sorted([*declared, 'kinds', 'services']))})")
        parsed = option.parse(value, here)
        if key == "on":
            parsed = _events(parsed, f"{here}: key 'on'")
        elif key == "balance_below" or key in ("every", "command_timeout"):
            parsed = float(parsed)
        setattr(alerts, key, parsed)
    for table, known, target in (("kinds", kinds, alerts.by_kind),
                                 ("services", services, alerts.by_service)):
        entries = raw.get(table, {})
        if not isinstance(entries, dict):
            raise ConfigError(f"{here}: key {table!r}: must be a table of tables")
        for name, entry in entries.items():
            inner = f"{where}: [alerts.{table}.{name}]"
            if name not in known:
                raise ConfigError(f"{inner}: no {table[:-1]} named {name!r} "
                                  f"(known: {', '.join(sorted(known)) or 'none'})")
            if not isinstance(entry, dict) or set(entry) - {"on"}:
                raise ConfigError(f"{inner}: takes only on = [...]")
            target[name] = _events(entry.get("on", []), f"{inner}: key 'on'")
    return alerts
