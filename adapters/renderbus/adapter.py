"""Renderbus mapped onto the model: task trees, frame counts, the block grid and the actions.

What a poll asks does not grow with the account's history: the whole list is read at the first
poll and then every `history_every` seconds (or when the operator asks); in between a poll
reads the active tasks, the newest page and, by id, a task that left the active set elsewhere
(task_book.py). A small account, whose whole list fits the newest page, is read whole each
poll in one request.
"""

from __future__ import annotations

import asyncio
import math
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from jobdeck.adapters.contract.base import (
    ActionSpec,
    Adapter,
    Reads,
    SubmitField,
    read_together,
)
from jobdeck.adapters.contract.model import (
    Account,
    ActionResult,
    Block,
    BlockGrid,
    BlockStatus,
    ErrorDetail,
    FrameCounts,
    FrameRecord,
    ServiceError,
    ServiceSnapshot,
    Status,
    Task,
    TaskChanges,
    TaskFacts,
    changed_tasks,
    from_epoch_ms,
    task_changes,
)
from jobdeck.adapters.contract.options import Option
from jobdeck.adapters.contract.values import integer_or, number_or

from .client import API_VERSIONS, RenderbusClient, RenderbusError, page_of
from .task_book import ACTIVE_STATUSES, TaskBook

# 60 submitting, 65 submission failed, 70 finished with stopped frames: the 2.0.0 generation's
# table (renderbus/docs_sdk docs/render/settings.md and "how to use API interface zh.md").
STATUS_MAP: dict[int, Status] = {
    0: "queued", 1: "queued", 8: "queued", 50: "queued", 60: "queued", 100: "queued",
    5: "running",
    10: "stopped", 15: "stopped", 20: "stopped", 23: "stopped", 40: "stopped",
    25: "done", 30: "partial", 70: "partial", 35: "abandoned", 45: "failed", 65: "failed",
}
FULL_SPEED_WAITING = 40
ARREARS_STOP = 20
TIMEOUT_STOP = 23
# Raw statuses whose words say more than the shared status does (the spec's status table).
RAW_MEANINGS = {20: "stopped: the account is in arrears", 23: "stopped: timed out",
                40: "test frames done, waiting for full speed", 65: "the submission failed",
                70: "finished with stopped frames"}
# A full read that fails while the book holds an earlier one is tried again after this long;
# meanwhile the polls read what changes. It may take this share of the poll deadline.
HISTORY_RETRY_S = 60.0
HISTORY_SHARE = 0.6
# The account's settings (its default timeout) change when someone changes them: read with the
# balance at most this often, and at once after set_default_timeout.
SETTINGS_EVERY_S = 600.0

# Frame status: 1 waiting, 2 running, 3 stopped, 4 done, 5 failed, 6-10 waiting on a stage, 11 timed out.
FRAME_STATUS: dict[int, BlockStatus] = {1: "waiting", 2: "running", 3: "stopped", 4: "done",
                                        5: "failed", 11: "failed"}
FRAME_STATUS.update({code: "waiting" for code in range(6, 11)})

BLOCK_IN_INDEX = re.compile(r"^(.+)\[(\d+)\]$")   # "2-4[1]": frames 2-4, block 1

# New error codes explained in one read (a poll, or a frame list): the rest wait for the next.
CODES_A_READ = 4

CHILD_NAMES = {"renderphoton": "photon", "render": "render", "preprocessing": "preprocess",
               "analyse": "analyse"}

ACTIONS: dict[str, ActionSpec] = {
    "stop": ActionSpec("stop", "Stop", done="stopped"),
    "resume": ActionSpec("resume", "Resume", done="resumed"),
    "abandon": ActionSpec("abandon", "Abandon", destructive=True, done="abandoned"),
    "delete": ActionSpec("delete", "Delete", destructive=True, done="deleted"),
    "full_speed": ActionSpec("full_speed", "Full speed", done="set to full speed"),
    "retry_failed": ActionSpec("retry_failed", "Retry failed frames",
                               done="failed frames resubmitted"),
    # Destructive: a frame that finished renders again and is charged again. `blocks` names
    # them as the block grid does (frame:block), joined to queryTaskFrames' ids here.
    "retry_frames": ActionSpec("retry_frames", "Retry frames", destructive=True,
                               params=("frames", "all", "blocks"), single_target=True,
                               done="frames resubmitted",
                               warning="Frames that finished render again, and are charged "
                                       "again."),
    # setOverTimeStop takes seconds (`--param seconds=N`); the console asks for hours
    "set_timeout": ActionSpec("set_timeout", "Set time limit", params=("seconds", "hours"),
                              done="timeout stop set", ask=(SubmitField(
                                  "hours", "Stop the task after this many hours of rendering",
                                  kind="number", required=True, placeholder="e.g. 12 or 1.5"),)),
    # the account's default for new tasks (updateUserSetting); whole hours, as the spec has it
    "set_default_timeout": ActionSpec(
        "set_default_timeout", "Set default time limit", params=("hours",), target="account",
        single_target=True, done="default timeout set", ask=(SubmitField(
            "hours", "New tasks stop after this many hours (the account's default)",
            kind="int", required=True, placeholder="e.g. 12"),)),
}
ID_LIST_ACTIONS = ("stop", "resume", "abandon", "delete", "retry_failed")


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


def _count(item: dict[str, Any], key: str) -> int:
    """Frame counts are numbers, quoted numbers or null (the spec's examples show all three)."""
    value = item.get(key)
    if type(value) is int:   # the usual case, without the checks a quoted number needs
        return value
    return integer_or(value, 0, key) or 0


def frame_counts(item: dict[str, Any]) -> FrameCounts:
    total = _count(item, "totalFrames")
    done = _count(item, "doneFrames")
    failed = _count(item, "failedFrames")
    running = _count(item, "executingFrames")
    aborted = _count(item, "abortFrames")
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


def _soft_number(value: Any) -> float | None:
    """A fact's number; a missing or odd one is no fact (a fact never fails the poll)."""
    kind = type(value)
    if kind is int:   # the usual cases, without the checks a string needs
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if value is None:
        return None
    try:
        return number_or(value, None)
    except ServiceError:
        return None


def _soft_text(value: Any) -> str | None:
    return str(value) if value not in (None, "") and not isinstance(value, dict | list) else None


def to_facts(item: dict[str, Any]) -> TaskFacts:
    """What getTaskList says of a task beyond its status and frames (the spec's TaskInfo):
    money in the account's currency; renderDuration in seconds (renderbus/docs_sdk "how to use
    API interface zh.md": 单位：秒; the spec's example, 1176 for 1273 s between start and end);
    taskOverTime in milliseconds like the list's dates (the spec's example: 86400000, a day)."""
    level, limit = _soft_number(item.get("taskLevel")), _soft_number(item.get("taskLimit"))
    over_ms = _soft_number(item.get("taskOverTime"))
    return TaskFacts(
        started_at=from_epoch_ms(item.get("startTime")),
        render_s=_soft_number(item.get("renderDuration")),
        cost=_soft_number(item.get("renderConsume")),
        coupon_cost=_soft_number(item.get("couponConsume")),
        account_cost=_soft_number(item.get("userAccountConsume")),
        arrears=_soft_number(item.get("taskArrears")),
        project=_soft_text(item.get("projectName")),
        user=_soft_text(item.get("userName")),
        level=int(level) if level is not None else None,
        node_limit=int(limit) if limit is not None else None,
        output_name=_soft_text(item.get("outputFileName")),
        timeout_s=over_ms / 1000 if over_ms else None,
    )


def hours_text(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:g} h" if hours >= 1 else f"{seconds / 60:g} min"


def to_task(item: dict[str, Any], is_child: bool = False) -> Task:
    raw = integer_or(item.get("taskStatus"), -1, "taskStatus")
    assert raw is not None
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
    facts = to_facts(item)
    error = RAW_MEANINGS.get(raw) if status in ("stopped", "failed", "partial") else None
    if raw == TIMEOUT_STOP and facts.timeout_s:
        error = f"{error} (its limit: {hours_text(facts.timeout_s)})"
    return Task(
        id=str(item.get("id")),
        name=task_name(item, is_child),
        status=status,
        raw_status=str(raw),
        progress=progress,
        frames=frames,
        submitted_at=from_epoch_ms(item.get("submitDate")),
        output_url=None,
        error=error,
        actions=allowed_actions(status, raw, frames),
        children=children,
        ended_at=from_epoch_ms(item.get("completedDate")),
        details=error_code_of(item) if status in ("failed", "partial") else {},
        facts=facts,
    )


def code_text(value: Any) -> str | None:
    """An error code as the service sends it (a number or a quoted one); anything else: none."""
    if isinstance(value, bool) or value is None:
        return None
    text = str(value).strip()
    return text if text.isdigit() and len(text) <= 12 else None


def error_code_of(item: dict[str, Any]) -> dict[str, Any]:
    """A failed task's code: the printed spec documents no field for it; jobdeck reads
    `errorCode` where the service gives one (the simulator does)."""
    code = code_text(item.get("errorCode"))
    return {"error_code": code} if code else {}


def to_error_detail(code: str, infos: list[dict[str, Any]]) -> ErrorDetail:
    """queryErrorDetail's List<CodeInfo> for one code: the entry of that code (else the first);
    none at all: the service has no entry for it."""
    info = next((i for i in infos if str(i.get("code")) == code), infos[0] if infos else None)
    if info is None:
        return ErrorDetail(code=code, known=False)

    def text(key: str) -> str | None:
        value = info.get(key)
        return str(value).strip() or None if value not in (None, "") else None

    kind = integer_or(info.get("type"), None, "type")
    return ErrorDetail(code=code, description=text("desDescriptionCn") or text("desDescriptionEn"),
                       solution=text("desSolutionCn") or text("desSolutionEn"),
                       link=text("solutionPath"),
                       severity="error" if kind == 1 else "warning" if kind == 0 else None)


def frame_key(index: Any, block: Any) -> tuple[str, str]:
    """The frame and block a record names. loadTaskProcessImg gives them apart (frameIndex "0",
    frameBlock "1"); queryTaskFrames may join them in frameIndex: the spec's example has
    frameIndex "0-1" with frameBlock "1", so a frameIndex ending in "-<frameBlock>" is cut back;
    the 2.0.0 docs (renderbus/docs_sdk "docs/render/how to use API interface zh.md", 获取任务
    指定页的帧详情 and 根据帧序号重提) write a block as "2-4[1]" with frameBlock "", so a
    trailing "[n]" is the block."""
    frame, number = str(index if index is not None else "").strip(), \
        str(block if block is not None else "").strip()
    if number and frame.endswith(f"-{number}") and len(frame) > len(number) + 1:
        frame = frame[:-len(number) - 1]
    elif not number and (bracket := BLOCK_IN_INDEX.match(frame)):
        frame, number = bracket.group(1), bracket.group(2)
    return frame, number


def to_account(profile: dict[str, Any], setting: dict[str, Any] | None = None) -> Account:
    """The profile's money: the zone's cash balance, and the coupon and credit the spec's
    profile gives beside it (its example account: rmbbalance 0, coupon 49.93). With the
    settings, the default task timeout."""
    zone = integer_or(profile.get("zone"), 1, "zone")
    return Account(
        name=str(profile.get("userName") or ""),
        balance=number_or(profile.get("usdbalance" if zone == 2 else "rmbbalance"), None,
                          "balance"),
        coupon=number_or(profile.get("coupon"), None, "coupon"),
        credit=_soft_number(profile.get("credit")),
        default_timeout_s=default_timeout(setting) if setting is not None else None,
    )


def default_timeout(setting: dict[str, Any]) -> float | None:
    """queryUserSetting's default timeout in seconds: `taskOverTimeSec` where the service
    sends it (2.0.0), else `taskOverTime` in hours (the spec)."""
    seconds = _soft_number(setting.get("taskOverTimeSec"))
    if seconds:
        return seconds
    hours = _soft_number(setting.get("taskOverTime"))
    return hours * 3600 if hours else None


def to_frame(record: dict[str, Any]) -> FrameRecord:
    status = FRAME_STATUS.get(_int(record.get("frameStatus"), 1), "waiting")
    return FrameRecord(
        id=str(record.get("id")), frame=str(record.get("frameIndex", "")),
        block=str(record.get("frameBlock", "")),
        status=status,
        started_at=from_epoch_ms(record.get("startTime")),
        ended_at=from_epoch_ms(record.get("endTime")),
        seconds=number_or(record.get("frameExecuteTime"), None, "frameExecuteTime"),
        cost=number_or(record.get("feeAmount"), None, "feeAmount"),
        raw_status=str(record.get("frameStatus")) if record.get("frameStatus") is not None
        else None,
        error_code=code_text(record.get("errorCode")) if status == "failed" else None)


def to_frame_totals(data: dict[str, Any]) -> FrameCounts:
    """queryAllFrameStats: the account's frames all told. (2.0.0 also counts the abandoned,
    `abandonFramesTotal`, which the shared counts have no place for.)"""
    return FrameCounts(total=_count(data, "totalFrames"), done=_count(data, "doneFramesTotal"),
                       failed=_count(data, "failedFramesTotal"),
                       running=_count(data, "executingFramesTotal"),
                       waiting=_count(data, "waitingFramesTotal"))


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
    summary = "Rayvision / Renderbus render farm: task trees, frames, the block grid"
    example_name = "sh-farm"
    example_base_url = "https://task.renderbus.com"
    options = (
        Option("access_id", str, "from the Renderbus console's API page", example="AKID..."),
        Option("access_key", str, "its secret", secret=True,
               example={"env": "RENDERBUS_ACCESS_KEY"}),
        Option("platform", int, "the account's render platform (config check lists them)",
               default=2, minimum=1, maximum=99),
        Option("channel", int, "fixed at 4 by the spec", default=4, minimum=1, maximum=99),
        Option("api_version", str, "interface generation: auto tries the spec's paths first",
               default="auto", choices=API_VERSIONS),
        Option("version", str, "older name of api_version", default=None, choices=API_VERSIONS,
               hidden=True),
        Option("page_size", int, "tasks and frames per page", default=100, minimum=1,
               maximum=1000),
        Option("history_every", float, "seconds between two reads of the whole task list "
               "(between them a poll reads the active tasks and the newest page)",
               default=600.0, minimum=10, maximum=86400),
        Option("attention_days", int, "failed and partial tasks of this many days need "
               "attention; older ones are history", default=7, minimum=1, maximum=3650),
    )
    actions = ACTIONS

    def setup(self) -> None:
        self.page_size = self.option("page_size")
        self.history_every = float(self.option("history_every"))
        self.attention_days = self.option("attention_days")
        self.book = TaskBook(to_task)
        self._history_wanted = False
        self._setting: tuple[float, dict[str, Any]] | None = None   # (read at, settings)
        self.clock = time.monotonic   # when the whole list was last read (tests freeze it)
        self.client = RenderbusClient(
            self.http,
            access_id=str(self.option("access_id")),
            access_key=str(self.option("access_key")),
            platform=self.option("platform"),
            channel=self.option("channel"),
            api_version=self.option("version") or self.option("api_version"),
        )
        self.setup_extras()

    def setup_extras(self) -> None:
        """What a poll reads beside the tasks: the farm's frame totals (at most every
        history_every, or when asked), and what the service says about error codes (each code
        once, kept)."""
        self.error_codes: dict[str, ErrorDetail] = {}
        self._code_failed: dict[str, float] = {}   # code -> when its read last failed
        self.frame_totals: FrameCounts | None = None
        self._totals_at: float | None = None
        self._totals_wanted = False
        # The codes in the listing's trees, by top-level task: the tops as last looked at
        # (the same object: the same codes), and the codes of those that have any
        self._code_tops: dict[str, Task] = {}
        self._codes_in: dict[str, tuple[str, ...]] = {}
        self._code_list: list[Task] | None = None   # the list the codes were last found in

    async def read(self) -> ServiceSnapshot:
        reads = Reads()
        self.client.warnings = []
        account, _ = await read_together(
            self.now_and_then("account", self._account, reads), self._read_tasks(reads))
        book = self.book
        # after the tasks: the generation is known by then, and these are rare
        totals = await self._read_totals(reads)
        codes = await self._read_error_codes(book.listing(), book.changes(), reads)
        warnings = reads.warnings + [w for w in self.client.warnings if w != book.cut]
        return ServiceSnapshot(name=self.name, kind=self.kind, account=account,
                               tasks=book.listing(),
                               warnings=([book.cut] if book.cut else []) + warnings,
                               api_version=self.client.answered,
                               attention_since=self.attention_since(),
                               frame_totals=totals, error_codes=codes,
                               changes=book.changes())

    def attention_since(self) -> datetime:
        """The last `attention_days` by the service's own clock (learnt from serverTime), to
        the hour so it stays steady from poll to poll."""
        hour = (time.time() + self.client.clock_offset_s) // 3600 * 3600
        return datetime.fromtimestamp(hour, UTC) - timedelta(days=self.attention_days)

    def want_history(self, older_than: float = 0.0) -> None:
        super().want_history(older_than)
        if older_than <= 0:   # asked outright (`r`): the farm's totals too
            self._totals_wanted = True
        read_at = self.book.read_at
        if read_at is None or self.clock() - read_at >= older_than:
            self._history_wanted = True

    async def _read_tasks(self, reads: Reads) -> None:
        book = self.book
        now = self.clock()
        first = book.read_at is None
        if first or self._history_wanted or now - book.read_at >= self.history_every:
            try:
                async with asyncio.timeout(self.poll_deadline * HISTORY_SHARE):
                    await self._read_history(now)
                return
            except (ServiceError, TimeoutError) as exc:
                if first and isinstance(exc, ServiceError):
                    raise   # refused or down at the start: the poll fails, as it must
                # too slow a link for the whole list in one poll (or a failure after the
                # first): what changes is read meanwhile, and the list again in a minute
                why = exc.reason if isinstance(exc, ServiceError) else "it took too long"
                reads.warnings.append(f"the whole task list could not be read ({why}); "
                                      f"tried again in {HISTORY_RETRY_S:g} s")
                self._history_wanted = False
                book.read_at = now - self.history_every + HISTORY_RETRY_S
        await self._read_changes(reads)

    async def _read_history(self, now: float) -> None:
        """Every page of the list (to the cap), swapped in whole when it is all in. When the
        cap left tasks unread, the active set is read too: no running task is ever among them."""
        filling = self.book.filling()
        listing = await self.client.task_list(self.page_size, sink=filling.put)
        active = []
        if listing.capped:
            active = (await self.client.task_list(self.page_size, list(ACTIVE_STATUSES))).items
        self.book.replace(filling, at=now, total=listing.total, cut=listing.cut, active=active)
        self._history_wanted = False

    async def _read_changes(self, reads: Reads) -> None:
        """Between full reads: the newest page, the active set, and by id what left it."""
        book, size, client = self.book, self.page_size, self.client
        newest_page = 1 if book.newest_first else max(1, -(-(book.total or 1) // size))
        if book.newest_first and book.total is not None and book.total <= size:
            # a small account: its newest page is all of it, and while it stays so, one
            # request is the whole read
            page = await client.task_list_page(1, size)
            items, page_count, total = page_of(page, "getTaskList")
            if page_count <= 1:
                filling = book.filling()
                for item in items:
                    filling.put(item)
                book.replace(filling, at=self.clock(), total=total, cut=None)
                return
            active = await client.task_list(size, list(ACTIVE_STATUSES))
        else:
            page, active = await read_together(client.task_list_page(newest_page, size),
                                               client.task_list(size, list(ACTIVE_STATUSES)))
            items, _, total = page_of(page, "getTaskList")
        book.total = total if total is not None else book.total
        seen = {str(item.get("id")) for item in (*active.items, *items)}
        asked = book.left_active(seen)
        answers: list[dict[str, Any]] | None = []
        if asked:
            try:
                answers = await client.task_info(sorted(int(i) for i in asked if i.isdigit()))
            except ServiceError as exc:
                if isinstance(exc, RenderbusError) and exc.code is None:
                    raise   # a reply of the wrong shape is the service's fault, not a blip
                reads.warnings.append(f"queryTaskInfo could not be read: {exc.reason}")
                answers = None
        book.update(active.items, items, asked, answers)

    # farm totals and error codes ------------------------------------------------------------------

    async def _read_totals(self, reads: Reads) -> FrameCounts | None:
        """queryAllFrameStats, at most every history_every seconds or when asked (`r`); a
        failure is a warning, the last totals stand, and it is tried again a minute later."""
        now = self.clock()
        due = self._totals_at is None or self._totals_wanted or \
            now - self._totals_at >= self.history_every
        if not due:
            return self.frame_totals
        self._totals_wanted = False
        data = await reads.optional(self.client.frame_stats(), "queryAllFrameStats")
        if data is None:
            self._totals_at = now - self.history_every + HISTORY_RETRY_S
            return self.frame_totals
        self._totals_at = now
        self.frame_totals = to_frame_totals(data)
        return self.frame_totals

    async def explain(self, codes: list[str], reads: Reads | None = None) -> dict[str, ErrorDetail]:
        """What the service says about these codes: each read once (queryErrorDetail) and kept.
        A read that fails is a warning in `reads` (when given) and is not asked again for a
        minute; the codes it left out are simply not in the answer."""
        now = self.clock()
        wanted = [c for c in dict.fromkeys(codes) if c not in self.error_codes
                  and now - self._code_failed.get(c, -HISTORY_RETRY_S) >= HISTORY_RETRY_S]

        async def one(code: str) -> None:
            try:
                infos = await self.client.error_detail(code)
            except ServiceError as exc:
                self._code_failed[code] = now
                if reads is not None:
                    reads.warnings.append(f"error code {code} could not be explained "
                                          f"(queryErrorDetail): {exc.reason}")
                return
            self._code_failed.pop(code, None)
            self.error_codes[code] = to_error_detail(code, infos)

        await read_together(*(one(c) for c in wanted[:CODES_A_READ]))
        return {c: self.error_codes[c] for c in codes if c in self.error_codes}

    async def _read_error_codes(self, tasks: list[Task], changes: TaskChanges | None,
                                reads: Reads) -> dict[str, ErrorDetail] | None:
        tops, found = self._code_tops, self._codes_in
        changed = task_changes(tasks, changes, self._code_list)
        self._code_list = tasks
        # a big account's 20,000 are not walked again, nor compared when the book says
        for top in changed.changed if changed is not None else changed_tasks(tasks, tops):
            tops[top.id] = top
            codes = tuple(str(t.details["error_code"]) for t in top.walk()
                          if "error_code" in t.details)
            if codes:
                found[top.id] = codes
            else:
                found.pop(top.id, None)
        if len(tops) != len(tasks):
            present = {t.id for t in tasks}
            for gone in set(tops) - present:
                del tops[gone]
                found.pop(gone, None)
        if not found:
            return None
        codes = sorted({code for codes in found.values() for code in codes})
        return await self.explain(codes, reads) or None

    async def _account(self) -> Account:
        profile = await self.client.user_profile()
        return to_account(profile, await self._settings())

    async def _settings(self) -> dict[str, Any] | None:
        """queryUserSetting, now and then: the default timeout is a fact of the account, not
        worth failing it for (a failure is a warning, asked again at the next balance)."""
        now = self.clock()
        if self._setting is not None and now - self._setting[0] < SETTINGS_EVERY_S:
            return self._setting[1]
        try:
            setting = await self.client.user_setting()
        except ServiceError as exc:
            self.client.warnings.append(f"the account's settings could not be read: "
                                        f"{exc.reason}")
            # what was read before still stands (and the read is tried at the next balance)
            return self._setting[1] if self._setting is not None else None
        self._setting = (now, setting)
        return setting

    async def blocks(self, task_id: str) -> BlockGrid:
        data = await self.client.task_process_img(self._task_int(task_id))
        rows = [[to_block(cell) for cell in row if isinstance(cell, dict)]
                for row in data.get("grabInfo") or [] if isinstance(row, list)]
        return BlockGrid(task_id=task_id, rows=rows)

    async def frames(self, task_id: str) -> list[FrameRecord]:
        """Every frame record, every page; a failed frame's code with what the service says
        about it (read once per code; a read that fails leaves the code unexplained)."""
        records = await self.client.task_frames(self._task_int(task_id), self.page_size)
        frames = [to_frame(r) for r in records]
        codes = [f.error_code for f in frames if f.error_code]
        if codes:
            explained = await self.explain(codes)
            for frame in frames:
                if frame.error_code:
                    frame.explained = explained.get(frame.error_code)
        return frames

    async def frame_ids_of(self, task_id: int, blocks: str) -> list[int]:
        """The ids of the frames the block grid names (`frame:block,frame:block`), from
        queryTaskFrames: the grid (loadTaskProcessImg) carries no ids. A block with no record
        is refused, never guessed."""
        wanted = []
        for part in (p.strip() for p in blocks.split(",") if p.strip()):
            frame, sep, number = part.rpartition(":")
            if not sep:
                raise ServiceError("--param blocks= takes frame:block pairs: blocks=0:1,0:2")
            wanted.append(frame_key(frame, number))
        if not wanted:
            raise ServiceError("--param blocks= names no block")
        ids: dict[tuple[str, str], int] = {}
        for record in await self.client.task_frames(task_id, self.page_size):
            number = integer_or(record.get("id"), None, "id")
            if number is not None:
                ids.setdefault(frame_key(record.get("frameIndex"), record.get("frameBlock")),
                               number)
        missing = [f"{f}:{b}" for f, b in wanted if (f, b) not in ids]
        if missing:
            raise ServiceError(f"no frame record for block {', '.join(missing)} of task "
                               f"{task_id} (queryTaskFrames): nothing was resubmitted")
        return list(dict.fromkeys(ids[key] for key in wanted))

    async def probe(self) -> list[str]:
        lines = await super().probe()
        # rayvision_api operators/query.py platforms(): zone 1 for renderbus domains, else 2
        zone = 1 if "renderbus" in (urlsplit(self.config.base_url).hostname or "") else 2
        try:
            platforms = await self.client.platforms(zone)
        except ServiceError as exc:
            return [*lines, f"warning: platforms could not be read: {exc.reason}"]
        numbers = {integer_or(p.get("platform"), None, "platform"): str(p.get("name") or "")
                   for p in platforms}
        known = ", ".join(f"{n} ({name})" if name else str(n) for n, name in numbers.items())
        if self.client.platform in numbers:
            lines.append(f"platform {self.client.platform} is one of this account's: {known}")
        else:
            lines.insert(0, f"! platform {self.client.platform} is not one of this account's "
                            f"platforms: {known or 'none listed'}; set platform = one of them")
        return lines

    @staticmethod
    def _task_int(task_id: str) -> int:
        try:
            return int(task_id)
        except ValueError:
            raise ServiceError(f"{task_id!r} is not a Renderbus task id (a number)") from None

    async def do(self, spec: ActionSpec, targets: list[str],
                 params: dict[str, str]) -> ActionResult:
        if spec.name == "set_default_timeout":
            return await self._set_default_timeout(spec, targets, params)
        if not targets:
            raise ServiceError("no task given")
        ids = [self._task_int(t) for t in targets]
        done = spec.done   # what the result says was done, with its figures where it has some
        if spec.name in ID_LIST_ACTIONS:
            await self.client.task_ids_call(spec.name, ids)
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
            if not select_all and params.get("blocks"):
                frame_ids += await self.frame_ids_of(ids[0], params["blocks"])
            if not select_all and not frame_ids:
                raise ServiceError("retry_frames needs --param frames=ID,ID, blocks=F:B,F:B "
                                   "or all=1")
            frame_ids = list(dict.fromkeys(frame_ids))   # frames= and blocks= may meet
            await self.client.restart_frames(ids[0], frame_ids, select_all)
            done = f"{spec.done} ({'all of them' if select_all else f'{len(frame_ids)} of them'})"
        elif spec.name == "set_timeout":
            seconds = timeout_seconds(params)
            await self.client.set_over_time_stop(ids, seconds)
            done = f"{spec.done} (after {hours_text(seconds)} of rendering)"
        else:  # pragma: no cover - ACTIONS and this switch are kept together
            raise ServiceError(f"{spec.name} is not wired")
        self.book.ask_again(targets)   # the next poll asks for them even if no longer active
        noun = "task" if len(ids) == 1 else f"{len(ids)} tasks"
        return ActionResult(self.name, spec.name, targets, ok=True,
                            message=f"{noun} {', '.join(targets)} {done}", code=200)

    async def _set_default_timeout(self, spec: ActionSpec, targets: list[str],
                                   params: dict[str, str]) -> ActionResult:
        """The account's default timeout for new tasks (updateUserSetting), in whole hours."""
        try:
            hours = int(params["hours"])
        except (KeyError, ValueError):
            raise ServiceError("set_default_timeout needs --param hours=N (whole hours)") \
                from None
        if hours <= 0:
            raise ServiceError("set_default_timeout: hours must be more than 0")
        await self.client.update_default_timeout(hours * 3600)
        self._setting = None   # read again with the next balance
        return ActionResult(self.name, spec.name, targets or ["account"], ok=True,
                            message=f"default timeout set to {hours} h for new tasks",
                            code=200)


def timeout_seconds(params: dict[str, str]) -> int:
    """set_timeout's limit: `seconds` (act, as setOverTimeStop takes it) or `hours` (the
    console's dialog), more than nothing."""
    try:
        if params.get("seconds") not in (None, ""):
            seconds = int(params["seconds"])
        elif params.get("hours") not in (None, ""):
            seconds = round(float(params["hours"]) * 3600)
        else:
            raise KeyError
    except (KeyError, ValueError, OverflowError):
        raise ServiceError("set_timeout needs --param seconds=N (or hours=N)") from None
    if seconds <= 0:
        raise ServiceError("set_timeout: the limit must be more than 0")
    return seconds
