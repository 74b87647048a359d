"""`jobdeck report`: a handover summary in Markdown, for pasting into a ticket or a chat.

Per service, from the history store: time down, tasks finished, failed, stalled and still
failing, streams lost, actions taken (who, what, outcome), the balance's change, and the trends
the console draws as numbers (adapters/core/handover.py computes them). Names the services
gave are escaped, so a task called `| **x**` stays text in any Markdown renderer.
"""

from __future__ import annotations

import argparse
import re
from datetime import UTC, datetime

from jobdeck.adapters.core.handover import ServiceShift, lists_streams, shift
from jobdeck.adapters.core.history import Event

from .common import EXIT_OK, say
from .history import open_store, since_of

SHOWN = 8   # items named per line before "and N more"
_MARKDOWN = re.compile(r"([\\`*_{}\[\]<>()#+!|~])")


def md(text: object) -> str:
    """Service text as literal Markdown: special characters escaped, on one line."""
    return _MARKDOWN.sub(r"\\\1", " ".join(str(text).split()))


def code(text: object) -> str:
    """An id as a code span: no escapes inside one, so its backticks are what must go."""
    return "`" + " ".join(str(text).split()).replace("`", "'") + "`"


def span_words(seconds: float) -> str:
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min" + (f" {seconds % 60} s" if seconds % 60 else "")
    return f"{seconds // 3600} h" + (f" {seconds % 3600 // 60} min" if seconds % 3600 >= 60 else "")


def clock(moment: datetime, long: bool) -> str:
    return moment.astimezone(UTC).strftime("%m-%d %H:%M" if long else "%H:%M")


def money(value: float) -> str:
    return f"{value:,.2f}"


def listed(items: list[str]) -> str:
    more = len(items) - SHOWN
    return ", ".join(items[:SHOWN]) + (f" and {more} more" if more > 0 else "")


def task_words(event: Event, long: bool) -> str:
    t = event.transition
    assert t is not None
    name = f" {md(t.name)}" if t.name not in ("", t.id) else ""
    detail = f" ({md(t.detail)})" if t.detail else ""
    return f"{code(t.id)}{name} at {clock(t.at, long)}{detail}"


def action_words(entry: dict, long: bool) -> str:
    at = datetime.fromisoformat(str(entry.get("at", "")).replace("Z", "+00:00"))
    targets = " ".join(code(t) for t in entry.get("targets") or [])
    outcome = entry.get("outcome") or ("done" if entry.get("ok") else "refused")
    message = f" ({md(entry['message'])})" if entry.get("message") else ""
    via = f" via {md(entry['via'])}" if entry.get("via") else ""
    return f"{clock(at, long)} {md(entry.get('user') or 'someone')}{via}: " \
           f"{md(entry.get('action'))} {targets} → **{md(outcome)}**{message}"


def balance_words(s: ServiceShift) -> str:
    if s.balance_start is None or s.balance_end is None:
        return "–"
    change = s.balance_change or 0.0
    sign = "+" if change > 0 else "−" if change < 0 else "±"
    return f"{money(s.balance_start)} → {money(s.balance_end)} ({sign}{money(abs(change))})"


def down_words(s: ServiceShift) -> str:
    if not s.outages:
        return "never"
    words = f"{span_words(s.down_s)} in {s.outages} outage{'s' if s.outages != 1 else ''}"
    if s.outages > 1:
        words += f", the longest {span_words(s.longest_s)}"
    return words + ("; **down at the end**" if s.down_now else "")


def render(shifts: list[ServiceShift], since: datetime, until: datetime) -> str:
    long = (until - since).total_seconds() > 86400
    lines = [f"# Handover: {since.astimezone(UTC):%Y-%m-%d %H:%M} → "
             f"{until.astimezone(UTC):%Y-%m-%d %H:%M} UTC "
             f"({span_words((until - since).total_seconds())})", ""]
    if not shifts:
        return "\n".join([*lines, "Nothing was recorded in this time.", ""])
    lines += ["| service | down | finished | failed | still failing | streams lost | actions "
              "| balance |", "|---|---|--:|--:|--:|--:|--:|---|"]
    for s in shifts:
        down = span_words(s.down_s) if s.outages else "–"
        lines.append(f"| {md(s.name)} | {down} | {s.finished} | {len(s.failed)} | "
                     f"{len(s.still_failing)} | {len(s.streams_lost)} | {len(s.actions)} | "
                     f"{balance_words(s)} |")
    for s in shifts:
        lines += ["", f"## {md(s.name)} ({md(s.kind)})", ""]
        lines.append(f"- **Down:** {down_words(s)}")
        tasks = [f"{s.finished} finished"]
        if s.failed:
            tasks.append(f"{len(s.failed)} failed: "
                         f"{listed([task_words(e, long) for e in s.failed])}")
        if s.stalled:
            tasks.append(f"{len(s.stalled)} stalled: "
                         f"{listed([task_words(e, long) for e in s.stalled])}")
        if not lists_streams(s.kind) or s.failed or s.finished:
            lines.append(f"- **Tasks:** {'; '.join(tasks)}")
        if s.still_failing:
            lines.append("- **Still failing:** " + listed(
                [code(i) + (f" {md(n)}" if n not in ("", i) else "") + f" ({st})"
                 for i, n, st in s.still_failing]))
        if s.streams_lost:
            lines.append("- **Streams lost:** " + listed(
                [f"{code(e.transition.id)} at {clock(e.at, long)}" for e in s.streams_lost
                 if e.transition is not None]))
        if s.actions:
            lines.append("- **Actions:**")
            lines += [f"  - {action_words(a, long)}" for a in s.actions]
        else:
            lines.append("- **Actions:** none")
        if s.balance_start is not None:
            lines.append(f"- **Balance:** {balance_words(s)}")
        lines.append("- **Trends:** " + " · ".join(f"{t.words} {t.figure()}"
                                                    for t in s.trends))
    return "\n".join(lines) + "\n"


def report(args: argparse.Namespace) -> int:
    until = datetime.now(UTC)
    since = since_of(args.since, until)
    store = open_store()
    if not store.path.exists():
        say(f"jobdeck: nothing recorded yet in {store.path}; the console and `jobdeck watch` "
            "record there", err=True)
        return EXIT_OK
    try:
        shifts = shift(store, since, until)
    finally:
        store.close()
    for line in render(shifts, since, until).splitlines():
        say(line)   # each line cleaned of escapes and controls
    return EXIT_OK
