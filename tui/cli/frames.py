"""`jobdeck frames SERVICE TASK_ID [--json]`: every frame of a task, every page of it, with its
id (what `act SERVICE retry_frames TASK --param frames=ID,ID` takes), status, time and cost,
and for a failed frame what the service says about its error code.

Everything the service sent leaves through `say` (cleaned) or `emit_json` (jsonsafe).
"""

from __future__ import annotations

import argparse

from jobdeck.adapters.contract.model import FrameRecord, iso
from jobdeck.adapters.core.config import Config
from jobdeck.tui.safe_text import clean

from .common import EXIT_OK, emit_json, say
from .reads import cells, pad, read_of_task, sub_task_lines


async def frames(config: Config, args: argparse.Namespace) -> int:
    records, task = await read_of_task(config, args, "has_frames", "lists no frame records",
                                       lambda adapter: adapter.frames(args.task_id),
                                       lambda records: not records)
    if args.json:
        emit_json({"service": args.service, "task": args.task_id,
                   "frames": [f.to_json() for f in records]})
    elif task is not None and task.children:
        for line in sub_task_lines("frames", args.service, task, "has no frames of its own: "
                                   "they belong to its"):
            say(line)
    else:
        for line in frame_lines(args.task_id, records):
            say(line)
    return EXIT_OK


def number(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def frame_lines(task_id: str, records: list[FrameRecord]) -> list[str]:
    """A table of the frames, then what each failed frame's error code means (once a code)."""
    if not records:
        return [f"task {clean(task_id)}: no frame records"]
    rows = [(clean(f.id), clean(f.frame), clean(f.block), f.status, iso(f.started_at) or "-",
             number(f.seconds), number(f.cost, 2), clean(f.error_code or ""))
            for f in records]
    heads = ("ID", "FRAME", "BLOCK", "STATUS", "STARTED", "SECONDS", "COST", "CODE")
    widths = [max(cells(h), *(cells(r[n]) for r in rows)) for n, h in enumerate(heads)]
    right = {5, 6}

    def line(values: tuple[str, ...]) -> str:
        return "  ".join(pad(v, widths[n], n in right) for n, v in enumerate(values)).rstrip()

    lines = [line(heads), *(line(r) for r in rows)]
    counts: dict[str, int] = {}
    for f in records:
        counts[f.status] = counts.get(f.status, 0) + 1
    cost = sum(f.cost or 0 for f in records)
    lines.append(f"{len(records)} frames · " + " · ".join(f"{v} {k}" for k, v in counts.items())
                 + f" · cost {cost:.2f}")
    explained = {f.error_code: f.explained for f in records if f.error_code}
    for code, detail in explained.items():
        if detail is None:
            lines.append(f"error {clean(code)}: not explained (queryErrorDetail could not be read)")
        elif not detail.known:
            lines.append(f"error {clean(code)}: the service has no entry for this code")
        else:
            lines.append(f"error {clean(code)}: {clean(detail.description or '')}")
            if detail.solution:
                lines.append(f"  what to do: {clean(detail.solution)}")
            if detail.link:
                lines.append(f"  {clean(detail.link)}")
    return lines
