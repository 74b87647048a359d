"""JSON for terminals and logs: valid JSON that never carries a raw control character.

Service text can hold C1 controls (U+009B is a one-byte CSI), bidi overrides and zero-width
characters. `ensure_ascii=False` keeps names readable but would pass those through raw; here they
leave as \\uXXXX escapes, which any JSON reader turns back into the same string.
"""

from __future__ import annotations

import json
import re
from typing import Any

# C0 (JSON escapes these itself), DEL, C1, zero-width and bidi controls, BOM, line/para separators.
_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def dumps(value: Any, indent: int | None = None) -> str:
    return _UNSAFE.sub(_escape, json.dumps(value, indent=indent, ensure_ascii=False,
                                           allow_nan=False))
