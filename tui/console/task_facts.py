"""A task's facts as text: output link, error, kind-specific details (sizes, face lists)."""

from __future__ import annotations

from typing import Any

from rich.text import Text

from jobdeck.adapters.contract.model import Task, iso
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
