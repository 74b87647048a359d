"""Atomic writes and the state directory (tracked ids, chosen theme, audit log)."""

from __future__ import annotations

import contextlib
import fcntl
import getpass
import json
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jobdeck.adapters.contract import jsonsafe
from jobdeck.adapters.contract.model import ActionResult


def atomic_write(path: Path, text: str, mode: int = 0o600) -> None:
    """Write text so that a reader sees the old file or the new one, never half of either."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise



def state_dir() -> Path:
    if env := os.environ.get("JOBDECK_STATE_DIR"):
        return Path(env).expanduser()
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "jobdeck"


class StateStore:
    """state.json: the console's own memory. Unreadable state is set aside, never fatal.

    Several processes share it (the console, `jobdeck track` from a script, `watch`): every
    read-modify-write holds an exclusive lock on state.lock, so none loses another's change.
    """

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or state_dir()
        self.path = self.directory / "state.json"
        # Where audit records also go: the process's history recorder when it has one
        # (the console's); else each is written to the history store on its own (`act`).
        self.history: Any = None

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.directory.mkdir(parents=True, exist_ok=True)
        with open(self.directory / "state.lock", "a+") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def change(self, edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        """Read, edit in place and write back, under the lock."""
        with self._locked():
            data = self.load()
            edit(data)
            atomic_write(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")
            return data

    def load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def update(self, **changes: Any) -> dict[str, Any]:
        return self.change(lambda data: data.update(changes))

    def tracked(self, service: str) -> list[str]:
        return list(self.load().get("tracked", {}).get(service, []))

    def labels(self, service: str) -> dict[str, str]:
        return dict(self.load().get("labels", {}).get(service, {}))

    def set_label(self, service: str, task_id: str, label: str) -> None:
        self.change(lambda data: data.setdefault("labels", {}).setdefault(service, {})
                    .__setitem__(task_id, label))

    def audit_action(self, result: ActionResult, via: str) -> None:
        """The one shape of an action's audit line, whoever ran it (console, act, watch)."""
        entry: dict[str, Any] = {"service": result.service, "action": result.action, "via": via,
                                 "targets": result.targets, "ok": result.ok,
                                 "outcome": result.outcome, "message": result.message,
                                 "code": result.code}
        if result.per_target:
            entry["results"] = [r.to_json() for r in result.per_target]
        self.audit(entry)

    def audit(self, entry: dict[str, Any]) -> None:
        """One JSON line per action attempted; appended, so a crash loses at most that line.
        The same record, with who ran it, goes to the history store."""
        line = {"at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "user": who(), **entry}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(self.directory / "audit.log", "a", encoding="utf-8") as handle:
                handle.write(jsonsafe.dumps(line) + "\n")
        except OSError:
            pass
        from .history import record_action  # loaded when an action is recorded, not before
        record_action(self, line)


def who() -> str:
    """The operator's login name, for the audit record."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
