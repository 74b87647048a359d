"""A task's facts as text: output link, error, kind-specific details (sizes, face lists), and
what a render farm says of it (cost, times, project, user, limits: `farm_facts`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from rich.text import Text

from jobdeck.adapters.contract.model import Task, iso
from jobdeck.adapters.core.task_times import duration_text, elapsed_s, eta_s
from jobdeck.tui.safe_text import clean

LABELS = {"input": "input", "output": "output", "input_url": "source", "size": "size",
          "encode_size": "encoded size", "faces": "faces"}


def task_facts(task: Task) -> Text:
    text = Text(no_wrap=True, overflow="ellipsis", end="")

    def line(label: str, value: Any, style: str = "") -> None:
        if value in (None, "", []):
            return
        if text.plain:
            text.append("\n")
        text.append(f"{label:>12}  ", style="bold")
        text.append(clean(value), style=style)

    line("task", f"{task.id} · {task.status} (raw {task.raw_status})")
    if task.queue_position:
        line("queue", f"#{task.queue_position}")
    line("output", task.output_url, "underline")
    line("error", task.error, "bold")
    line("submitted", iso(task.submitted_at))
    for label, value in farm_facts(task, datetime.now(UTC)):
        line(label, value)
    for key, value in task.details.items():
        if key == "faces" and isinstance(value, list):
            line("faces", f"{len(value)}" if value else None)
            for number, face in enumerate(value, 1):
                line(f"face {number}", " → ".join(str(v) for v in (
                    face.get("input"), face.get("output"), face.get("output_url")) if v))
        elif key == "clips" and isinstance(value, list) and len(value) == 2:
            line("clips", f"{value[0]} of {value[1]} encoded")
        else:
            line(LABELS.get(key, key.replace("_", " ")), value)
    return text


def money(value: float | None) -> str | None:
    return None if value is None else f"{value:,.2f}"


def limit_text(seconds: float) -> str:
    """A time limit as L asks for it and I shows the default: "6 h", "1.5 h", "30 min"."""
    return f"{seconds / 3600:g} h" if seconds >= 3600 else f"{seconds / 60:g} min"


def farm_facts(task: Task, now: datetime) -> list[tuple[str, str]]:
    """A render task's own facts, as label and words, only those its service gave: times
    (elapsed to `now` while it runs, with the time to go at its rate), cost and how it was
    paid, project, user, priority and limits, output name."""
    facts = task.facts
    if facts is None:
        return []
    rows: list[tuple[str, str | None]] = [
        ("started", iso(facts.started_at)),
        ("ended", iso(task.ended_at) if task.status != "running" else None)]
    elapsed = elapsed_s(task, now)
    if elapsed is not None:
        eta = eta_s(task, now)
        rows.append(("elapsed", duration_text(elapsed) + (
            f" · about {duration_text(eta)} to go at its rate" if eta is not None else "")))
    rows.append(("render time", duration_text(facts.render_s) or None))
    paid = [f"{word} {money(value)}" for word, value in (
        ("coupon", facts.coupon_cost), ("balance", facts.account_cost)) if value]
    if facts.cost is not None:
        rows.append(("cost", money(facts.cost) + (f" ({', '.join(paid)})" if paid else "")))
    if facts.arrears:
        rows.append(("arrears", money(facts.arrears)))
    rows += [("project", facts.project), ("user", facts.user),
             ("level", str(facts.level) if facts.level is not None else None),
             ("node limit", str(facts.node_limit) if facts.node_limit is not None else None),
             ("time limit", f"stops after {limit_text(facts.timeout_s)} of rendering"
              if facts.timeout_s else None),
             ("output name", facts.output_name)]
    return [(label, value) for label, value in rows if value]
