"""Renderbus mapped onto the model: task trees, frame counts, the block grid and the actions."""

from __future__ import annotations

from typing import Any

from ..base import ActionSpec, Adapter, read_together
from ..model import (
    Account,
    ActionResult,
    Block,
    BlockGrid,
    BlockStatus,
    FrameCounts,
    ServiceError,
    ServiceSnapshot,
    Status,
    Task,
    from_epoch_ms,
)
from .client import RenderbusClient

STATUS_MAP: dict[int, Status] = {
    0: "queued", 1: "queued", 8: "queued", 50: "queued", 100: "queued",
    5: "running",
    10: "stopped", 15: "stopped", 20: "stopped", 23: "stopped", 40: "stopped",
    25: "done", 30: "partial", 35: "abandoned", 45: "failed",
}
FULL_SPEED_WAITING = 40

# Frame status: 1 waiting, 2 running, 3 stopped, 4 done, 5 failed, 6-10 waiting on a stage, 11 timed out.
FRAME_STATUS: dict[int, BlockStatus] = {1: "waiting", 2: "running", 3: "stopped", 4: "done",
                                        5: "failed", 11: "failed"}
FRAME_STATUS.update({code: "waiting" for code in range(6, 11)})

CHILD_NAMES = {"renderphoton": "photon", "render": "render", "preprocessing": "preprocess",
               "analyse": "analyse"}

ACTIONS: dict[str, ActionSpec] = {
    "stop": ActionSpec("stop", "Stop"),
    "resume": ActionSpec("resume", "Resume"),
    "abandon": ActionSpec("abandon", "Abandon", destructive=True),
    "delete": ActionSpec("delete", "Delete", destructive=True),
    "full_speed": ActionSpec("full_speed", "Full speed"),
    "retry_failed": ActionSpec("retry_failed", "Retry failed frames"),
    "retry_frames": ActionSpec("retry_frames", "Retry frames", params=("frames", "all"),
                               single_target=True),
    "set_timeout": ActionSpec("set_timeout", "Set timeout stop", params=("seconds",)),
}
TASK_PARAM_ENDPOINTS = {"stop": "stopTask", "resume": "startTask", "abandon": "abortTask",
                        "delete": "deleteTask", "retry_failed": "restartFailedFrames"}
DONE_MESSAGES = {"stop": "stopped", "resume": "resumed", "abandon": "abandoned",
                 "delete": "deleted", "full_speed": "set to full speed",
                 "retry_failed": "failed frames resubmitted", "retry_frames": "frames resubmitted",
                 "set_timeout": "timeout stop set"}


def allowed_actions(status: Status, raw: int, frames: FrameCounts | None) -> tuple[str, ...]:
    actions: list[str] = []
    if status in ("queued", "running"):
        actions.append("stop")
    if status == "stopped":
        actions.append("resume")
    if raw == FULL_SPEED_WAITING:
        actions.append("full_speed")
    if status in ("queued", "running", "stopped", "partial", "failed"):
        actions.append("abandon")
    if status in ("stopped", "done", "partial", "failed", "abandoned"):
        actions.append("delete")
    if frames and frames.failed > 0 and status != "abandoned":
        actions.append("retry_failed")
    if status in ("stopped", "done", "partial", "failed"):
        actions.append("retry_frames")
    if status in ("queued", "running", "stopped"):
        actions.append("set_timeout")
    return tuple(actions)


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def frame_counts(item: dict[str, Any]) -> FrameCounts:
    total = _int(item.get("totalFrames"))
    done = _int(item.get("doneFrames"))
    failed = _int(item.get("failedFrames"))
    running = _int(item.get("executingFrames"))
    aborted = _int(item.get("abortFrames"))
    waiting = max(0, total - done - failed - running - aborted)
    return FrameCounts(total=total, done=done, failed=failed, running=running, waiting=waiting)


def task_name(item: dict[str, Any], is_child: bool) -> str:
    scene = str(item.get("sceneName") or item.get("taskAlias") or item.get("id"))
    if not is_child:
        return scene
    if item.get("layerName"):
        return str(item["layerName"])
    kind = str(item.get("taskType") or "").lower()
    return CHILD_NAMES.get(kind, kind or scene)


def to_task(item: dict[str, Any], is_child: bool = False) -> Task:
    raw = _int(item.get("taskStatus"), -1)
    status = STATUS_MAP.get(raw, "unknown")
    children = [to_task(c, True) for c in item.get("respRenderingTaskList") or []]
    frames = frame_counts(item)
    if children and frames.total == 0:
        frames = FrameCounts(
            total=sum(c.frames.total for c in children if c.frames),
            done=sum(c.frames.done for c in children if c.frames),
            failed=sum(c.frames.failed for c in children if c.frames),
            running=sum(c.frames.running for c in children if c.frames),
            waiting=sum(c.frames.waiting for c in children if c.frames),
        )
    if frames.total:
        progress: float | None = frames.done / frames.total
    else:
        progress = 1.0 if status == "done" else None
    return Task(
        id=str(item.get("id")),
        name=task_name(item, is_child),
        status=status,
        raw_status=str(raw),
        progress=progress,
        frames=frames,
        submitted_at=from_epoch_ms(item.get("submitDate")),
        output_url=None,
        error=None,
        actions=allowed_actions(status, raw, frames),
        children=children,
    )


def to_block(cell: dict[str, Any]) -> Block:
    status = FRAME_STATUS.get(_int(cell.get("frameStatus"), 1), "waiting")
    percent = cell.get("framePercent")
    return Block(
        index=str(cell.get("frameIndex", "")),
        block=str(cell.get("frameBlock", "")),
        status=status,
        percent=_int(percent) if percent not in (None, "") else None,
        used_s=_int(cell["frameUsed"]) if cell.get("frameUsed") not in (None, "") else None,
        eta_s=_int(cell["frameEst"]) if cell.get("frameEst") not in (None, "") else None,
    )


class RenderbusAdapter(Adapter):
    kind = "renderbus"
    required_keys = ("base_url", "access_id", "access_key")
    secret_keys = ("access_key",)
    optional_keys = ("platform", "channel", "version", "page_size")
    actions = ACTIONS
    has_blocks = True

    def setup(self) -> None:
        self.page_size = int(self.config.get("page_size", 100))
        self.client = RenderbusClient(
            self.http,
            access_id=str(self.config.get("access_id")),
            access_key=str(self.config.get("access_key")),
            platform=int(self.config.get("platform", 2)),
            channel=int(self.config.get("channel", 4)),
            version=str(self.config.get("version", "1.0.0")),
        )

    async def read(self) -> ServiceSnapshot:
        profile, items = await read_together(
            self.client.user_profile(), self.client.all_tasks(self.page_size))
        zone = _int(profile.get("zone"), 1)
        balance = profile.get("usdbalance" if zone == 2 else "rmbbalance")
        account = Account(
            name=str(profile.get("userName") or ""),
            balance=float(balance) if isinstance(balance, int | float) else None,
            coupon=float(profile["coupon"]) if isinstance(profile.get("coupon"), int | float)
            else None,
        )
        return ServiceSnapshot(name=self.name, kind=self.kind, account=account,
                               tasks=[to_task(item) for item in items])

    async def blocks(self, task_id: str) -> BlockGrid:
        data = await self.client.task_process_img(self._task_int(task_id))
        rows = [[to_block(cell) for cell in row if isinstance(cell, dict)]
                for row in data.get("grabInfo") or [] if isinstance(row, list)]
        return BlockGrid(task_id=task_id, rows=rows)

    async def frames(self, task_id: str) -> list[dict[str, Any]]:
        """Every frame record of one task (all pages), for the detail view."""
        records = await self.client.task_frames(self._task_int(task_id), self.page_size)
        return [{
            "id": str(r.get("id")),
            "frame": str(r.get("frameIndex", "")),
            "block": str(r.get("frameBlock", "")),
            "status": FRAME_STATUS.get(_int(r.get("frameStatus"), 1), "waiting"),
            "started_at": from_epoch_ms(r.get("startTime")),
            "ended_at": from_epoch_ms(r.get("endTime")),
            "seconds": r.get("frameExecuteTime"),
            "cost": r.get("feeAmount"),
        } for r in records]

    @staticmethod
    def _task_int(task_id: str) -> int:
        try:
            return int(task_id)
        except ValueError:
            raise ServiceError(f"{task_id!r} is not a Renderbus task id (a number)") from None

    async def do(self, spec: ActionSpec, targets: list[str],
                 params: dict[str, str]) -> ActionResult:
        if not targets:
            raise ServiceError("no task given")
        ids = [self._task_int(t) for t in targets]
        if spec.name in TASK_PARAM_ENDPOINTS:
            await self.client.task_param_call(TASK_PARAM_ENDPOINTS[spec.name], ids)
        elif spec.name == "full_speed":
            await self.client.full_speed(ids)
        elif spec.name == "retry_frames":
            if len(ids) != 1:
                raise ServiceError("retry_frames takes one task id")
            select_all = params.get("all") in ("1", "true", "yes")
            try:
                frame_ids = [int(f) for f in params.get("frames", "").split(",") if f.strip()]
            except ValueError:
                raise ServiceError("--param frames= takes frame ids: frames=ID,ID") from None
            if not select_all and not frame_ids:
                raise ServiceError("retry_frames needs --param frames=ID,ID or --param all=1")
            await self.client.restart_frames(ids[0], frame_ids, select_all)
        elif spec.name == "set_timeout":
            try:
                seconds = int(params["seconds"])
            except (KeyError, ValueError):
                raise ServiceError("set_timeout needs --param seconds=N") from None
            await self.client.set_over_time_stop(ids, seconds)
        else:  # pragma: no cover - ACTIONS and this switch are kept together
            raise ServiceError(f"{spec.name} is not wired")
        noun = "task" if len(ids) == 1 else f"{len(ids)} tasks"
        return ActionResult(self.name, spec.name, targets, ok=True,
                            message=f"{noun} {', '.join(targets)} {DONE_MESSAGES[spec.name]}",
                            code=200)
