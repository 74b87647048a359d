"""The state directory: private by mode, an audit line whatever it holds, no symlink followed.
Each test is a finding that was reproduced before it was fixed."""

from __future__ import annotations

import json
import os
import stat

import pytest

from jobdeck.adapters.contract.model import ActionResult
from jobdeck.adapters.core.state import StateError, StateStore


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path, follow_symlinks=False).st_mode)


def test_an_audit_line_is_written_whatever_its_message_holds(tmp_path):
    store = StateStore(tmp_path / "state")
    result = ActionResult("farm", "stop", ["1\udcff"], ok=False,
                          message="refused: SURR\ud800X \x1b]0;PWNED\x07 \u202eevil")
    assert store.audit_action(result, via="console") is None
    raw = (tmp_path / "state" / "audit.log").read_bytes()
    raw.decode("utf-8")                                      # valid UTF-8, strictly
    line = json.loads(raw)
    assert line["message"].startswith("refused: SURR\ufffdX") and line["targets"] == ["1\ufffd"]
    assert b"\x1b" not in raw and "\u202e".encode() not in raw


def test_the_state_directory_is_0700_and_its_files_0600(tmp_path):
    store = StateStore(tmp_path / "state")
    store.update(theme="jobdeck-light")
    store.audit({"service": "farm", "action": "stop"})
    assert mode(tmp_path / "state") == 0o700
    for name in ("audit.log", "state.lock", "state.json"):
        assert mode(tmp_path / "state" / name) == 0o600, name


def test_an_existing_open_state_directory_and_audit_log_are_made_private(tmp_path):
    directory = tmp_path / "state"
    directory.mkdir(mode=0o755)
    (directory / "audit.log").write_text("")
    os.chmod(directory / "audit.log", 0o644)
    os.chmod(directory, 0o755)
    StateStore(directory).audit({"service": "farm", "action": "stop"})
    assert mode(directory) == 0o700 and mode(directory / "audit.log") == 0o600


def test_an_audit_log_that_is_a_symlink_is_refused_with_a_clear_message(tmp_path):
    directory = tmp_path / "state"
    directory.mkdir()
    target = tmp_path / "elsewhere"
    target.write_text("")
    (directory / "audit.log").symlink_to(target)
    problem = StateStore(directory).audit({"service": "farm", "action": "stop"})
    assert problem is not None and "symbolic link" in problem and "audit.log" in problem
    assert target.read_text() == ""


def test_a_state_lock_that_is_a_symlink_is_refused(tmp_path):
    directory = tmp_path / "state"
    directory.mkdir()
    (directory / "state.lock").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(StateError, match="symbolic link"):
        StateStore(directory).update(theme="x")
    assert not (tmp_path / "elsewhere").exists()
