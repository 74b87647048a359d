"""Image enhance mapped onto the model: a queue of tracked tasks with their queue positions.

`gettask` takes the enhance type the task was created with: a task made with type 2 and asked
for as type 1 is not found. The type of each task jobdeck creates is kept in the state directory
beside its id; a task tracked by hand is `ID` (the service's `enhance_type`) or `ID:TYPE`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from jobdeck.adapters.contract.base import UNTRACK, ActionSpec, Adapter, SubmitField
from jobdeck.adapters.contract.model import ActionResult, ServiceError, ServiceSnapshot, SubmitResult, Task
from jobdeck.adapters.contract.options import Option
from jobdeck.adapters.contract.values import integer_or, number_or

from .client import EnhanceClient, describe

PARALLEL_READS = 8
GONE = {1002001, 1002002}
# A finished task (output ready, or failed) does not change again, and the service has no list
# call: each tracked task is one request a poll. Finished ones are asked again only this often,
# so a queue of mostly finished work costs a request or two a poll instead of one per task.
FINISHED_REREAD_S = 60.0
FINISHED_REREADS = 2   # finished tasks asked again in one poll, at most


def human_size(value: Any) -> str | None:
    try:
        size = number_or(value, None, "size")
    except ServiceError:
        return None
    if size is None or size <= 0:
        return None
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return None


def to_task(task_id: str, data: dict[str, Any], label: str | None) -> Task:
    """DESIGN's rule: errorcode != 0 failed, outputurl set done, queuenum > 0 queued, else running."""
    errorcode = integer_or(data.get("errorcode"), 0, "errorcode")   # "0" is no error
    queue = integer_or(data.get("queuenum"), 0, "queuenum") or 0
    if errorcode:
        status = "failed"
    elif data.get("outputurl"):
        status = "done"
    elif queue > 0:
        status = "queued"
    else:
        status = "running"
    name = label or data.get("chtaskid") or urlsplit(str(data.get("inputurl") or "")).path \
        .rsplit("/", 1)[-1] or task_id
    return Task(
        id=task_id, name=name, status=status, raw_status=str(data.get("status", "")),
        progress=1.0 if status == "done" else None,
        queue_position=queue if status == "queued" else None,
        output_url=data.get("outputurl") or None,
        error=describe(errorcode, data.get("errormsg")) if errorcode else None,
        actions=("delete", "untrack"),
    )


def split_typed(entry: str) -> tuple[str, int | None]:
    """`ID` or `ID:TYPE` (a tracked task and the enhance type it was created with)."""
    task_id, sep, kind = entry.rpartition(":")
    if sep and task_id and kind.isdigit():
        return task_id, int(kind)
    return entry, None


def details(data: dict[str, Any]) -> dict[str, Any]:
    """What the queue pane shows beyond the task row: sizes and the face/output list."""
    def side(prefix: str, item: dict[str, Any]) -> str | None:
        width, height = item.get(f"{prefix}width"), item.get(f"{prefix}height")
        size = human_size(item.get(f"{prefix}size"))
        if not width or not height:
            return size
        return f"{width}x{height} {item.get(f'{prefix}ext') or ''}".strip() + \
            (f", {size}" if size else "")
    return {
        "input": side("inpath", data), "output": side("outpath", data),
        "input_url": data.get("inputurl") or None,
        "faces": [{"input": side("inpath", f), "output": side("outpath", f),
                   "output_url": f.get("outputurl") or None}
                  for f in data.get("facelist") or [] if isinstance(f, dict)],
    }


class EnhanceAdapter(Adapter):
    kind = "enhance"
    summary = "an image-enhancement queue: tracked tasks with queue positions, sizes, faces"
    example_name = "photo-fix"
    example_base_url = "https://enhance.example"
    options = (
        Option("token", str, "the API token", secret=True, example={"env": "ENHANCE_TOKEN"}),
        Option("enhance_type", int, "the enhancement new work asks for (1, 2 faces ...)",
               default=1, minimum=1, maximum=99),
        Option("track", list, "task ids to watch (also `jobdeck track` and t); ID:TYPE for a "
               "task created with another enhance type", default=[]),
    )
    tracks_tasks = True
    actions = {"delete": ActionSpec("delete", "Delete", destructive=True, done="deleted"),
               "untrack": UNTRACK}
    submit_fields = (
        SubmitField("picture", "picture url (≤ 20 MB, 64-9216 px a side)", required=True,
                    positional=True, placeholder="https://…/photo.jpg",
                    help="an http(s) url the service can fetch"),
        SubmitField("type", "enhance type (optional)", "int", placeholder="default: from config",
                    help="enhance type (default: the service's enhance_type)"),
        SubmitField("label", "label (optional)", help="a name to show for the new task"),
    )

    def setup(self) -> None:
        self.client = EnhanceClient(self.http, token=str(self.option("token")))
        self.enhance_type = self.option("enhance_type")
        self.finished: dict[str, tuple[float, dict[str, Any]]] = {}   # id -> (read at, reply)
        self._given: dict[str, int] = {}   # types given in `track` entries (ID:TYPE)

    # each task's own enhance type ------------------------------------------------------------------

    def tracked_ids(self) -> list[str]:
        ignored = set(self.state.load().get("untracked", {}).get(self.name, [])) \
            if self.state is not None else set()
        ids: list[str] = []
        for entry in super().tracked_ids():
            task_id, kind = split_typed(entry)
            if task_id in ignored or task_id in ids:
                continue
            ids.append(task_id)
            if kind is not None:
                self._given[task_id] = kind
        return ids

    def track(self, task_ids: list[str]) -> None:
        typed = [split_typed(i) for i in task_ids]
        super().track([task_id for task_id, _ in typed])
        self._remember({task_id: kind for task_id, kind in typed if kind is not None})

    def _remember(self, types: dict[str, int]) -> None:
        if types and self.state is not None:
            self.state.change(lambda data: data.setdefault("enhance_types", {})
                              .setdefault(self.name, {}).update(types))

    def type_of(self, task_id: str, known: dict[str, int] | None = None) -> int:
        """The type the task was created with: kept when jobdeck made it or was told, else the
        service's enhance_type."""
        if known is None:
            known = self._kept_types()
        return int(known.get(task_id) or self._given.get(task_id) or self.enhance_type)

    def _kept_types(self) -> dict[str, int]:
        if self.state is None:
            return {}
        kept = self.state.load().get("enhance_types", {}).get(self.name, {})
        return {str(k): v for k, v in kept.items() if isinstance(v, int)} \
            if isinstance(kept, dict) else {}

    # reading -------------------------------------------------------------------------------------

    async def read(self) -> ServiceSnapshot:
        ids = self.tracked_ids()
        types = self._kept_types()
        gate = asyncio.Semaphore(PARALLEL_READS)
        now = time.monotonic()
        wanted = set(ids)
        self.finished = {i: seen for i, seen in self.finished.items() if i in wanted}

        self.cadence.keep_only(wanted)
        fresh = {i for i in ids if i in self.finished and now - self.finished[i][0]
                 < FINISHED_REREAD_S}
        # the finished due again go a few a poll, the longest unread first: a thousand finished
        # tasks tracked must not mean a thousand requests a minute
        due = sorted((i for i in ids if i in self.finished and i not in fresh),
                     key=lambda i: self.finished[i][0])
        fresh.update(due[FINISHED_REREADS:])
        asked = set(self.cadence.pick(i for i in ids if i not in fresh))

        async def one(task_id: str) -> tuple[str, dict[str, Any] | str]:
            if task_id in fresh:
                return task_id, self.finished[task_id][1]
            kept = self.cadence.last(task_id)
            if kept is not None and task_id not in asked:
                return task_id, kept   # unchanged of late: asked less often (cadence.py)
            async with gate:
                try:
                    data = await self.client.get(task_id, self.type_of(task_id, types))
                except ServiceError as exc:
                    if exc.code in GONE:  # this task is gone; the service itself is fine
                        return task_id, exc.reason
                    raise
            if integer_or(data.get("errorcode"), 0, "errorcode") or data.get("outputurl"):
                self.finished[task_id] = (now, data)
            else:
                self.cadence.answered(task_id, data)
            return task_id, data

        labels = self.state.labels(self.name) if self.state else {}
        tasks = []
        for task_id, data in await asyncio.gather(*(one(i) for i in ids)):
            if isinstance(data, str):
                tasks.append(Task(id=task_id, name=labels.get(task_id, task_id),
                                  status="unknown", raw_status="gone", error=data,
                                  actions=("untrack",)))
                continue
            task = to_task(task_id, data, labels.get(task_id))
            task.details = details(data)
            tasks.append(task)
        return ServiceSnapshot(name=self.name, kind=self.kind, tasks=tasks)

    async def do(self, spec: ActionSpec, targets: list[str],
                 params: dict[str, str]) -> ActionResult:
        async def delete(task_id: str) -> None:
            data = await self.client.delete(task_id)
            if data.get("success", True) is False:
                raise ServiceError(f"the service did not delete {task_id}")
            self.untrack([task_id])   # only what was deleted stops being watched

        return await self.each_target(spec, targets, delete)

    async def submit(self, values: Mapping[str, Any],
                     on_progress: Callable[[int, int], None] | None = None) -> SubmitResult:
        task = await self.create(str(values["picture"]), values.get("type") or None,
                                 values.get("label") or None)
        return SubmitResult(task.id)

    async def create(self, picurl: str, enhance_type: int | None = None,
                     label: str | None = None) -> Task:
        if urlsplit(picurl).scheme not in ("http", "https"):
            raise ServiceError("the picture must be an http(s) url the service can fetch "
                               "(at most 20 MB, 64 to 9216 pixels a side)")
        kind = int(enhance_type or self.enhance_type)
        data = await self.client.create(picurl, kind, label)
        task_id = str(data.get("taskid") or "")
        if not task_id:
            raise ServiceError("createtask accepted but no taskid came back")
        self.track([task_id])
        self._given[task_id] = kind   # read back with its own type, state directory or not
        self._remember({task_id: kind})
        if label and self.state is not None:
            self.state.set_label(self.name, task_id, label)
        return to_task(task_id, data, label)
