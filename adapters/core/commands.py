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
# task rows themselves: moving the cursor, opening parents), "streams", "blocks", "attention",
# "viewers" (the list `enter` opens on a stream); "frames" (the frame list `enter` opens on a
# task); "replay" (the replayed console's own keys);
# "services" (the service list). (An adapter's ActionSpec.target is another thing: what the
# action applies to.)
Pane = Literal["app", "tasks", "table", "streams", "blocks", "attention", "viewers", "replay",
               "services", "frames"]


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
               "pagedown": "pgdn", "escape": "esc", "full_stop": ".", "comma": ",",
               "greater_than_sign": ">", "less_than_sign": "<"}
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
    _act("start", "g", "Start", "Start a pending FinalRip encode (asks for its script and "
         "command)"),
    _act("abandon", "a", "Abandon", "Give up tasks (asks first)"),
    _act("delete", "d", "Delete", "Delete tasks (asks first)"),
    _act("full_speed", "f", "Full speed", "Render at full speed after test frames"),
    _act("retry_failed", "R", "Retry failed", "Resubmit the failed frames of tasks"),
    _act("retry_merge", "M", "Retry merge", "Merge an encoding's clips again (FinalRip)"),
    _act("clear", "C", "Clear", "Clear encoding tasks and their files (asks first)"),
    _act("untrack", "u", "Untrack", "Stop watching tracked tasks (EVA, enhance)"),
    _act("set_timeout", "L", "Time limit", "Stop tasks after so many hours of rendering "
         "(Renderbus; asks for the hours)", footer=False),
    Command("mark", "space", "Mark", "Mark or unmark the task under the cursor, then move down "
            "(marking a parent says whether its sub-tasks go with it); in the block grid and "
            "the frame list, the frame to retry", "mark", ("tasks", "blocks", "frames"),
            "selection"),
    Command("clear_marks", "escape", "Clear marks", "Clear the marks and the filter (in the "
            "block grid, its marks)", "clear_marks", ("tasks", "blocks"), "selection"),
    Command("copy", "y", "Copy id", "Copy the whole id of the item under the cursor",
            "copy_id", ("tasks", "attention", "streams"), "selection"),
    Command("detail", "enter", "Detail", "Facts and every frame record of the task under the "
            "cursor", "detail", ("tasks",), "selection"),
    Command("jump", "enter", "Go to", "Go to the item under the cursor in its service", "jump",
            ("attention",), "selection"),
    Command("mute", "m", "Mute", "Mute the item under the cursor (for a while, or until it "
            "changes)", "mute", ("attention",), "selection", footer=True),
    Command("submit", "n", "New", "Start new work on the selected service (upload, render, "
            "enhance)", "submit", ("app",), "selection", footer=True),
    Command("track", "t", "Track", "Watch task ids on a service with no list call", "track",
            ("app",), "selection", footer=True),
    # streams
    _act("close_stream", "k", "Close stream", "Close the stream under the cursor (asks first); "
         "its publisher may reconnect", targets=("streams",), group="stream"),
    _act("disable_stream", "K", "Close + disable", "Close the stream and refuse new publishing "
         "until enabled (asks first)", targets=("streams",), group="stream"),
    _act("enable_stream", "e", "Enable stream", "Allow a disabled stream to publish again",
         targets=("streams",), group="stream"),
    _act("start_recording", "c", "Record", "Start recording the live stream under the cursor "
         "(NTV on-demand recording)", targets=("streams",), group="stream"),
    _act("stop_recording", "c", "Stop recording", "Stop recording the stream under the cursor "
         "(asks first)", targets=("streams",), group="stream"),
    _act("start_relay", "g", "Start relay", "Start the NTV relay under the cursor",
         targets=("streams",), group="stream"),
    _act("stop_relay", "s", "Stop relay", "Stop the NTV relay under the cursor (asks first)",
         targets=("streams",), group="stream"),
    Command("viewers", "enter", "Viewers", "Who watches the stream under the cursor",
            "viewers", ("streams",), "stream"),
    _act("kick", "k", "Kick", "In the viewers list: disconnect the player under the cursor "
         "(asks first). nginx-rtmp can; NTV has no per-viewer kick", targets=("viewers",),
         group="stream"),
    # the block grid
    _act("retry_encode", "R", "Retry clip", "Encode the FinalRip clip under the cursor again",
         targets=("blocks",), group="blocks"),
    _act("retry_frames", "R", "Retry frames", "Render the marked frames again, else the one "
         "under the cursor (Renderbus; in the block grid and the frame list; asks first)",
         targets=("blocks", "frames"), group="blocks"),
    # the console
    Command("quit", "q", "Quit", "Leave jobdeck", "quit", footer=True),
    Command("help", "question_mark", "Help", "Every key and what it does", "help", footer=True),
    Command("palette", "ctrl+p", "Palette", "Search every command", "command_palette"),
    Command("next_pane", "tab", "Next pane", "Move focus to the next pane", "focus_next"),
    Command("previous_pane", "shift+tab", "Previous pane", "Move focus to the previous pane",
            "focus_previous"),
    Command("filter", "slash", "Filter", "Show only tasks whose id, name, status, project or "
            "user match", "filter", ("tasks",), footer=True),
    Command("sort", "o", "Sort", "Cycle the task order: newest, name, status, progress, then "
            "the extra columns turned on", "sort", ("tasks",)),
    Command("columns", "v", "Columns", "Turn the task list's extra columns on or off: elapsed, "
            "ETA, cost, project, user", "columns", ("tasks",)),
    Command("reverse", "O", "Reverse", "Reverse the task order (oldest first, Z to A ...)",
            "reverse", ("tasks",)),
    Command("refresh", "r", "Refresh", "Poll every service now", "refresh"),
    Command("pause", "P", "Pause", "Pause or resume live updates", "pause"),
    Command("faster", "plus", "Faster", "Poll more often", "faster"),
    Command("slower", "minus", "Slower", "Poll less often", "slower"),
    Command("theme", "T", "Theme", "Next colour theme", "next_theme"),
    Command("history", "H", "Alerts", "Alerts and actions as recorded, across restarts "
            "(filter by service and event; enter goes to the item)", "history", footer=True),
    _act("set_default_timeout", "L", "Default time limit", "The account's default timeout for "
         "new tasks, in hours (Renderbus; in the service list)", targets=("services",),
         group="console", footer=False),
    Command("trends", "i", "Trends", "The last hour of the selected service (every service from "
            "attention) as sparklines", "trends"),
    Command("service_info", "I", "Service details", "The selected service's details: its "
            "account (the balance and its parts, the default time limit), interface, every "
            "warning, the farm's frame totals (Renderbus)",
            "service_info"),
    # replay (`jobdeck replay`): the recorded past, read-only
    Command("next_poll", "full_stop", "Next poll", "Step to the next recorded poll",
            "replay_step(1)", ("replay",), "replay", footer=True),
    Command("previous_poll", "comma", "Previous poll", "Step back to the poll before",
            "replay_step(-1)", ("replay",), "replay", footer=True),
    Command("next_event", "greater_than_sign", "Next event",
            "Jump to the next transition", "replay_jump(1)", ("replay",), "replay", footer=True),
    Command("previous_event", "less_than_sign", "Previous event",
            "Jump back to the transition before", "replay_jump(-1)", ("replay",), "replay"),
    # moving around (widgets' own keys, remappable like the rest)
    _nav("open", "enter", "Go into the service under the highlight", "open", ("services",)),
    _nav("expand", "right", "Expand a parent task", "expand", ("table",)),
    _nav("collapse", "left", "Collapse a parent task, or go to its parent", "collapse",
         ("table",)),
    _nav("cursor_up", "up", "Cursor up", "cursor(-1)",
         ("table", "attention", "streams", "blocks", "services")),
    _nav("cursor_down", "down", "Cursor down", "cursor(1)",
         ("table", "attention", "streams", "blocks", "services")),
    _nav("page_up", "pageup", "Page up", "page(-1)", ("table", "attention", "streams",
                                                      "services")),
    _nav("page_down", "pagedown", "Page down", "page(1)", ("table", "attention", "streams",
                                                           "services")),
    _nav("first", "home", "First row", "edge(0)", ("table", "attention", "streams", "blocks",
                                                   "services")),
    _nav("last", "end", "Last row", "edge(-1)", ("table", "attention", "streams", "blocks",
                                                 "services")),
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


# Adapter actions with no key, on purpose: they pick one client among many (the viewers list
# shows the ids). `jobdeck act` runs them.
CLI_ONLY = {"kick"}


# Keys: which names are keys, and which remaps collide ------------------------------------------

# The widgets a key passes through, focused first: a key answers the first command it meets.
CHAINS: tuple[tuple[Pane, ...], ...] = (("table", "tasks", "app"), ("attention", "app"),
                                        ("streams", "app"), ("blocks", "app"), ("services", "app"))
WHERE = {"table": "the task list", "tasks": "the task list", "attention": "the attention view",
         "viewers": "the viewers list", "replay": "a replay", "frames": "the frame list",
         "streams": "the streams pane", "blocks": "the block grid", "services": "the service list",
         "app": "every pane"}
# Commands that share a key by design: they never apply to the same item (the item decides).
SHARED = (frozenset({"stop", "stop_transcode"}), frozenset({"stop", "stop_relay"}),
          frozenset({"stop_transcode", "stop_relay"}), frozenset({"resume", "start"}),
          frozenset({"retry_encode", "retry_frames"}))
NAMED_KEYS = {"escape", "enter", "tab", "space", "backspace", "delete", "insert", "home", "end",
              "pageup", "pagedown", "up", "down", "left", "right",
              *(f"f{n}" for n in range(1, 25))}
MODIFIERS = ("ctrl", "shift", "alt", "meta", "super", "hyper")


def _punctuation_names() -> frozenset[str]:
    """The names Textual gives ASCII punctuation keys ("greater_than_sign" for ">")."""
    import string
    import unicodedata
    return frozenset(unicodedata.name(c).lower().replace("-", "_").replace(" ", "_")
                     for c in string.punctuation)


PUNCTUATION_NAMES = _punctuation_names()


def normal_key(key: str) -> str | None:
    """The key's name as the terminal reports it ("?" -> "question_mark", "ctrl+s"), or None
    when `key` names no key ("xx", "ctrl+")."""
    import unicodedata

    *mods, base = key.strip().split("+")
    if any(m not in MODIFIERS for m in mods) or not base:
        return None
    if len(base) == 1:
        if not base.isprintable() or base.isspace():
            return None
        if not base.isalnum():
            base = unicodedata.name(base, base).lower().replace("-", "_").replace(" ", "_")
            base = {"solidus": "slash", "reverse_solidus": "backslash", "commercial_at": "at",
                    "hyphen_minus": "minus", "plus_sign": "plus", "low_line": "underscore"
                    }.get(base, base)
    elif base not in NAMED_KEYS and base not in PUNCTUATION_NAMES:
        try:
            if len(unicodedata.lookup(base.replace("_", " ").upper())) != 1:
                return None
        except KeyError:
            if base not in ("slash", "backslash", "at", "minus", "plus", "underscore"):
                return None
    return "+".join([*mods, base])


def key_problems(keys: Mapping[str, str]) -> list[str]:
    """What is wrong with these [keys] remaps: keys that are not keys, and two commands that
    would answer the same key in the same place (one would never run). Empty: all fine."""
    problems: list[str] = []
    effective: dict[str, str] = {}
    for command in COMMANDS:
        key = keys.get(command.name, command.key)
        name = normal_key(key)
        if name is None:
            problems.append(f"{command.name} = {key!r}: not a key (one key name, like \"x\", "
                            "\"ctrl+s\", \"f5\" or \"pagedown\")")
        else:
            effective[command.name] = name
    seen: set[frozenset[str]] = set()
    for chain in CHAINS:
        holder: dict[str, Command] = {}
        for pane in chain:
            for command in COMMANDS:
                key = effective.get(command.name)
                if pane not in command.targets or key is None:
                    continue
                other = holder.setdefault(key, command)
                pair = frozenset({other.name, command.name})
                if other is command or pair in SHARED or pair in seen or \
                        not pair & set(keys):
                    continue
                seen.add(pair)
                mine, theirs = (command, other) if command.name in keys else (other, command)
                their_key = keys.get(theirs.name, theirs.key)
                problems.append(f"{mine.name} = {keys[mine.name]!r} collides with {theirs.name} "
                                f"({KEY_DISPLAY.get(their_key, their_key)}) in "
                                f"{WHERE[chain[0]]}: one of them would never run")
    return problems
