"""EVA mapped onto the model: the tasks jobdeck submitted or was told to watch, polled until done."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from ..base import UNTRACK, ActionSpec, Adapter
from ..model import ActionResult, ServiceError, ServiceSnapshot, Task
from .client import RUNNING, EvaClient, describe

PARALLEL_READS = 8


def to_task(task_id: str, reply: dict[str, Any], label: str | None = None) -> Task:
    code = reply.get("code")
    data = reply.get("data") or {}
    if code == RUNNING:
        return Task(id=task_id, name=label or task_id, status="running", raw_status=str(code))
    if code == 200:
        render_time = data.get("render_time")
        return Task(id=task_id, name=label or task_id, status="done", raw_status="200",
                    progress=1.0, output_url=data.get("video") or None, actions=("untrack",),
                    details={"render_time": f"{render_time} s"} if render_time is not None
                    else {})
    return Task(id=task_id, name=label or task_id, status="failed", raw_status=str(code),
                error=describe(code, reply.get("message")), actions=("untrack",))


class EvaAdapter(Adapter):
    kind = "eva"
    required_keys = ("base_url", "api_key", "api_secret")
    secret_keys = ("api_secret",)
    optional_keys = ("track",)
    tracks_tasks = True
    actions = {"untrack": UNTRACK}

    def setup(self) -> None:
        self.client = EvaClient(self.http, api_key=str(self.config.get("api_key")),
                                api_secret=str(self.config.get("api_secret")))
        self._final: dict[str, dict[str, Any]] = {}  # finished replies are not asked for again

    async def read(self) -> ServiceSnapshot:
        await self.client.signed({})  # keeps the clock offset fresh; also the health check
        ids = self.tracked_ids()
        pending = [i for i in ids if i not in self._final]
        gate = asyncio.Semaphore(PARALLEL_READS)

        async def one(task_id: str) -> tuple[str, dict[str, Any]]:
            async with gate:
                return task_id, await self.client.task(task_id)

        for task_id, reply in await asyncio.gather(*(one(i) for i in pending)):
            if reply.get("code") != RUNNING:
                self._final[task_id] = reply
            else:
                self._final.pop(task_id, None)
        replies = {**{i: {"code": RUNNING} for i in pending}, **self._final}
        labels = self.state.labels(self.name) if self.state else {}
        tasks = [to_task(i, replies[i], labels.get(i)) for i in ids]
        for task in tasks:
            if task.status == "running":
                task.actions = ("untrack",)
        return ServiceSnapshot(name=self.name, kind=self.kind, tasks=tasks)

    def untrack(self, task_ids: list[str]) -> None:
        super().untrack(task_ids)
        for task_id in task_ids:
            self._final.pop(task_id, None)

    async def do(self, spec: ActionSpec, targets: list[str],
                 params: dict[str, str]) -> ActionResult:
        raise ServiceError(f"eva has no action {spec.name}")  # untrack is handled by Adapter

    async def submit(self, tpl_id: int, assets: list[dict[str, Any]], *,
                     files: list[Path] = (), args: dict[str, Any] | None = None,
                     dynamic: bool = False, label: str | None = None) -> str:
        """Upload local files as assets (their urls fill `{file:N}` values), render, track."""
        if files:
            urls = await self.client.upload(list(files))
            for asset in assets:
                value = str(asset.get("value", ""))
                if value.startswith("{file:") and value.endswith("}"):
                    asset["value"] = urls[int(value[6:-1])]
        if not assets:
            raise ServiceError("EVA needs at least one asset")
        task_id = await self.client.render(tpl_id, assets, args=args, dynamic=dynamic)
        self.track([task_id])
        if self.state is not None:
            self.state.set_label(self.name, task_id, label or f"template {tpl_id}")
        return task_id
