"""The one table of console commands: it feeds the key bindings, the command palette and `?` help."""

from __future__ import annotations

from dataclasses import dataclass, replace

from jobdeck.adapters.model import ConfigError
from textual.binding import Binding


@dataclass(frozen=True, slots=True)
class Command:
    name: str              # stable id, used by [keys] in config
    key: str               # Textual key name
    label: str             # footer and palette title
    help: str              # help screen and palette description
    action: str            # Textual action string on the app
    group: str = "view"    # view | task | stream
    footer: bool = True
    service_action: str | None = None   # the adapter action this runs, if any

    @property
    def display_key(self) -> str:
        return KEY_DISPLAY.get(self.key, self.key)


KEY_DISPLAY = {"question_mark": "?", "slash": "/", "space": "space", "plus": "+", "minus": "-",
               "ctrl+p": "^p", "enter": "enter", "tab": "tab"}


def _task(name: str, key: str, label: str, help: str) -> Command:
    return Command(name, key, label, help, f"service_action('{name}')", group="task",
                   service_action=name)


COMMANDS: tuple[Command, ...] = (
    Command("quit", "q", "Quit", "Leave jobdeck", "quit"),
    Command("help", "question_mark", "Help", "Every key and what it does", "help"),
    Command("palette", "ctrl+p", "Palette", "Search every command", "command_palette",
            footer=False),
    Command("next_pane", "tab", "Next pane", "Move focus to the next pane", "app.focus_next",
            footer=False),
    Command("detail", "enter", "Detail", "Frames and facts of the task under the cursor",
            "detail", footer=False),
    Command("filter", "slash", "Filter", "Show only tasks whose id, name or status match",
            "filter"),
    Command("sort", "o", "Sort", "Cycle the task order: newest, name, status, progress", "sort",
            footer=False),
    Command("mark", "space", "Mark", "Mark or unmark the task under the cursor", "mark",
            footer=False),
    Command("refresh", "r", "Refresh", "Poll every service now", "refresh", footer=False),
    Command("pause", "P", "Pause", "Pause or resume live updates", "pause", footer=False),
    Command("faster", "plus", "Faster", "Poll more often", "faster", footer=False),
    Command("slower", "minus", "Slower", "Poll less often", "slower", footer=False),
    Command("theme", "T", "Theme", "Next colour theme", "next_theme", footer=False),
    Command("submit", "n", "New", "Start new work on the selected service (upload, render, "
            "enhance)", "submit", group="task"),
    Command("track", "t", "Track", "Watch task ids on a service with no list call", "track",
            group="task", footer=False),
    _task("stop", "s", "Stop", "Stop the marked tasks, else the one under the cursor"),
    _task("resume", "g", "Resume", "Resume stopped tasks"),
    _task("abandon", "a", "Abandon", "Give up tasks (asks first)"),
    _task("delete", "d", "Delete", "Delete tasks (asks first)"),
    _task("full_speed", "f", "Full speed", "Render at full speed after test frames"),
    _task("retry_failed", "R", "Retry failed", "Resubmit the failed frames of tasks"),
    _task("retry_merge", "M", "Retry merge", "Merge an encoding's clips again (FinalRip)"),
    _task("clear", "C", "Clear", "Clear encoding tasks (asks first)"),
    _task("untrack", "u", "Untrack", "Stop watching tracked tasks (EVA, enhance)"),
    _task("stop_transcode", "s", "Stop transcode", "Stop the transcode under the cursor (NTV, "
          "asks first)"),
    Command("close_stream", "k", "Close stream", "Close the stream under the cursor (asks "
            "first); its publisher may reconnect", "stream_action('close_stream')",
            group="stream"),
    Command("disable_stream", "K", "Close + disable", "Close the stream and refuse new "
            "publishing until enabled (asks first)", "stream_action('disable_stream')",
            group="stream"),
    Command("enable_stream", "e", "Enable stream", "Allow a disabled stream to publish again",
            "stream_action('enable_stream')", group="stream"),
    Command("viewers", "enter", "Viewers", "In the streams pane: who watches the stream under "
            "the cursor", "viewers", group="stream", footer=False),
    Command("retry_clip", "R", "Retry clip", "In the block grid: encode the clip under the "
            "cursor again (FinalRip)", "retry_block", group="blocks", footer=False),
)


def commands_with_keys(overrides: dict[str, str]) -> tuple[Command, ...]:
    """Apply [keys] from config; an unknown command name is an error worth reporting."""
    names = {c.name for c in COMMANDS}
    unknown = sorted(set(overrides) - names)
    if unknown:
        raise ConfigError(f"[keys]: unknown command {unknown[0]!r} (known: {', '.join(sorted(names))})")
    return tuple(replace(c, key=overrides.get(c.name, c.key)) for c in COMMANDS)


def bindings_for(commands: tuple[Command, ...]) -> list[Binding]:
    return [Binding(c.key, c.action, c.label, show=c.footer, key_display=c.display_key
                    if c.key in KEY_DISPLAY else None)
            for c in commands
            if c.name != "next_pane" and c.group != "blocks" and c.name != "viewers"]
