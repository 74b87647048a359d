"""Status colours read from the active theme's variables, resolved to Rich styles."""

from __future__ import annotations

from rich.color import Color, ColorParseError
from rich.style import Style
from textual.app import App


def theme_colour(app: App, name: str, fallback: str = "default") -> str:
    variables = app.theme_variables
    value = variables.get(name, fallback)
    for _ in range(4):  # a default may point at another variable ("$primary")
        if not value.startswith("$"):
            break
        value = variables.get(value[1:], fallback)
    colour = value.split()[0] if value else fallback
    try:
        Color.parse(colour)  # "auto 60%" and friends are CSS-only: not a colour Rich can draw
    except ColorParseError:
        return fallback
    return colour


def status_style(app: App, status: str, bold: bool = False) -> Style:
    return Style(color=theme_colour(app, f"status-{status}"), bold=bold)


def block_style(app: App, status: str) -> Style:
    return Style(color=theme_colour(app, f"block-{status}"))
