"""The one table of console commands, as data: the console makes every key binding (the
widgets' too), the command palette and the `?` help from it; `config check` and `config keys`
read it without loading the console. `[keys]` in config remaps any command by name.

Each command names the widget that owns it (`targets`); a key is looked up from the focused
widget outwards, so the same key may serve two widgets (`R`: retry failed frames in the task
list, retry the clip under the cursor in the block grid). Within one widget, two commands may
share a key when they never apply to the same item: `s` stops a render task or an NTV
transcode; the one whose action the item under the cursor offers runs.
A command whose name is an action of some kind runs that action (`service_action`); one action
name from the adapter to the key, the palette, `act` and the audit log.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

# Where a command's key is bound: "app"; "tasks" (the pane: actions, marks, filter), "table" (the
# task rows themselves: moving the cursor, opening parents), "streams", "blocks", "attention".
# (An adapter's ActionSpec.target is another thing: what the action applies to.)
Pane = Literal["app", "tasks", "table", "streams", "blocks", "attention"]


@dataclass(frozen=True, slots=True)
class Command:
    name: str              # stable id: [keys] in config, the binding id, the adapter action
    key: str               # Textual key name
    label: str             # footer and palette title
    help: str              # help screen and palette description
    action: str            # Textual action string, run on the target widget
    targets: tuple[Pane, ...] = ("app",)
    group: str = "console"   # help sections: selection, stream, blocks, console, navigation
    footer: bool = False
    service_action: bool = False   # the adapter action of the same name

    def display_key(self, keys: Mapping[str, str] | None = None) -> str:
        key = (keys or {}).get(self.name, self.key)
        return KEY_DISPLAY.get(key, key)


KEY_DISPLAY = {"question_mark": "?", "slash": "/", "space": "space", "plus": "+", "minus": "-",
               "ctrl+p": "^p", "enter": "enter", "tab": "tab", "left": "←", "right": "→",
               "up": "↑", "down": "↓", "home": "home", "end": "end", "pageup": "pgup",
               "pagedown": "pgdn", "escape": "esc"}
TASK_TARGETS: tuple[Pane, ...] = ("tasks", "attention")


def _act(name: str, key: str, label: str, help: str, *, targets: tuple[Pane, ...] = TASK_TARGETS,
         group: str = "selection", footer: bool = True) -> Command:
    return Command(name, key, label, help, f"service_action('{name}')", targets, group, footer,
                   service_action=True)


def _nav(name: str, key: str, label: str, action: str, targets: tuple[Pane, ...]) -> Command:
    return Command(name, key, label, label, action, targets, "navigation")


COMMANDS: tuple[Command, ...] = (
    # what acts on the selection: the keys on-call needs most come first
    _act("stop", "s", "Stop", "Stop the marked tasks, else the one under the cursor"),
    _act("stop_transcode", "s", "Stop transcode",
         "Stop the NTV transcode under the cursor (asks first)"),
    _act("resume", "g", "Resume", "Resume stopped tasks"),
    _act("abandon", "a", "Abandon", "Give up tasks (asks first)"),
    _act("delete", "d", "Delete", "Delete tasks (asks first)"),
    _act("full_speed", "f", "Full speed", "Render at full speed after test frames"),
    _act("retry_failed", "R", "Retry failed", "Resubmit the failed frames of tasks"),
    _act("retry_merge", "M", "Retry merge", "Merge an encoding's clips again (FinalRip)"),
    _act("clear", "C", "Clear", "Clear encoding tasks and their files (asks first)"),
    _act("untrack", "u", "Untrack", "Stop watching tracked tasks (EVA, enhance)",
         footer=False),
    Command("mark", "space", "Mark", "Mark or unmark the task under the cursor", "mark",
            ("tasks",), "selection"),
    Command("detail", "enter", "Detail", "Facts and every frame record of the task under the "
            "cursor", "detail", ("tasks",), "selection"),
    Command("jump", "enter", "Go to", "Go to the item under the cursor in its service", "jump",
            ("attention",), "selection"),
    Command("mute", "m", "Mute", "Mute the item under the cursor (for a while, or until it "
            "changes)", "mute", ("attention",), "selection", footer=True),
    Command("submit", "n", "New", "Start new work on the selected service (upload, render, "
            "enhance)", "submit", ("app",), "selection", footer=True),
    Command("track", "t", "Track", "Watch task ids on a service with no list call", "track",
            ("app",), "selection"),
    # streams
    _act("close_stream", "k", "Close stream", "Close the stream under the cursor (asks first); "
         "its publisher may reconnect", targets=("streams",), group="stream"),
    _act("disable_stream", "K", "Close + disable", "Close the stream and refuse new publishing "
         "until enabled (asks first)", targets=("streams",), group="stream"),
    _act("enable_stream", "e", "Enable stream", "Allow a disabled stream to publish again",
         targets=("streams",), group="stream"),
    Command("viewers", "enter", "Viewers", "Who watches the stream under the cursor",
            "viewers", ("streams",), "stream"),
    # the block grid
    _act("retry_encode", "R", "Retry clip", "Encode the FinalRip clip under the cursor again",
         targets=("blocks",), group="blocks"),
    # the console
    Command("quit", "q", "Quit", "Leave jobdeck", "quit", footer=True),
    Command("help", "question_mark", "Help", "Every key and what it does", "help", footer=True),
    Command("palette", "ctrl+p", "Palette", "Search every command", "command_palette"),
    Command("next_pane", "tab", "Next pane", "Move focus to the next pane", "focus_next"),
    Command("previous_pane", "shift+tab", "Previous pane", "Move focus to the previous pane",
            "focus_previous"),
    Command("filter", "slash", "Filter", "Show only tasks whose id, name or status match",
            "filter", ("tasks",), footer=True),
    Command("sort", "o", "Sort", "Cycle the task order: newest, name, status, progress", "sort",
            ("tasks",)),
    Command("refresh", "r", "Refresh", "Poll every service now", "refresh"),
    Command("pause", "P", "Pause", "Pause or resume live updates", "pause"),
    Command("faster", "plus", "Faster", "Poll more often", "faster"),
    Command("slower", "minus", "Slower", "Poll less often", "slower"),
    Command("theme", "T", "Theme", "Next colour theme", "next_theme"),
    Command("history", "H", "Alerts", "The alerts of this session", "history", footer=True),
    # moving around (widgets' own keys, remappable like the rest)
    _nav("expand", "right", "Expand a parent task", "expand", ("table",)),
    _nav("collapse", "left", "Collapse a parent task, or go to its parent", "collapse",
         ("table",)),
    _nav("cursor_up", "up", "Cursor up", "cursor(-1)",
         ("table", "attention", "streams", "blocks")),
    _nav("cursor_down", "down", "Cursor down", "cursor(1)",
         ("table", "attention", "streams", "blocks")),
    _nav("page_up", "pageup", "Page up", "page(-1)", ("table", "attention", "streams")),
    _nav("page_down", "pagedown", "Page down", "page(1)", ("table", "attention", "streams")),
    _nav("first", "home", "First row", "edge(0)", ("table", "attention", "streams", "blocks")),
    _nav("last", "end", "Last row", "edge(-1)", ("table", "attention", "streams", "blocks")),
    _nav("block_left", "left", "Previous block", "step(-1)", ("blocks",)),
    _nav("block_right", "right", "Next block", "step(1)", ("blocks",)),
)

BY_NAME = {c.name: c for c in COMMANDS}


def command_names() -> set[str]:
    return set(BY_NAME)


def commands_for(targets: Iterable[Pane]) -> list[Command]:
    wanted = set(targets)
    return [c for c in COMMANDS if wanted & set(c.targets)]


def service_actions() -> set[str]:
    """Adapter actions that have a key."""
    return {c.name for c in COMMANDS if c.service_action}


# Adapter actions with no key, on purpose: they take parameters a key cannot give (frame ids,
# seconds) or pick one client among many (the viewers list shows the ids). `jobdeck act` runs them.
CLI_ONLY = {"retry_frames", "set_timeout", "kick"}
