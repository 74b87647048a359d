"""FinalRip mapped onto the model: encoding tasks whose clips are the block grid."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jobdeck.adapters.contract.base import ActionSpec, Adapter, Reads, SubmitField
from jobdeck.adapters.contract.model import (
    ActionResult,
    Block,
    BlockGrid,
    FrameRecord,
    ServiceError,
    ServiceSnapshot,
    Status,
    SubmitResult,
    Task,
    from_unix,
)
from jobdeck.adapters.contract.options import Option
from jobdeck.adapters.contract.values import integer_or

from .client import FinalRipClient

STATUS_MAP: dict[str, Status] = {"pending": "queued", "running": "running", "completed": "done"}
PARALLEL_READS = 8
# Progress is one request per running task. A poll reads the newest PROGRESS_NEWEST of them and
# PROGRESS_ROTATE more in turn; the rest keep the figure they had (20,000 running encodes must
# not make 20,001 requests every two seconds).
PROGRESS_NEWEST, PROGRESS_ROTATE = 16, 16
# What the current server accepts (common/constant/constant.go): the command must write
# FINALRIP_ENCODED_CLIP.mkv and be one line.
DEFAULT_ENCODE_PARAM = "ffmpeg -i - -c:v libx265 -crf 16 FINALRIP_ENCODED_CLIP.mkv"
SCRIPT_FIELD = SubmitField("script", "VapourSynth script file", "file_text", required=True,
                           placeholder="/path/to/encode.vpy",
                           help="must read os.getenv('FINALRIP_SOURCE') and call set_output()")
ENCODE_FIELD = SubmitField("encode_param", "encoder command", default=DEFAULT_ENCODE_PARAM,
                           help="one line, reading stdin and writing FINALRIP_ENCODED_CLIP.mkv")
ACTIONS = {
    # A pending task was uploaded and made (new) but never started: the server stores its script
    # and command only at start (server/internal/service/task/start.go binds video_key, script
    # and encode_param, all required; db CheckTaskStart is "encode_param set"), so they are asked.
    "start": ActionSpec("start", "Start encoding", params=("script", "encode_param"),
                        single_target=True, done="started", ask=(SCRIPT_FIELD, ENCODE_FIELD)),
    "retry_encode": ActionSpec("retry_encode", "Retry clip encode", params=("index",),
                               single_target=True, target="block", block_param="index",
                               done="queued to encode again"),
    "retry_merge": ActionSpec("retry_merge", "Retry merge", single_target=True,
                              done="merge started again"),
    "clear": ActionSpec("clear", "Clear", destructive=True, done="cleared",
                        warning="Its video, clips and encoded output are deleted from storage."),
}


def clip_counts(progress: dict[str, Any]) -> tuple[int, int]:
    clips = [c for c in progress.get("progress") or [] if isinstance(c, dict)]
    return sum(1 for c in clips if c.get("completed") is True), len(clips)


def to_task(item: dict[str, Any], progress: dict[str, Any] | None) -> Task:
    raw = str(item.get("status") or "")
    status = STATUS_MAP.get(raw, "unknown")
    key = str(item.get("key") or "")
    if status == "done":
        fraction: float | None = 1.0
    elif status == "running" and progress is not None:
        done, total = clip_counts(progress)
        fraction = done / total if total else 0.0  # [] while the video is still being cut
    else:
        fraction = None
    actions: tuple[str, ...] = ("clear",)
    if status == "queued":
        actions = ("start", "clear")
    elif status == "running":
        actions = ("retry_encode", "retry_merge", "clear")
    task = Task(id=key, name=key, status=status, raw_status=raw, progress=fraction,
                submitted_at=from_unix(item.get("create_at")),
                output_url=(item.get("encode_url") or None) if status == "done" else None,
                actions=actions)
    source = progress or item   # the script and command are stored at start (start.go)
    task.details = {"script": source.get("script") or None,
                    "encode_param": source.get("encode_param") or None}
    if progress:  # size strings are shown as the service gives them
        task.details.update({"size": progress.get("size"),
                             "encode_size": progress.get("encode_size") or None,
                             "clips": list(clip_counts(progress))})   # done, all: the trend
    return task


def newest_first(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(items, key=lambda i: integer_or(i.get("create_at"), 0, "create_at") or 0,
                  reverse=True)


class FinalRipAdapter(Adapter):
    kind = "finalrip"
    summary = "FinalRip distributed encoding (TensoRaws/FinalRip): clips are the block grid"
    example_name = "encoder"
    example_base_url = "http://encoder.internal:8848"
    options = (
        Option("token", str, "the server's token (its config's server.token)", secret=True,
               example={"env": "FINALRIP_TOKEN"}),
    )
    actions = ACTIONS
    submit_fields = (
        SubmitField("video", "video file", "file", required=True, positional=True,
                    placeholder="/path/to/episode.mkv", help="the video to upload and encode"),
        SCRIPT_FIELD,
        ENCODE_FIELD,
        SubmitField("key", "video key (optional)", placeholder="default: the file name",
                    help="the name the task is known by (default: the file's name)"),
    )

    def setup(self) -> None:
        self.client = FinalRipClient(self.http, token=str(self.option("token")))
        self.items: dict[str, dict[str, Any]] = {}
        self._progress: dict[str, dict[str, Any]] = {}   # last progress read, per key
        self._turn = 0

    def _progress_keys(self, running: list[dict[str, Any]]) -> list[str]:
        ordered = [str(i["key"]) for i in newest_first(running)]
        newest, rest = ordered[:PROGRESS_NEWEST], ordered[PROGRESS_NEWEST:]
        if not rest:
            return newest
        start = self._turn % len(rest)
        self._turn = start + PROGRESS_ROTATE
        rotated = (rest[start:] + rest[:start])[:PROGRESS_ROTATE]
        return newest + rotated

    async def read(self) -> ServiceSnapshot:
        self.client.warnings = []
        items = await self.client.list(pending=True, running=True, completed=True)
        running = [i for i in items if i.get("status") == "running" and i.get("key")]
        gate = asyncio.Semaphore(PARALLEL_READS)
        reads = Reads()

        async def one(key: str) -> None:
            if key in self._progress and not self.cadence.due(key):
                return   # unchanged of late: asked less often (cadence.py)
            async with gate:
                progress = await reads.optional(self.client.progress(key), f"progress of {key}")
            if progress is not None:
                self._progress[key] = progress
                self.cadence.answered(key, progress)

        await asyncio.gather(*(one(k) for k in self._progress_keys(running)))
        alive = {str(i.get("key")) for i in running}
        self.cadence.keep_only(alive)
        self._progress = {k: v for k, v in self._progress.items() if k in alive}
        self.items = {str(i.get("key")): i for i in items}
        tasks = [to_task(i, self._progress.get(str(i.get("key")))) for i in items]
        return ServiceSnapshot(name=self.name, kind=self.kind, tasks=tasks,
                               warnings=self.client.warnings + reads.warnings)

    async def blocks(self, task_id: str) -> BlockGrid:
        progress = await self.client.progress(task_id)
        clips = sorted((c for c in progress.get("progress") or [] if isinstance(c, dict)),
                       key=lambda c: integer_or(c.get("index"), 0, "index") or 0)
        row = [Block(index=str(c.get("index")), block=str(c.get("index")),
                     status="done" if c.get("completed") is True else "waiting",
                     percent=100 if c.get("completed") is True else None) for c in clips]
        return BlockGrid(task_id=task_id, rows=[row] if row else [], unit="clip")

    async def frames(self, task_id: str) -> list[FrameRecord]:
        """Each clip, with where its cut source and its encoded output can be fetched."""
        progress = await self.client.progress(task_id)
        clips = sorted((c for c in progress.get("progress") or [] if isinstance(c, dict)),
                       key=lambda c: integer_or(c.get("index"), 0, "index") or 0)
        return [FrameRecord(id=str(c.get("clip_key") or c.get("index")),
                            frame=str(c.get("index")), block=str(c.get("index")),
                            status="done" if c.get("completed") is True else "waiting",
                            url=c.get("clip_url") or None, output_url=c.get("encode_url") or None)
                for c in clips]

    async def do(self, spec: ActionSpec, targets: list[str],
                 params: dict[str, str]) -> ActionResult:
        if not targets:
            raise ServiceError("no video key given")
        if spec.name == "clear":
            return await self.each_target(spec, targets, self.client.clear)
        if len(targets) != 1:
            raise ServiceError(f"{spec.name} takes one video key")
        key = targets[0]
        if spec.name == "start":
            script = params.get("script") or ""
            if not script.strip():
                raise ServiceError("start needs the VapourSynth script: --param "
                                   "script=\"$(cat encode.vpy)\"")
            await self.client.start(key, script, params.get("encode_param")
                                    or DEFAULT_ENCODE_PARAM)
            return ActionResult(self.name, spec.name, targets, ok=True,
                                message=f"{key} started")
        if spec.name == "retry_merge":
            await self.client.retry_merge(key)
            return ActionResult(self.name, spec.name, targets, ok=True,
                                message=f"merge of {key} started again")
        try:
            index = int(params["index"])
        except (KeyError, ValueError):
            raise ServiceError("retry_encode needs --param index=N (the clip)") from None
        script, encode_param = await self._command_of(key)
        await self.client.retry_encode(key, index, script, encode_param)
        return ActionResult(self.name, spec.name, targets, ok=True,
                            message=f"clip {index} of {key} queued to encode again")

    async def _command_of(self, key: str) -> tuple[str | None, str | None]:
        """The task's script and command for servers that want them back on a retry: from the
        last list, else from its progress; unknown is fine for the current server."""
        item = self.items.get(key) or self._progress.get(key)
        if item is None:
            try:
                item = await self.client.progress(key)
            except ServiceError:
                item = {}
        return item.get("script") or None, item.get("encode_param") or None

    async def submit(self, values: Mapping[str, Any],
                     on_progress: Callable[[int, int], None] | None = None) -> SubmitResult:
        """Presigned url, upload (skipped when the storage has the file), new (skipped when the
        task exists and is still pending), start."""
        video = Path(values["video"])
        key = values.get("key") or video.name
        script, encode_param = values["script"], values.get("encode_param") or DEFAULT_ENCODE_PARAM
        notes: list[str] = []
        existing = next((i for i in await self.client.list(True, True, True)
                         if str(i.get("key")) == key), None)
        if existing is not None and existing.get("status") != "pending":
            raise ServiceError(f"{key} already exists and is {existing.get('status')}; "
                               "clear it first or give another key")
        presigned = await self.client.presigned(key)
        if presigned.get("exist"):
            notes.append(f"{key} is already in storage: upload skipped")
        else:
            url = presigned.get("url")
            if not url:
                raise ServiceError("the service gave no upload url")
            await self.client.upload(str(url), video, on_progress)
        if existing is None:
            await self.client.new(key)
        else:
            notes.append(f"{key} already existed and was pending: started it")
        await self.client.start(key, script, encode_param)
        return SubmitResult(key, notes)
