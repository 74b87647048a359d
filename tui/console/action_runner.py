"""Actions from the console: the confirmation (its words from the ActionSpec), the worker that
sends it, the result as a toast in the service's own words, the audit line, the re-poll.

New work (n) and tracking (t) go the same road: a form, a worker, a message back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from rich.text import Text
from textual.message_pump import MessagePump

from jobdeck.adapters.contract.base import ActionSpec, Adapter
from jobdeck.adapters.contract.model import (
    Account,
    ActionResult,
    JobdeckError,
    Relay,
    Stream,
    SubmitResult,
    Task,
)
from jobdeck.adapters.core.state import StateStore
from jobdeck.tui.safe_text import literal, title

from .messages import ActionDone

if TYPE_CHECKING:
    from .app import JobdeckApp

@dataclass(frozen=True, slots=True)
class Other:
    """A subject that is neither task, stream nor relay (a player to kick): its id, its words."""

    id: str
    name: str


Subject = Task | Stream | Relay | Other   # what an action touches
SHOWN = 8   # items a confirmation lists before "… and N more"


def confirm_body(spec: ActionSpec, service: str, items: Sequence[Subject], skipped: int = 0,
                 what: Text | None = None) -> Text:
    """What will be touched, on which service, and what follows from it; `what` says which
    parts of it (the frames of a task)."""
    noun = spec.target if spec.target in ("stream", "relay", "client") else "task"
    body = Text()
    if noun == "task":   # "Retry frames of 1 task": `what` names the frames
        body.append(f"{spec.label}{' of' if what is not None else ''} {len(items)} "
                    f"task{'s' if len(items) != 1 else ''} on ")
    else:
        body.append(f"{spec.label} ")
        body.append_text(literal(", ".join(
            item.id if isinstance(item, Stream) else f"{item.name} ({item.id})"
            for item in items), "bold"))
        body.append(" on ")
    body.append_text(literal(service, "bold"))
    body.append("?\n\n")
    if noun == "task":
        for item in items[:SHOWN]:
            assert isinstance(item, Task)
            body.append_text(literal(f"  {item.id}  ", "bold"))
            body.append_text(literal(item.name))
            body.append(f"  ({item.status})\n", style="dim")
        if len(items) > SHOWN:
            body.append(f"  … and {len(items) - SHOWN} more\n", style="dim")
    elif noun == "relay":
        for item in items:
            if isinstance(item, Relay):
                body.append_text(literal(f"  {item.source} → {item.target}  ({item.state})\n",
                                         "dim"))
    elif spec.ends_stream:
        viewers = sum(s.viewers or 0 for s in items if isinstance(s, Stream))
        if viewers:
            body.append(f"{viewers} viewer(s) will be cut off.\n", style="bold")
    if what is not None:
        body.append_text(what)
    if skipped:
        body.append(f"\n{skipped} marked {noun}(s) cannot be {spec.done} now and will be left "
                    "alone.\n", style="dim")
    if spec.warning:
        body.append(f"\n{spec.warning}\n")
    elif noun == "task":
        body.append("\nThis cannot be undone.", style="bold")
    return body


def frames_named(labels: list[str], finished: int = 0) -> Text:
    """Which frames of the task an action touches, for its confirmation; `finished` of them
    are done (rendered again, they are paid for again)."""
    text = Text()
    text.append(f"\n{len(labels)} frame{'s' if len(labels) != 1 else ''}", style="bold")
    if finished:
        text.append(f", {finished} of them finished", style="bold")
    text.append(":\n", style="bold")
    for label in labels[:SHOWN]:
        text.append("  ")
        text.append_text(literal(label))
        text.append("\n")
    if len(labels) > SHOWN:
        text.append(f"  … and {len(labels) - SHOWN} more\n", style="dim")
    return text


def asked_now(spec: ActionSpec, items: Sequence[Subject], account: Account | None) -> dict[str, str]:
    """What a dialog starts with: the limit in force now, so the operator sees what changes
    (a task's own timeout, else the account's default; the account's default for the account)."""
    def hours(seconds: float | None) -> str | None:
        return f"{seconds / 3600:g}" if seconds else None

    default = hours(account.default_timeout_s) if account is not None else None
    if spec.name == "set_timeout":
        limits = {t.facts.timeout_s if t.facts else None for t in items if isinstance(t, Task)}
        own = hours(limits.pop()) if len(limits) == 1 else None
        shown = own or default
    elif spec.name == "set_default_timeout":
        shown = default
    else:
        return {}
    return {"hours": shown} if shown else {}


class ActionRunner:
    def __init__(self, app: JobdeckApp, store: StateStore | None) -> None:
        self.app = app
        self.store = store

    def adapter(self, service: str) -> Adapter:
        return self.app.adapters[service]

    def request(self, service: str, action: str, items: Sequence[Subject],
                params: dict[str, str] | None = None, skipped: int = 0,
                reply_to: MessagePump | None = None, what: Text | None = None) -> None:
        """Ask what the action needs (its `ask` fields), confirm when it destroys, then send
        it. `reply_to` also gets the ActionDone (a screen that shows what it changed); `what`
        is said in the confirmation (which frames of the task)."""
        if not self.app.may_act(service, action):
            self.app.notify("read-only: actions are switched off", severity="warning")
            return
        if not items:
            return
        spec = self.adapter(service).spec(action)
        if spec.ask and params is None:
            from .screens.params import ParamsScreen  # screens load when first opened

            def asked(values: dict[str, str] | None) -> None:
                if values is not None:
                    self.request(service, action, items, values, skipped, reply_to, what)

            state = self.app.states.get(service)
            now = asked_now(spec, items, state.snapshot.account
                            if state is not None and state.snapshot is not None else None)
            fields = tuple(replace(f, default=now[f.name]) if f.name in now else f
                           for f in spec.ask)
            self.app.push_screen(ParamsScreen(title(spec.label, " · ", service, " · ",
                                                    ", ".join(item.id for item in items)),
                                              fields), callback=asked)
            return
        ids = [item.id for item in items]
        if spec.destructive and self.app.config.confirm_destructive:
            from .screens.confirm import ConfirmScreen  # screens load when first opened
            self.app.push_screen(
                ConfirmScreen(title(spec.label, " · ", service),
                              confirm_body(spec, service, items, skipped, what), spec.label),
                callback=lambda ok: self.send(service, action, ids, params, reply_to)
                if ok else None)
        else:
            self.send(service, action, ids, params, reply_to)

    def send(self, service: str, action: str, ids: list[str],
             params: dict[str, str] | None = None, reply_to: MessagePump | None = None) -> None:
        # What follows is the operator's doing: no alert for it (a poll may see it first).
        self.app.oncall.expect(service, self.adapter(service).spec(action).target, ids)

        async def run() -> None:
            result = await self.adapter(service).perform(action, ids, params)
            self.app.post_message(ActionDone(result))
            if reply_to is not None:   # the asker's own copy, which must not bubble up to
                answer = ActionDone(result)   # the App: it would toast and audit it twice
                answer.stop()
                reply_to.post_message(answer)

        # Never exclusive: an action in flight is not cancelled by a later one.
        self.app.run_worker(run(), group=f"act:{service}", exit_on_error=False)

    def done(self, result: ActionResult) -> None:
        severity = "information" if result.ok else (
            "warning" if result.outcome == "unknown" else "error")
        self.app.notify(literal(result.message), title=title(result.service, " · ", result.action),
                        severity=severity, timeout=4 if result.ok else 10)
        if self.store is not None and (problem := self.store.audit_action(result, via="console")):
            self.app.notify(literal(problem), severity="warning", timeout=10)
        state = self.app.states.get(result.service)
        if state is not None:
            done = {r.target for r in result.per_target if r.outcome == "done"} \
                if result.per_target else set(result.targets) if result.ok else set()
            state.marked -= done
        self.app.poller.poll(result.service)

    # new work and tracking ------------------------------------------------------------------------

    def submit(self, service: str) -> None:
        from .screens.submit import SubmitScreen

        adapter = self.adapter(service)
        if not adapter.can_submit or not self.app.may_act(service, None):
            return

        def submitted(result: SubmitResult | None) -> None:
            if result is None:
                return
            words = "; ".join(result.notes)
            self.app.notify(title("submitted ", result.task_id,
                                  *((" (", words, ")") if words else ())),
                            title=title(service, " · new"))
            if self.store is not None:
                self.store.audit({"service": service, "action": "submit", "via": "console",
                                  "targets": [result.task_id], "ok": True,
                                  "outcome": "done", "message": words or None})
            self.app.poller.poll(service)

        self.app.push_screen(SubmitScreen(service, adapter.kind, adapter.submit_fields),
                             callback=submitted)

    def track(self, service: str) -> None:
        from .screens.submit import TrackScreen

        adapter = self.adapter(service)
        if not adapter.tracks_tasks or not self.app.may_act(service, None):
            return

        def chosen(ids: list[str] | None) -> None:
            if not ids:
                return
            try:
                adapter.track(ids)
            except (JobdeckError, OSError) as exc:
                self.app.notify(title("not tracked: ", str(exc)), severity="error")
                return
            self.app.notify(title("watching ", ", ".join(ids)), title=title(service, " · track"))
            self.app.poller.poll(service)

        self.app.push_screen(TrackScreen(service), callback=chosen)
