"""New work from a kind's declared submit fields: the CLI's arguments and the console's form
both end here, as one dict of checked values for `adapter.submit`.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from jobdeck.adapters.base import Adapter, SubmitField
from jobdeck.adapters.model import JobdeckError


class SubmitError(JobdeckError):
    pass


def flag(field: SubmitField) -> str:
    return "--" + field.name.replace("_", "-")


def parse_value(field: SubmitField, raw: Any) -> Any:
    """One field's text (or texts, for repeatable ones) as the value submit() takes."""
    kind = field.kind
    if kind == "flag":
        return bool(raw)
    if kind in ("lines", "files"):
        texts = raw if isinstance(raw, list) else _split(str(raw or ""), kind)
        texts = [t.strip() for t in texts if t and t.strip()]
        if kind == "files":
            for text in texts:
                if not Path(text).expanduser().is_file():
                    raise SubmitError(f"{field.label}: {text}: no such file")
            return [str(Path(t).expanduser()) for t in texts]
        return texts
    text = str(raw or "").strip()
    if not text:
        if field.required:
            raise SubmitError(f"{field.label}: required")
        return field.default or None
    if kind == "int":
        try:
            return int(text)
        except ValueError:
            raise SubmitError(f"{field.label}: {text!r} is not a whole number") from None
    if kind == "json":
        try:
            return json.loads(text)
        except ValueError:
            raise SubmitError(f"{field.label}: not JSON (e.g. {field.placeholder or '{}'})") \
                from None
    if kind in ("file", "file_text"):
        path = Path(text).expanduser()
        if not path.is_file():
            raise SubmitError(f"{field.label}: {text}: no such file")
        if kind == "file_text":
            try:
                return path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise SubmitError(f"{field.label}: {text}: cannot read it ({exc})") from None
        return str(path)
    return text


def _split(text: str, kind: str) -> list[str]:
    return text.splitlines() if kind == "lines" else text.replace(",", "\n").splitlines()


def values_from(fields: Iterable[SubmitField], raw: dict[str, Any]) -> dict[str, Any]:
    """Every field checked, in declaration order; the first problem raises SubmitError."""
    return {field.name: parse_value(field, raw.get(field.name)) for field in fields}


def kind_parser(adapter: Adapter, service: str) -> argparse.ArgumentParser:
    """`jobdeck submit SERVICE ...` arguments for this service's kind, from its fields."""
    parser = argparse.ArgumentParser(prog=f"jobdeck submit {service}",
                                     description=f"new work on {service} ({adapter.kind})")
    for field in adapter.submit_fields:
        help_text = field.help + (f" (default: {field.default})" if field.default else "")
        if field.positional:
            parser.add_argument(field.name, metavar=field.name.upper(), help=help_text)
        elif field.kind == "flag":
            parser.add_argument(flag(field), dest=field.name, action="store_true", help=help_text)
        elif field.repeat:
            parser.add_argument(flag(field), dest=field.name, action="append", default=[],
                                help=help_text)
        else:
            parser.add_argument(flag(field), dest=field.name, help=help_text)
    return parser


def values_from_argv(adapter: Adapter, service: str, argv: Sequence[str]) -> dict[str, Any]:
    if not adapter.can_submit:
        raise SubmitError(f"{adapter.kind} takes no new work from jobdeck")
    namespace = kind_parser(adapter, service).parse_args(list(argv))
    return values_from(adapter.submit_fields, vars(namespace))


def print_progress(sent: int, total: int) -> None:
    if sys.stderr.isatty():
        width = 30
        filled = int(width * sent / max(1, total))
        sys.stderr.write(f"\rupload [{'#' * filled}{'.' * (width - filled)}] "
                         f"{sent / 1048576:7.1f} / {total / 1048576:.1f} MiB")
        if sent >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
