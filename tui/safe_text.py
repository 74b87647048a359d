"""Server text is data: never parsed as markup, never allowed to emit terminal escapes.

The one way in for text a service sent (names, ids, messages, errors):
- `clean()` for plain strings (the CLI's printers, fixed-width rows);
- `literal()` for a Rich Text that shows exactly the cleaned characters;
- `title()` for border titles and dialog titles, built from literal parts;
- `set_titles()` to put them on a widget, only when they changed.
Toasts go through JobdeckApp.notify, which cleans both title and message and never reads markup.

Shared by the console and the headless commands: `clean` needs nothing but `re`; Rich is
imported by the first Text made and Textual never, so `jobdeck snapshot` loads neither.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any
from weakref import WeakKeyDictionary

if TYPE_CHECKING:
    from rich.text import Text
    from textual.widget import Widget

# C0 controls (tab and newline included: a label is one line), DEL, C1 controls, the bidi
# overrides and isolates that can make a name read differently from what it is, and the
# zero-width characters (and BOM, soft hyphen) that shift the columns after them.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e"
                      "\u2060-\u2069\ufeff]")
# A lone surrogate cannot be written as UTF-8: it is shown as U+FFFD, never dropped unseen.
# (Text from a service is made valid where it enters; this is the last line, for anything else.)
_SURROGATE = re.compile("[\ud800-\udfff]")
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[PX^_][^\x1b]*\x1b\\|[@-Z\\-_])"
    r"|\x9b[0-?]*[ -/]*[@-~]|\x9d[^\x07\x9c]*[\x07\x9c]")


def clean(value: object) -> str:
    """Drop whole escape sequences first, then any stray control character; a lone surrogate
    becomes U+FFFD."""
    text = "" if value is None else str(value)
    if "\x1b" in text or "\x9b" in text or "\x9d" in text:
        text = _ESCAPE_SEQUENCE.sub("", text)
    return _SURROGATE.sub("\ufffd", _CONTROL.sub("", text))


def literal(value: object, style: str = "") -> Text:
    """A Text that shows exactly the cleaned characters; Text() never interprets markup."""
    from rich.text import Text

    return Text(clean(value), style=style, no_wrap=True, end="")


Part = "str | Text | tuple[object, str]"  # a str: shown as it is


def title(*parts: Part) -> Text:
    """A title from parts: each str is shown as it is (service text included), a (value, style)
    pair likewise with a style; a Text is trusted as built."""
    from rich.text import Text

    out = Text(no_wrap=True, end="")
    for part in parts:
        if isinstance(part, Text):
            out.append_text(part)
        elif isinstance(part, tuple):
            out.append_text(literal(part[0], part[1]))
        else:
            out.append_text(literal(part))
    return out


_shown: WeakKeyDictionary[Widget, dict[str, Any]] = WeakKeyDictionary()


def set_titles(widget: Widget, title: Any = ..., subtitle: Any = ...) -> None:
    """Set a widget's border title and subtitle (Text or None; left alone when not given),
    touching (and repainting) only what changed."""
    shown = _shown.setdefault(widget, {})
    for name, value in (("border_title", title), ("border_subtitle", subtitle)):
        if value is ...:
            continue
        key = value.plain + repr(value.spans) if hasattr(value, "spans") else value
        if shown.get(name, ()) != key:
            shown[name] = key
            setattr(widget, name, value)
