"""The service list: the attention view first, then one entry per service with its health,
what it is doing at a glance (failed first, then running / queued, live streams), a warning
mark, its balance and how many of its items are muted. A failing service says why and when it
is tried next. Counts are never cut: a word that does not fit goes whole to the next line."""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from jobdeck.tui.console.keymap import bindings_for
from jobdeck.tui.console.service_state import SLOW_MS, ServiceState, latency_text, rough_age
from jobdeck.tui.safe_text import clean, literal

DOTS = {"ok": "●", "stale": "◐", "error": "○", "waiting": "◌"}
ERROR_LINES = 2   # lines a failing service's reason may take in the list (its detail has it all)
ATTENTION = "attention"   # the first entry's id; no service may be called that


def _indent() -> Text:
    """A line below a service's name: two cells in, cut with an ellipsis, dim."""
    return Text("  ", no_wrap=True, overflow="ellipsis", style="dim")


def retry_words(next_try: float | None) -> str | None:
    """When a failing service is tried next, as its entry says it."""
    if next_try is None:
        return None
    # rough ages step by 10 s: "in 0s" would be a lie
    return "retry soon" if next_try < 10 else f"retry in {rough_age(next_try)}"


def slow_words(state: ServiceState) -> str | None:
    """How slow a healthy service answers, when slow enough to say."""
    if state.health != "ok" or state.latency_ms is None or state.latency_ms < SLOW_MS:
        return None
    return f"slow {latency_text(state.latency_ms)}"


@dataclass(slots=True)
class Glance:
    """Everything an entry shows besides the state: kept so an unchanged entry is not redrawn."""

    next_try: float | None = None
    attention: int = 0
    muted: int = 0


class ServiceList(OptionList, inherit_bindings=False):
    """Entries are replaced in place by id, so the highlight never jumps on a refresh. Its keys
    come from the one table, as every list's do (`cursor_down = "j"` moves here too)."""

    BINDINGS = bindings_for("services")

    def __init__(self, states: list[ServiceState], **kwargs: object) -> None:
        self._shown: dict[str, Text] = {}
        self._last: dict[str, tuple] = {}   # what each entry was last drawn from
        self._inputs: dict[str, tuple] = {}   # ... as drawn_from() puts it
        super().__init__(**kwargs)
        self.add_option(Option(self.attention_prompt(0, 0), id=ATTENTION))
        self.add_options([Option(self.prompt(s), id=s.name) for s in states])

    def _colour(self, variable: str) -> str:
        if not variable or not self.is_attached:
            return ""
        return self.app.theme_variables.get(variable.lstrip("$"), "")

    def attention_prompt(self, items: int, muted: int) -> Text:
        line = Text(no_wrap=True, overflow="ellipsis", end="")
        style = self._colour("$error") if items else self._colour("$success")
        line.append("◆ " if items else "◇ ", style=style)
        line.append("attention", style="bold")
        line.append(f" {items}" if items else " all clear", style=style)
        line.append("\n")
        line.append(f"  every service{f' · {muted} muted' if muted else ''}", style="dim")
        return line

    def prompt(self, state: ServiceState, now: float | None = None,
               glance: Glance | None = None) -> Text:
        """The name's line, then phrases ("2 fail · 4 run · bal 1,250.40") wrapped by whole
        words to the list's width, so a count or a state is cut only if it alone is wider
        than the list. What follows the name ("stale 3m", "ok", "slow 1.2s") goes below it when
        the line has no room: the state first, how slow last; the reason a service fails
        starts a line and takes up to ERROR_LINES, and only its end is cut."""
        glance = glance or Glance()
        health = state.health
        style = self._colour({"ok": "$success", "stale": "$warning",
                              "error": "$error"}.get(health, ""))
        line = Text(no_wrap=True, overflow="ellipsis")
        line.append(DOTS[health] + " ", style=style)
        line.append_text(literal(state.name, "bold"))
        if glance.attention:
            line.append(f" !{glance.attention}", style=self._colour("$error") or "bold")
        if state.warnings:
            line.append(" ⚠", style=self._colour("$warning"))
        state_word = Text("ok", style=style) if health == "ok" else \
            Text(f"stale {rough_age(state.stale_for(now))}", style=style) \
            if health == "stale" else Text("error", style=style) if health == "error" else \
            Text("connecting…", style="dim")
        slowly = slow_words(state)
        slow = Text(slowly, style=self._colour("$warning")) if slowly else None
        beside = [word for word in (state_word, slow) if word is not None]
        width = self.scrollable_content_region.width if self.is_attached else 0
        while beside and (width <= 4 or cell_len(line.plain) + 1 + cell_len(beside[0].plain)
                          <= width - 1):   # after the name, while there is room
            word = beside.pop(0)
            line.append(f" {word.plain}", style=word.style)
        # what did not fit: the state leads the lines below; how slow, last
        phrases: list[list[Text]] = []   # words in a phrase are joined by " ", phrases by " · "
        if state_word in beside:
            phrases.append([state_word])
        leading = len(phrases)
        snapshot = state.snapshot
        reason: list[Text] = []
        if state.error:
            retry = retry_words(glance.next_try)
            if retry:
                phrases.append([Text(retry)])
            words = [literal(word) for word in state.error.split() if clean(word)]
            reason = self._wrap([words], width)
            if len(reason) > ERROR_LINES:   # the last line takes the rest, cut where it ends
                shown = sum(len(line.plain.split()) for line in reason[:ERROR_LINES - 1])
                rest = _indent()
                rest.append_text(Text(" ").join(words[shown:]))
                reason = [*reason[:ERROR_LINES - 1], rest]
        elif snapshot is not None:
            counts = state.counts()
            phrases.extend([Text(f"{counts[k]} {w}", style=self._colour("$error")
                                 if k == "failed" else "")]
                           for k, w in (("failed", "fail"), ("running", "run"),
                                        ("queued", "wait"), ("live", "live")) if counts[k])
            account = snapshot.account
            if account is not None and account.available is not None:   # coupon, credit too
                phrases.append([Text(f"bal {account.available:,.2f}")])
            if len(phrases) == leading:
                phrases.append([Text("nothing running" if snapshot.tasks or snapshot.streams
                                     else "no tasks")])
        else:
            phrases.append([Text(state.kind)])
        if glance.muted:
            phrases.append([Text(f"{glance.muted} muted")])
        if slow in beside:
            phrases.append([slow])
        lines = [*self._wrap(phrases, width), *reason]
        if state.warnings and not state.error:
            lines.append(_indent())
            lines[-1].append_text(literal("⚠ " + state.warnings[0]))
        if width > 4:  # OptionList wraps long prompts; each line must stay one line
            line.truncate(width - 1, overflow="ellipsis")
            for each in lines:
                each.truncate(width - 1, overflow="ellipsis")
        prompt = Text(no_wrap=True, overflow="ellipsis", end="")
        prompt.append_text(line)
        for each in lines:
            prompt.append("\n")
            prompt.append_text(each)
        return prompt

    @staticmethod
    def _wrap(phrases: list[list[Text]], width: int) -> list[Text]:
        """Whole words, two cells in; a word that does not fit starts the next line."""
        lines = [_indent()]
        for number, phrase in enumerate(phrases):
            for index, word in enumerate(phrase):
                joint = "" if len(lines[-1]) <= 2 else " · " if index == 0 and number else " "
                if len(lines[-1]) > 2 and width > 4 and \
                        cell_len(lines[-1].plain) + len(joint) + cell_len(word.plain) > width - 1:
                    lines.append(_indent())
                    joint = ""
                lines[-1].append(joint)
                lines[-1].append_text(word)
        return lines if len(lines[0]) > 2 else []

    def _replace(self, option_id: str, prompt: Text) -> None:
        key = prompt.plain + repr(prompt.spans)
        if self._shown.get(option_id) != key:
            self._shown[option_id] = key
            if not self._redraw_in_place(option_id, prompt):
                self.replace_option_prompt(option_id, prompt)

    def _redraw_in_place(self, option_id: str, prompt: Text) -> bool:
        """A new prompt of as many lines as the old: only its lines are drawn again.
        OptionList's own replace drops every entry's rendering and repaints the whole list,
        which on a busy account was most of what a poll cost the screen. This leans on
        OptionList's caches (Textual 8); should they change, False: the full replace."""
        try:
            index = self.get_option_index(option_id)
            option = self.options[index]
            lines = self._line_cache
            height = lines.heights[index]
            first = lines.index_to_line[index]
            renders = self._option_render_cache
        except (AttributeError, KeyError, LookupError):
            return False
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - self._get_left_gutter_width()
        if width - padding.width <= 0:
            return False   # folded away (80 columns, attention view): nothing to measure at
        option._set_prompt(prompt)
        if self._get_visual(option).get_height(self.styles, width - padding.width) != height:
            return False
        for cached in [k for k in renders.keys() if k[0] is option]:
            renders.discard(cached)
        self.refresh_lines(first, height)
        return True

    def drawn_from(self, state: ServiceState, now: float | None = None,
                   glance: Glance | None = None) -> tuple:
        """Everything prompt() draws from, as plain values (ages as rough as it shows them):
        the tick asks every entry every second, and one whose inputs are as last drawn is not
        made again. What prompt() comes to show must be named here too."""
        glance = glance or Glance()
        health, snapshot = state.health, state.snapshot
        shows: tuple = ()
        if state.error:
            shows = (state.error, retry_words(glance.next_try))
        elif snapshot is not None:
            account = snapshot.account
            shows = (tuple(state.counts().values()),
                     account.available if account is not None else None,
                     bool(snapshot.tasks or snapshot.streams))
        return (health, state.name, state.kind, glance.attention, glance.muted,
                tuple(state.warnings[:1]), shows,
                rough_age(state.stale_for(now)) if health == "stale" else None,
                slow_words(state),
                self.scrollable_content_region.width if self.is_attached else 0,
                self.app.theme if self.is_attached else None)

    def update_state(self, state: ServiceState, now: float | None = None,
                     glance: Glance | None = None) -> None:
        self._last[state.name] = (state, now, glance)
        inputs = self.drawn_from(state, now, glance)
        if self._inputs.get(state.name) != inputs:
            self._inputs[state.name] = inputs
            self._replace(state.name, self.prompt(state, now, glance))

    def update_attention(self, items: int, muted: int) -> None:
        self._replace(ATTENTION, self.attention_prompt(items, muted))

    def on_resize(self) -> None:
        """Lines wrap to the width: a new width (the list unfolded) wraps them again."""
        for state, now, glance in list(self._last.values()):
            self._replace(state.name, self.prompt(state, now, glance))

    class OpenRequested(Message):
        """Go into the highlighted entry: its pane takes the focus."""

    class ActionRequested(Message):
        """Run an action on the highlighted service's account (its default timeout)."""

        def __init__(self, service: str, action: str) -> None:
            super().__init__()
            self.service, self.action = service, action

    def _state(self) -> ServiceState | None:
        name = self.selected_service
        kept = self._last.get(name) if name else None
        return kept[0] if kept else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "service_action":
            state = self._state()
            return state is not None and state.can.may(str(parameters[0]))
        return True

    def why_not(self, action: str, parameters: tuple[object, ...], label: str) -> str:
        state = self._state()
        if state is None:
            return "choose a service first"
        if not state.can.may_write:
            return "read-only: actions are switched off"
        return f"{state.name} is a {state.kind} service: it has no such action"

    def action_service_action(self, name: str) -> None:
        state = self._state()
        if state is not None and state.can.may(name):
            self.post_message(self.ActionRequested(state.name, name))

    def action_open(self) -> None:
        self.post_message(self.OpenRequested())

    def action_cursor(self, step: int) -> None:
        (self.action_cursor_down if step > 0 else self.action_cursor_up)()

    def action_page(self, direction: int) -> None:
        (self.action_page_down if direction > 0 else self.action_page_up)()

    def action_edge(self, where: int) -> None:
        (self.action_first if where == 0 else self.action_last)()

    @property
    def selected_service(self) -> str | None:
        option = self.highlighted_option
        return option.id if option else None
