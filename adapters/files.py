"""Atomic writes and the state directory (tracked ids, chosen theme, audit log)."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


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
    """state.json: the console's own memory. Unreadable state is set aside, never fatal."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or state_dir()
        self.path = self.directory / "state.json"

    def load(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def update(self, **changes: Any) -> dict[str, Any]:
        data = self.load()
        data.update(changes)
        atomic_write(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")
        return data

    def ids(self, key: str, service: str) -> list[str]:
        return list(self.load().get(key, {}).get(service, []))

    def set_ids(self, key: str, service: str, ids: list[str]) -> None:
        data = self.load()
        data.setdefault(key, {})[service] = ids
        atomic_write(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def tracked(self, service: str) -> list[str]:
        return self.ids("tracked", service)

    def set_tracked(self, service: str, ids: list[str]) -> None:
        self.set_ids("tracked", service, ids)

    def labels(self, service: str) -> dict[str, str]:
        return dict(self.load().get("labels", {}).get(service, {}))

    def set_label(self, service: str, task_id: str, label: str) -> None:
        data = self.load()
        data.setdefault("labels", {}).setdefault(service, {})[task_id] = label
        atomic_write(self.path, json.dumps(data, indent=2, sort_keys=True) + "\n")

    def audit(self, entry: dict[str, Any]) -> None:
        """One JSON line per action attempted; appended, so a crash loses at most that line."""
        line = {"at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), **entry}
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            with open(self.directory / "audit.log", "a", encoding="utf-8") as handle:
                handle.write(json.dumps(line, ensure_ascii=False) + "\n")
        except OSError:
            pass
