"""EVA mapped onto the model: the tasks jobdeck submitted or was told to watch, polled until done."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from jobdeck.adapters.contract.base import UNTRACK, ActionSpec, Adapter, SubmitField
from jobdeck.adapters.contract.model import ActionResult, ServiceError, ServiceSnapshot, SubmitResult, Task
from jobdeck.adapters.contract.options import Option
from jobdeck.adapters.contract.values import integer_or

from .client import RUNNING, EvaClient, describe

PARALLEL_READS = 8


def to_task(task_id: str, reply: dict[str, Any], label: str | None = None) -> Task:
    code = integer_or(reply.get("code"), None, "code")
    data = reply.get("data") or {}
    if not isinstance(data, dict):
        data = {}
    if code == RUNNING:
        return Task(id=task_id, name=label or task_id, status="running", raw_status=str(code))
    if code == 200:
        # "render_time": 48 // 渲染耗时 (the time rendering took): the spec gives no unit, so
        # none is added; the number is shown as the service sent it.
        render_time = data.get("render_time")
        return Task(id=task_id, name=label or task_id, status="done", raw_status="200",
                    progress=1.0, output_url=data.get("video") or None, actions=("untrack",),
                    details={"render_time": str(render_time)} if render_time not in (None, "")
                    else {})
    return Task(id=task_id, name=label or task_id, status="failed", raw_status=str(code),
                error=describe(code, reply.get("message")), actions=("untrack",))


class EvaAdapter(Adapter):
    kind = "eva"
    summary = "Tutucloud EVA template rendering: tracked renders and their output links"
    example_name = "promo-videos"
    example_base_url = "https://api.eva.tutucloud.com"
    options = (
        Option("api_key", str, "from the EVA console", example="..."),
        Option("api_secret", str, "signs every request; never sent", secret=True,
               example={"env": "EVA_SECRET"}),
        Option("track", list, "task ids to watch (also `jobdeck track` and t)", default=[]),
    )
    tracks_tasks = True
    actions = {"untrack": UNTRACK}
    submit_fields = (
        SubmitField("template", "template id", "int", required=True, positional=True,
                    placeholder="123", help="the EVA template to render"),
        SubmitField("asset", "assets, one ID=VALUE per line ({file:N} = Nth file)", "lines",
                    repeat=True, help="an asset; VALUE {file:N} takes the url of the Nth --file"),
        SubmitField("file", "local files to upload, comma separated", "files", repeat=True,
                    help="a local file to upload as an asset"),
        SubmitField("args", "render args (JSON, optional)", "json", placeholder='{"scale": 0.5}',
                    help='render args, e.g. \'{"scale":0.5}\''),
        SubmitField("dynamic", "dynamic template", "flag", help="render/dynamic"),
        SubmitField("label", "label (optional)", help="a name to show for the new task"),
    )

    def setup(self) -> None:
        self.client = EvaClient(self.http, api_key=str(self.config.get("api_key")),
                                api_secret=str(self.config.get("api_secret")))
        self._final: dict[str, dict[str, Any]] = {}  # finished replies are not asked for again

    async def read(self) -> ServiceSnapshot:
        await self.client.signed({})  # keeps the clock offset fresh; also the health check
        ids = self.tracked_ids()
        pending = [i for i in ids if i not in self._final]
        self.cadence.keep_only(pending)   # a render still running is asked less often (cadence.py)
        gate = asyncio.Semaphore(PARALLEL_READS)

        async def one(task_id: str) -> tuple[str, dict[str, Any]]:
            async with gate:
                return task_id, await self.client.task(task_id)

        asked = self.cadence.pick(pending)
        for task_id, reply in await asyncio.gather(*(one(i) for i in asked)):
            if integer_or(reply.get("code"), None, "code") != RUNNING:
                self._final[task_id] = reply
            else:
                self._final.pop(task_id, None)
                self.cadence.answered(task_id, reply)
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

    async def submit(self, values: Mapping[str, Any],
                     on_progress: Callable[[int, int], None] | None = None) -> SubmitResult:
        """Upload local files as assets (their urls fill `{file:N}` values), render, track."""
        assets = []
        for item in values.get("asset") or []:
            asset_id, sep, value = str(item).partition("=")
            if not sep:
                raise ServiceError(f"an asset is ID=VALUE, not {item!r}")
            assets.append({"id": asset_id, "value": value} if asset_id else {"value": value})
        files = [Path(f) for f in values.get("file") or []]
        if files:
            urls = await self.client.upload(files)
            for asset in assets:
                value = str(asset.get("value", ""))
                if value.startswith("{file:") and value.endswith("}"):
                    try:
                        asset["value"] = urls[int(value[6:-1])]
                    except (ValueError, IndexError):
                        raise ServiceError(f"{value} names no uploaded file "
                                           f"({len(urls)} uploaded)") from None
        if not assets:
            raise ServiceError("EVA needs at least one asset")
        tpl_id = int(values["template"])
        args = values.get("args")
        if isinstance(args, str):
            args = json.loads(args)
        task_id = await self.client.render(tpl_id, assets, args=args,
                                           dynamic=bool(values.get("dynamic")))
        self.track([task_id])
        if self.state is not None:
            self.state.set_label(self.name, task_id, values.get("label") or f"template {tpl_id}")
        return SubmitResult(task_id)
