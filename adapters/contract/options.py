"""Typed options: what a kind accepts under [[services]], declared once on its adapter.

Config parsing, `config check`'s type errors and the `config init` template are all made from
these declarations, so a new option is one line in the adapter that needs it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .model import ConfigError

REQUIRED: Any = object()   # an option with this default must be given


@dataclass(frozen=True, slots=True)
class Option:
    name: str
    type: type           # str, int, float, bool or list (a list of strings)
    help: str
    default: Any = REQUIRED
    secret: bool = False     # a string, {env = "VAR"} or {file = "path"}; never shown
    choices: tuple[Any, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    example: Any = None      # what the template shows; the default when there is none
    hidden: bool = False     # accepted, not advertised (an older name kept working)

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def parse(self, value: Any, where: str, path: Path | None = None) -> Any:
        """The value as its type, or a ConfigError that names `where` (file, service, key)."""
        here = f"{where}: key {self.name!r}"
        if self.secret:
            return resolve_secret(value, here, path)
        if self.type is bool:
            if not isinstance(value, bool):
                raise ConfigError(f"{here}: must be true or false, not {value!r}")
        elif self.type in (int, float):
            if isinstance(value, bool) or not isinstance(value, int | float) \
                    or (self.type is int and not isinstance(value, int)):
                noun = "a whole number" if self.type is int else "a number"
                raise ConfigError(f"{here}: must be {noun}, not {value!r}")
            low = self.minimum is not None and value < self.minimum
            high = self.maximum is not None and value > self.maximum
            if low or high:
                if self.minimum is not None and self.maximum is not None:
                    bounds = f"between {self.minimum:g} and {self.maximum:g}"
                elif self.minimum is not None:
                    bounds = f"at least {self.minimum:g}"
                else:
                    bounds = f"at most {self.maximum:g}"
                raise ConfigError(f"{here}: must be {bounds}, not {value!r}")
        elif self.type is list:
            if not (isinstance(value, list) and all(isinstance(v, str) and v for v in value)):
                raise ConfigError(f'{here}: must be a list of strings, like ["abc", "def"]')
        elif not isinstance(value, str):
            raise ConfigError(f"{here}: must be a string, not {value!r}")
        if self.choices and value not in self.choices:
            shown = ", ".join(repr(c) for c in self.choices)
            raise ConfigError(f"{here}: {value!r} is not one of {shown}")
        return value

    def template_line(self) -> str:
        """`name = value   # help` for the commented template."""
        value = self.example if self.example is not None else (
            None if self.required else self.default)
        if self.secret and not isinstance(value, dict):
            value = {"env": f"{self.name.upper()}"}
        return f"{self.name} = {toml_value(value)}"


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if value is None:
        return '""'
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def resolve_secret(value: Any, where: str, path: Path | None) -> str:
    """A secret from the config itself, the environment or a file. Surrounding whitespace (the
    newline a file or `export VAR=$(cat f)` leaves) is stripped: it would otherwise reach an HTTP
    header and come back inside an error message."""
    if isinstance(value, str):
        secret = value.strip()
        if not secret:
            raise ConfigError(f"{where}: empty")
        return secret
    if isinstance(value, dict) and set(value) == {"env"}:
        var = value["env"]
        secret = (os.environ.get(str(var)) or "").strip()
        if not secret:
            raise ConfigError(f"{where}: environment variable {var} is not set")
        try:  # Python keeps bytes it could not decode as lone surrogates: not a usable secret
            secret.encode("utf-8")
        except UnicodeEncodeError:
            raise ConfigError(f"{where}: environment variable {var} is not UTF-8 text") \
                from None
        return secret
    if isinstance(value, dict) and set(value) == {"file"}:
        file = Path(str(value["file"])).expanduser()
        if not file.is_absolute() and path is not None:
            file = path.parent / file
        try:
            secret = file.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ConfigError(f"{where}: cannot read {file}: {exc.strerror}") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{where}: {file} is not UTF-8 text") from None
        if not secret:
            raise ConfigError(f"{where}: {file} is empty")
        return secret
    raise ConfigError(f'{where}: must be a string, {{env = "VAR"}} or {{file = "path"}}')


# Keys every [[services]] table may have, whatever its kind.
COMMON: tuple[Option, ...] = (
    Option("name", str, "how the console and the commands call this service"),
    Option("kind", str, "which adapter speaks to it"),
    Option("base_url", str, "where its API answers"),
    Option("read_only", bool, "refuse every action on this service", default=False),
    Option("poll_deadline", float, "seconds one poll of this service may take, all told",
           default=None, minimum=1, maximum=300),
    Option("max_reply_mb", float, "a reply from it larger than this is not read",
           default=None, minimum=0.1, maximum=4096),
)
