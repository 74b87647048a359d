"""Themes are data: every themes/*.toml becomes a textual Theme registered at start."""

from __future__ import annotations

import tomllib
from importlib import resources

from textual.theme import Theme

THEME_FIELDS = {"name", "dark", "primary", "secondary", "accent", "warning", "error", "success",
                "foreground", "background", "surface", "panel", "boost", "variables"}
# Fallbacks so a theme without our variables (a Textual built-in) still colours every status.
STATUS_DEFAULTS = {
    "status-queued": "$secondary", "status-running": "$primary", "status-stopped": "$warning",
    "status-done": "$success", "status-partial": "$accent", "status-failed": "$error",
    "status-abandoned": "$panel-lighten-3", "status-unknown": "$secondary",
    "block-waiting": "$panel-lighten-2", "block-running": "$primary", "block-done": "$success",
    "block-failed": "$error", "block-stopped": "$warning", "mark": "$accent",
}


def load_themes() -> list[Theme]:
    themes: list[Theme] = []
    for entry in sorted(resources.files("jobdeck.themes").iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".toml"):
            continue
        data = tomllib.loads(entry.read_text(encoding="utf-8"))
        unknown = set(data) - THEME_FIELDS
        if unknown:
            raise ValueError(f"theme {entry.name}: unknown keys {sorted(unknown)}")
        themes.append(Theme(**data))
    return themes


def theme_ring(available: list[str]) -> list[str]:
    """What T cycles through: ours, then one of Textual's (shows the fallbacks work)."""
    return [*sorted(n for n in available if n.startswith("jobdeck-")), "textual-dark"]
