"""New work from a kind's declared submit fields: the CLI's arguments and the console's form
both end here, as one dict of checked values for `adapter.submit`.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from jobdeck.adapters.contract.base import SubmitField
from jobdeck.adapters.contract.model import JobdeckError


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
    if kind == "number":
        try:
            value = float(text)
        except ValueError:
            raise SubmitError(f"{field.label}: {text!r} is not a number") from None
        if not math.isfinite(value) or value <= 0:
            raise SubmitError(f"{field.label}: must be more than 0")
        return text
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
