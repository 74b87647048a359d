"""Server text is data: never parsed as markup, never allowed to emit terminal escapes."""

from __future__ import annotations

import re

from rich.text import Text

# C0 controls (tab and newline included: a label is one line), DEL, C1 controls, and the
# bidi overrides that can make a name read differently from what it is.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])|\x9b[0-?]*[ -/]*[@-~]")


def clean(value: object) -> str:
    """Drop whole escape sequences first, then any stray control character."""
    text = "" if value is None else str(value)
    if "\x1b" in text or "\x9b" in text:
        text = _ESCAPE_SEQUENCE.sub("", text)
    return _CONTROL.sub("", text)


def literal(value: object, style: str = "") -> Text:
    """A Text that shows exactly the cleaned characters; Text() never interprets markup."""
    return Text(clean(value), style=style, no_wrap=True, end="")
