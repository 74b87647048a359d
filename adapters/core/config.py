"""Reading and checking config.toml: every error names the file, the service and the key.

What a service table may hold comes from its kind's declared options (adapters/options.py);
the kinds themselves are handed in by the caller, so this module imports no adapter.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jobdeck.adapters.contract.model import ConfigError, ServiceConfig
from jobdeck.adapters.contract.options import COMMON, Option, toml_value

from .alerts import AlertsConfig, parse_alerts

if TYPE_CHECKING:
    from jobdeck.adapters.contract.base import Adapter

Kinds = Mapping[str, "type[Adapter]"]

GLOBAL: tuple[Option, ...] = (
    Option("refresh", float, "seconds between polls", default=2.0, minimum=0.2, maximum=3600),
    Option("read_only", bool, "true: every action refused (also per service, and --read-only)",
           default=False),
    Option("confirm_destructive", bool, "ask before abandon, delete, clear, close_stream ...",
           default=True),
    Option("theme", str, 'or "jobdeck-light"', default="jobdeck-dark"),
    Option("poll_deadline", float, "seconds one poll of one service may take, all told",
           default=15.0, minimum=1, maximum=300),
    Option("stall_after", float, "minutes without progress before a running task is stalled",
           default=30.0, minimum=0.1, maximum=10080),
    Option("max_reply_mb", float, "a reply larger than this is not read (also per service)",
           default=20.0, minimum=0.1, maximum=4096),
    Option("history_days", float, "days the history store keeps transitions, actions, polls",
           default=14, minimum=1, maximum=3660),
)
TABLES = {"keys", "services", "alerts"}


@dataclass(slots=True)
class Config:
    path: Path | None = None
    refresh: float = 2.0
    read_only: bool = False
    confirm_destructive: bool = True
    theme: str = "jobdeck-dark"
    poll_deadline: float = 15.0
    stall_after: float = 30.0
    max_reply_mb: float = 20.0
    history_days: float = 14
    keys: dict[str, str] = field(default_factory=dict)
    services: list[ServiceConfig] = field(default_factory=list)
    alerts: AlertsConfig = field(default_factory=AlertsConfig)

    def service(self, name: str) -> ServiceConfig:
        for service in self.services:
            if service.name == name:
                return service
        known = ", ".join(s.name for s in self.services) or "none"
        raise ConfigError(f"no service named {name!r} in {self.path or 'the config'} "
                          f"(known: {known})")


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    if env := os.environ.get("JOBDECK_CONFIG"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "jobdeck" / "config.toml"


def load_config(path: Path, kinds: Kinds, commands: Collection[str] | None = None) -> Config:
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file (create one with `jobdeck config init`)") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    return parse_config(raw, path, kinds, commands)


def parse_config(raw: dict[str, Any], path: Path | None, kinds: Kinds,
                 commands: Collection[str] | None = None) -> Config:
    """`commands`: the console's command names, to check [keys] against (None: not checked)."""
    where = str(path) if path else "<config>"
    known = {o.name for o in GLOBAL} | TABLES
    for key in raw:
        if key not in known:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(known))})")
    config = Config(path=path)
    for option in GLOBAL:
        if option.name in raw:
            setattr(config, option.name, option.parse(raw[option.name], where))
    if isinstance(config.refresh, int):
        config.refresh = float(config.refresh)
    config.max_reply_mb = float(config.max_reply_mb)
    config.keys = parse_keys(raw.get("keys", {}), where, commands)
    services = raw.get("services", [])
    if not isinstance(services, list):
        raise ConfigError(f"{where}: key 'services': must be an array of tables ([[services]])")
    seen: set[str] = set()
    for number, entry in enumerate(services, 1):
        service = parse_service(entry, number, where, path, kinds)
        if service.name in seen:
            raise ConfigError(f"{where}: service {service.name!r}: key 'name': used twice")
        seen.add(service.name)
        config.services.append(service)
    config.alerts = parse_alerts(raw.get("alerts", {}), where, seen, set(kinds))
    return config


def parse_keys(keys: Any, where: str, commands: Collection[str] | None) -> dict[str, str]:
    if not isinstance(keys, dict):
        raise ConfigError(f"{where}: [keys]: must be a table of command = \"key\"")
    for name, key in keys.items():
        if commands is not None and name not in commands:
            raise ConfigError(f"{where}: [keys]: unknown command {name!r} "
                              f"(known: {', '.join(sorted(commands))})")
        if not isinstance(key, str) or not key.strip() or " " in key.strip():
            raise ConfigError(f"{where}: [keys]: key {name!r}: must be one key name, like "
                              f'"x", "ctrl+s" or "f5", not {key!r}')
    remaps = {name: key.strip() for name, key in keys.items()}
    if commands is not None:   # the console's commands: their keys must be keys, and not clash
        from .commands import key_problems

        problems = key_problems(remaps)
        if problems:
            raise ConfigError(f"{where}: [keys]: " + f"\n{where}: [keys]: ".join(problems))
    return remaps


def parse_service(entry: Any, number: int, where: str, path: Path | None,
                  kinds: Kinds) -> ServiceConfig:
    label = f"service #{number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: {label}: must be a table")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: {label}: key 'name': missing or empty")
    label = f"service {name!r}"
    kind = entry.get("kind")
    if kind not in kinds:
        raise ConfigError(f"{where}: {label}: key 'kind': {kind!r} is not one of "
                          f"{', '.join(kinds)}")
    cls = kinds[kind]
    declared = {o.name: o for o in (*COMMON, *cls.options)}
    for key in entry:
        if key not in declared:
            raise ConfigError(f"{where}: {label}: unknown key {key!r} for kind {kind!r} "
                              f"(known: {', '.join(sorted(declared))})")
    for option in declared.values():
        if option.required and option.name not in entry:
            raise ConfigError(f"{where}: {label}: key {option.name!r}: required for kind {kind!r}")
    here = f"{where}: {label}"
    base_url = declared["base_url"].parse(entry["base_url"], here)
    if not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{here}: key 'base_url': must be an http:// or https:// URL")
    service = ServiceConfig(name=name, kind=kind, base_url=base_url,
                            read_only=declared["read_only"].parse(entry.get("read_only", False),
                                                                  here))
    if "poll_deadline" in entry:
        service.poll_deadline = float(declared["poll_deadline"].parse(entry["poll_deadline"],
                                                                      here))
    if "max_reply_mb" in entry:
        service.max_reply_mb = float(declared["max_reply_mb"].parse(entry["max_reply_mb"], here))
    for option in cls.options:
        if option.name not in entry:
            continue
        value = option.parse(entry[option.name], here, path)
        if option.secret:
            service.secrets[option.name] = value
        else:
            service.options[option.name] = value
    return service


def template(kinds: Kinds) -> str:
    """The commented config `config init` writes: every kind, every option, from declarations."""
    lines = ["# jobdeck configuration. Secrets may be a string, {env = \"VAR\"} or "
             "{file = \"path\"}."]
    for option in GLOBAL:
        lines.append(f"{option.name + ' = ' + toml_value(option.default):<30}# {option.help}")
    lines += ["", "# [keys]                      # remap any command: `jobdeck config keys` "
              "lists them", '# stop = "x"']
    lines += ["", "# [alerts]                    # see README, \"On call\"", "# bell = true",
              "# balance_below = 100.0"]
    for number, (kind, cls) in enumerate(kinds.items()):
        prefix = "" if number == 0 else "# "
        lines += ["", f"# {cls.summary}" if cls.summary else "", f"{prefix}[[services]]",
                  f'{prefix}name = "{cls.example_name}"', f'{prefix}kind = "{kind}"',
                  f'{prefix}base_url = "{cls.example_base_url}"']
        for option in cls.options:
            if option.hidden:
                continue
            line = option.template_line()
            optional = not option.required
            text = f"{'# ' if optional or prefix else ''}{line}"
            lines.append(f"{text:<48}# {option.help}")
    return "\n".join(line for line in lines) + "\n"
