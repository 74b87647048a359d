"""Atomic writes and the state directory (tracked ids, chosen theme, mutes, audit log).

The directory is the operator's own: made 0700, its files 0600, and the audit log and the lock
are opened without following a symbolic link (another user able to write to a shared parent could
otherwise aim them at a file of the operator's).
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import getpass
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jobdeck.adapters.contract import jsonsafe
from jobdeck.adapters.contract.model import ActionResult, JobdeckError

DIRECTORY_MODE, FILE_MODE = 0o700, 0o600


class StateError(OSError, JobdeckError):
    """The state directory cannot be used as it is (a symbolic link where a file should be)."""


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

    def ensure_directory(self) -> None:
        """Make the directory 0700, or make an existing one of ours so (older jobdecks left it
        0755)."""
        self.directory.mkdir(mode=DIRECTORY_MODE, parents=True, exist_ok=True)
        info = self.directory.stat()
        if info.st_uid == os.getuid() and stat.S_IMODE(info.st_mode) & 0o077:
            os.chmod(self.directory, stat.S_IMODE(info.st_mode) & ~0o077)

    def open_private(self, name: str, flags: int) -> int:
        """A file of the directory opened 0600 and never through a symbolic link."""
        self.ensure_directory()
        path = self.directory / name
        try:
            fd = os.open(path, flags | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise StateError(errno.ELOOP, f"{path} is a symbolic link; jobdeck does not "
                                 "write through one (remove it, or set JOBDECK_STATE_DIR)") \
                    from None
            raise
        if stat.S_IMODE(os.fstat(fd).st_mode) != FILE_MODE:
            os.fchmod(fd, FILE_MODE)
        return fd

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        with os.fdopen(self.open_private("state.lock", os.O_RDWR), "r+b") as lock:
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
            data = jsonsafe.valid(json.loads(self.path.read_text(encoding="utf-8")))
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

    def audit_action(self, result: ActionResult, via: str) -> str | None:
        """The one shape of an action's audit line, whoever ran it (console, act, watch).
        None when written, else why not (for the caller to show)."""
        entry: dict[str, Any] = {"service": result.service, "action": result.action, "via": via,
                                 "targets": result.targets, "ok": result.ok,
                                 "outcome": result.outcome, "message": result.message,
                                 "code": result.code}
        if result.per_target:
            entry["results"] = [r.to_json() for r in result.per_target]
        return self.audit(entry)

    def audit(self, entry: dict[str, Any]) -> str | None:
        """One JSON line per action attempted, appended in one write, so a crash loses at most
        that line. Whatever the entry's text holds, the line is written (jsonsafe makes it valid
        UTF-8). The same record, with who ran it, goes to the history store. Returns None when
        written, else why it was not."""
        line = {"at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "user": who(), **entry}
        data = (jsonsafe.dumps(line) + "\n").encode("utf-8", "replace")
        failed = None
        try:
            fd = self.open_private("audit.log", os.O_WRONLY | os.O_APPEND)
            try:
                os.write(fd, data)
            finally:
                os.close(fd)
        except StateError as exc:
            failed = f"audit line not written: {exc.strerror}"
        except OSError as exc:
            failed = f"audit line not written to {self.directory / 'audit.log'}: " \
                     f"{exc.strerror or exc}"
        from .history import record_action  # loaded when an action is recorded, not before
        record_action(self, jsonsafe.valid(line))   # the store takes valid text only
        return failed


def who() -> str:
    """The operator's login name, for the audit record."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
