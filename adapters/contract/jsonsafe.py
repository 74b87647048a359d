"""Text and JSON fit for terminals and logs: valid Unicode, and no raw control characters.

Service text can hold lone surrogates (JSON allows `"\\ud800"`; Python decodes undecodable bytes
to them too): no UTF-8 writer can write one, so one such name used to take down every printer,
the audit log, the metrics page and the alert hook. `valid()` makes text valid where it enters
(each lone surrogate becomes U+FFFD, visibly), and `dumps()` makes sure again on the way out.

Service text can also hold C1 controls (U+009B is a one-byte CSI), bidi overrides and zero-width
characters. `ensure_ascii=False` keeps names readable but would pass those through raw; here they
leave as \\uXXXX escapes, which any JSON reader turns back into the same string.
"""

from __future__ import annotations

import json
import re
from typing import Any

REPLACEMENT = "\ufffd"
# In a str, a surrogate is always a lone one: a valid pair is decoded into one code point.
_SURROGATE = re.compile("[\ud800-\udfff]")
# C0 (JSON escapes these itself), DEL, C1, zero-width and bidi controls, BOM, line/para separators.
_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def valid_text(text: str) -> str:
    """The text with each lone surrogate replaced by U+FFFD."""
    return _SURROGATE.sub(REPLACEMENT, text)


def valid(value: Any) -> Any:
    """A parsed JSON value (or any nest of dicts, lists and strings) with every string, keys
    included, made valid text."""
    if isinstance(value, str):
        return _SURROGATE.sub(REPLACEMENT, value)
    if isinstance(value, dict):
        return {valid(k): valid(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [valid(v) for v in value]
    return value


def dumps(value: Any, indent: int | None = None) -> str:
    text = json.dumps(value, indent=indent, ensure_ascii=False, allow_nan=False)
    return _UNSAFE.sub(_escape, _SURROGATE.sub(REPLACEMENT, text))
