"""Reading and checking config.toml: every error names the file, the service and the key."""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .model import ConfigError

TOP_KEYS = {"refresh", "read_only", "confirm_destructive", "theme", "keys", "services"}
SERVICE_COMMON = {"name", "kind", "base_url", "read_only"}


@dataclass(slots=True)
class ServiceConfig:
    name: str
    kind: str
    base_url: str
    read_only: bool = False
    options: dict[str, Any] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict, repr=False)

    def secret_values(self) -> list[str]:
        return list(self.secrets.values())

    def get(self, key: str, default: Any = None) -> Any:
        if key in self.secrets:
            return self.secrets[key]
        return self.options.get(key, default)


@dataclass(slots=True)
class Config:
    path: Path | None = None
    refresh: float = 2.0
    read_only: bool = False
    confirm_destructive: bool = True
    theme: str = "jobdeck-dark"
    keys: dict[str, str] = field(default_factory=dict)
    services: list[ServiceConfig] = field(default_factory=list)

    def service(self, name: str) -> ServiceConfig:
        for service in self.services:
            if service.name == name:
                return service
        known = ", ".join(s.name for s in self.services) or "none"
        raise ConfigError(f"no service named {name!r} in {self.path} (known: {known})")


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).expanduser()
    if env := os.environ.get("JOBDECK_CONFIG"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    return Path(base) / "jobdeck" / "config.toml"


def load_config(path: Path) -> Config:
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
    return parse_config(raw, path)


def parse_config(raw: dict[str, Any], path: Path | None) -> Config:
    where = str(path) if path else "<config>"
    for key in raw:
        if key not in TOP_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(sorted(TOP_KEYS))})")
    config = Config(path=path)
    config.refresh = _number(raw, "refresh", 2.0, where)
    if not 0.2 <= config.refresh <= 3600:
        raise ConfigError(f"{where}: key 'refresh': must be between 0.2 and 3600 seconds")
    config.read_only = _bool(raw, "read_only", False, where)
    config.confirm_destructive = _bool(raw, "confirm_destructive", True, where)
    config.theme = _string(raw, "theme", "jobdeck-dark", where)
    keys = raw.get("keys", {})
    if not isinstance(keys, dict) or not all(isinstance(v, str) for v in keys.values()):
        raise ConfigError(f"{where}: key 'keys': must be a table of action = \"key\"")
    config.keys = dict(keys)
    services = raw.get("services", [])
    if not isinstance(services, list):
        raise ConfigError(f"{where}: key 'services': must be an array of tables ([[services]])")
    seen: set[str] = set()
    for number, entry in enumerate(services, 1):
        service = _service(entry, number, where, path)
        if service.name in seen:
            raise ConfigError(f"{where}: service {service.name!r}: key 'name': used twice")
        seen.add(service.name)
        config.services.append(service)
    return config


def _service(entry: Any, number: int, where: str, path: Path | None) -> ServiceConfig:
    from .registry import adapter_class, kinds  # late: the registry imports every adapter

    label = f"service #{number}"
    if not isinstance(entry, dict):
        raise ConfigError(f"{where}: {label}: must be a table")
    name = entry.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"{where}: {label}: key 'name': missing or empty")
    label = f"service {name!r}"
    kind = entry.get("kind")
    if kind not in kinds():
        raise ConfigError(f"{where}: {label}: key 'kind': {kind!r} is not one of {', '.join(kinds())}")
    cls = adapter_class(kind)
    allowed = SERVICE_COMMON | set(cls.required_keys) | set(cls.secret_keys) | set(cls.optional_keys)
    for key in entry:
        if key not in allowed:
            raise ConfigError(f"{where}: {label}: unknown key {key!r} for kind {kind!r} "
                              f"(known: {', '.join(sorted(allowed))})")
    for key in cls.required_keys:
        if key not in entry:
            raise ConfigError(f"{where}: {label}: key {key!r}: required for kind {kind!r}")
    base_url = entry.get("base_url")
    if not isinstance(base_url, str) or not base_url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: {label}: key 'base_url': must be an http:// or https:// URL")
    service = ServiceConfig(name=name, kind=kind, base_url=base_url,
                            read_only=_bool(entry, "read_only", False, f"{where}: {label}"))
    for key, value in entry.items():
        if key in SERVICE_COMMON:
            continue
        if key == "track" and not (isinstance(value, list)
                                   and all(isinstance(v, str) and v for v in value)):
            raise ConfigError(f"{where}: {label}: key 'track': must be a list of task ids "
                              '(strings), like track = ["GfNE_AXLj0CHizT_9UDVp"]')
        if key in cls.secret_keys:
            service.secrets[key] = resolve_secret(value, f"{where}: {label}: key {key!r}", path)
        else:
            service.options[key] = value
    return service


def resolve_secret(value: Any, where: str, path: Path | None) -> str:
    if isinstance(value, str):
        if not value:
            raise ConfigError(f"{where}: empty")
        return value
    if isinstance(value, dict) and set(value) == {"env"}:
        var = value["env"]
        secret = os.environ.get(str(var))
        if not secret:
            raise ConfigError(f"{where}: environment variable {var} is not set")
        return secret
    if isinstance(value, dict) and set(value) == {"file"}:
        file = Path(str(value["file"])).expanduser()
        if not file.is_absolute() and path is not None:
            file = path.parent / file
        try:
            secret = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read {file}: {exc.strerror}") from None
        if not secret:
            raise ConfigError(f"{where}: {file} is empty")
        return secret
    raise ConfigError(f'{where}: must be a string, {{env = "VAR"}} or {{file = "path"}}')


def _number(raw: dict[str, Any], key: str, default: float, where: str) -> float:
    value = raw.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: key {key!r}: must be a number, not {value!r}")
    return float(value)


def _bool(raw: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = raw.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}: key {key!r}: must be true or false, not {value!r}")
    return value


def _string(raw: dict[str, Any], key: str, default: str, where: str) -> str:
    value = raw.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{where}: key {key!r}: must be a string, not {value!r}")
    return value


TEMPLATE = '''\
# jobdeck configuration. Secrets may be a string, {env = "VAR"} or {file = "path"}.
refresh = 2.0                 # seconds between polls
read_only = false             # true: every action refused (also per service, and --read-only)
confirm_destructive = true    # ask before abandon, delete, clear, close_stream ...
theme = "jobdeck-dark"        # or "jobdeck-light"

# [keys]                      # remap any action's key
# stop = "x"

[[services]]
name = "sh-farm"
kind = "renderbus"
base_url = "https://task.renderbus.com"         # international: https://jop.foxrenderfarm.com
access_id = "AKID..."
access_key = { env = "RENDERBUS_ACCESS_KEY" }
platform = 2
# channel = 4
# version = "1.0.0"
# page_size = 100

# [[services]]
# name = "encoder"
# kind = "finalrip"
# base_url = "http://encoder.internal:8848"
# token = { env = "FINALRIP_TOKEN" }

# [[services]]
# name = "promo-videos"
# kind = "eva"
# base_url = "https://api.eva.tutucloud.com"
# api_key = "..."
# api_secret = { env = "EVA_SECRET" }
# track = []                                  # task ids to watch (also `jobdeck track`)

# [[services]]
# name = "photo-fix"
# kind = "enhance"
# base_url = "https://enhance.example"
# token = { env = "ENHANCE_TOKEN" }
# enhance_type = 1

# [[services]]
# name = "live"
# kind = "ntv"
# base_url = "http://media.internal/mserver/interface/"
# username = "admin"
# password = { env = "NTV_PASSWORD" }

# [[services]]
# name = "edge-rtmp"
# kind = "nginx-rtmp"
# base_url = "http://127.0.0.1:8080"          # serves `rtmp_stat all` and `rtmp_control all`
'''
