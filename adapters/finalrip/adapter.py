"""FinalRip mapped onto the model: encoding tasks whose clips are the block grid."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..base import ActionSpec, Adapter, read_together
from ..model import (
    ActionResult,
    Block,
    BlockGrid,
    ServiceError,
    ServiceSnapshot,
    Status,
    Task,
    from_unix,
)
from .client import FinalRipClient

STATUS_MAP: dict[str, Status] = {"pending": "queued", "running": "running", "completed": "done"}
PARALLEL_READS = 8
ACTIONS = {
    "retry_encode": ActionSpec("retry_encode", "Retry clip encode", params=("index",),
                               single_target=True),
    "retry_merge": ActionSpec("retry_merge", "Retry merge", single_target=True),
    "clear": ActionSpec("clear", "Clear", destructive=True),
}


def clip_counts(progress: dict[str, Any]) -> tuple[int, int]:
    clips = [c for c in progress.get("progress") or [] if isinstance(c, dict)]
    return sum(1 for c in clips if c.get("completed")), len(clips)


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
    if status == "running":
        actions = ("retry_encode", "retry_merge", "clear")
    return Task(id=key, name=key, status=status, raw_status=raw, progress=fraction,
                submitted_at=from_unix(item.get("create_at")),
                output_url=(item.get("encode_url") or None) if status == "done" else None,
                actions=actions)


class FinalRipAdapter(Adapter):
    kind = "finalrip"
    required_keys = ("base_url", "token")
    secret_keys = ("token",)
    actions = ACTIONS
    has_blocks = True

    def setup(self) -> None:
        self.client = FinalRipClient(self.http, token=str(self.config.get("token")))
        self.items: dict[str, dict[str, Any]] = {}

    async def read(self) -> ServiceSnapshot:
        items = await self.client.list(pending=True, running=True, completed=True)
        running = [i["key"] for i in items if i.get("status") == "running" and i.get("key")]
        gate = asyncio.Semaphore(PARALLEL_READS)

        async def one(key: str) -> dict[str, Any]:
            async with gate:
                return await self.client.progress(key)

        progresses = dict(zip(running, await read_together(*(one(k) for k in running)),
                              strict=True))
        self.items = {str(i.get("key")): i for i in items}
        tasks = [to_task(i, progresses.get(str(i.get("key")))) for i in items]
        for task in tasks:
            progress = progresses.get(task.id)
            if progress:  # size strings are shown as the service gives them
                task.details = {"size": progress.get("size"),
                                "encode_size": progress.get("encode_size") or None}
        return ServiceSnapshot(name=self.name, kind=self.kind, tasks=tasks)

    async def blocks(self, task_id: str) -> BlockGrid:
        progress = await self.client.progress(task_id)
        clips = sorted((c for c in progress.get("progress") or [] if isinstance(c, dict)),
                       key=lambda c: int(c.get("index") or 0))
        row = [Block(index=str(c.get("index")), block=str(c.get("index")),
                     status="done" if c.get("completed") else "waiting",
                     percent=100 if c.get("completed") else None) for c in clips]
        return BlockGrid(task_id=task_id, rows=[row] if row else [], unit="clip")

    async def do(self, spec: ActionSpec, targets: list[str],
                 params: dict[str, str]) -> ActionResult:
        if not targets:
            raise ServiceError("no video key given")
        if spec.name == "clear":
            for key in targets:
                await self.client.clear(key)
            return ActionResult(self.name, spec.name, targets, ok=True,
                                message=f"cleared {', '.join(targets)}")
        if len(targets) != 1:
            raise ServiceError(f"{spec.name} takes one video key")
        key = targets[0]
        if spec.name == "retry_merge":
            await self.client.retry_merge(key)
            return ActionResult(self.name, spec.name, targets, ok=True,
                                message=f"merge of {key} started again")
        try:
            index = int(params["index"])
        except (KeyError, ValueError):
            raise ServiceError("retry_encode needs --param index=N (the clip)") from None
        item = self.items.get(key) or {}
        script = params.get("script") or item.get("script")
        encode_param = params.get("encode_param") or item.get("encode_param")
        if not script or not encode_param:
            raise ServiceError(f"{key}: its script and encode_param are not known yet; "
                               "refresh first")
        await self.client.retry_encode(key, index, script, encode_param)
        return ActionResult(self.name, spec.name, targets, ok=True,
                            message=f"clip {index} of {key} queued to encode again")

    async def submit(self, video: Path, script: str, encode_param: str, *,
                     video_key: str | None = None,
                     on_progress: Callable[[int, int], None] | None = None) -> str:
        """Presigned url, upload (skipped when the storage has it), new, start."""
        key = video_key or video.name
        presigned = await self.client.presigned(key)
        if not presigned.get("exist"):
            url = presigned.get("url")
            if not url:
                raise ServiceError("the service gave no upload url")
            await self.client.upload(str(url), video, on_progress)
        await self.client.new(key)
        await self.client.start(key, script, encode_param)
        return key
