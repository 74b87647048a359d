"""The alert hook runner: a timeout ends the hook's whole process group, output is read with a
bound, hooks run a few at a time from a bounded queue, failures toast under `burst`, and close()
leaves nothing behind. Each test is a finding that was reproduced before it was fixed."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from jobdeck.adapters.core.alerts import AlertsConfig
from jobdeck.adapters.core.hooks import STDERR_TAIL, HookRunner
from jobdeck.adapters.core.oncall import Transition

AT = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def transition(number: int = 1, name: str = "render") -> Transition:
    return Transition(AT, "farm", "renderbus", "task", str(number), name, "running", "failed")


def alive(pid: int) -> bool:
    """Running, or stopped: not gone and not a zombie waiting for its reaper."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def script(tmp_path: Path, name: str, body: str) -> str:
    path = tmp_path / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(0o755)
    return str(path)


async def until(check, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        await asyncio.sleep(0.02)


def runner(command: str, reports: list[str], **alerts) -> HookRunner:
    return HookRunner(AlertsConfig(command=command, **alerts), reports.append, kill_after=0.5)


async def test_a_hook_that_forks_is_ended_with_its_whole_group_at_the_timeout(tmp_path):
    # `#!/bin/sh` then `sleep`: killing the shell left the sleep holding the stderr pipe, and
    # the console waited for it (31 s for a 0.5 s timeout)
    pids = tmp_path / "pids"
    hook = script(tmp_path, "hook.sh", f"sleep 30 &\necho $! > {pids}\nsleep 30\n")
    reports: list[str] = []
    hooks = runner(hook, reports, command_timeout=0.5)
    started = time.monotonic()
    failure = await hooks.run_one(transition())
    elapsed = time.monotonic() - started
    assert failure == "alert command took longer than 0.5 s and was stopped"
    assert elapsed < 3.0, elapsed
    child = int(pids.read_text())
    await until(lambda: not alive(child), 3)
    assert not alive(child)


async def test_a_hook_deaf_to_sigterm_is_killed(tmp_path):
    hook = script(tmp_path, "deaf.sh", "trap '' TERM\nwhile :; do sleep 0.1; done\n")
    hooks = runner(hook, [], command_timeout=0.3)
    started = time.monotonic()
    assert "took longer than 0.3 s" in (await hooks.run_one(transition()) or "")
    assert time.monotonic() - started < 3.0


async def test_only_the_last_4_kb_of_a_hooks_stderr_is_kept(tmp_path):
    hook = script(tmp_path, "loud.sh",
                  "head -c 30000000 /dev/zero | tr '\\0' 'x' >&2\necho >&2\n"
                  "echo 'the real reason' >&2\nexit 3\n")
    hooks = runner(hook, [], command_timeout=30)
    seen: list[int] = []
    original = hooks.run_one

    failure = await original(transition())
    assert failure == "alert command exited 3: the real reason"
    from jobdeck.adapters.core import hooks as hooks_module

    class Watching(hooks_module._Hook):
        def pipe_data_received(self, fd, data):
            super().pipe_data_received(fd, data)
            seen.append(len(self.tail))

    hooks_module._Hook, saved = Watching, hooks_module._Hook
    try:
        await hooks.run_one(transition())
    finally:
        hooks_module._Hook = saved
    assert seen and max(seen) <= STDERR_TAIL


async def test_a_thousand_alerts_run_four_hooks_at_a_time_and_every_one_is_sent(tmp_path):
    out = tmp_path / "sent"
    out.mkdir()
    hook = script(tmp_path, "hook.sh", f"cat > {out}/$$\n")
    reports: list[str] = []
    hooks = runner(hook, reports, command_concurrency=4)
    hooks.submit(transition(n) for n in range(200))
    await until(lambda: not hooks.busy, 60)
    assert hooks.most_at_once <= 4 and hooks.started == 200
    sent = {json.loads(p.read_text())["id"] for p in out.iterdir()}
    assert sent == {str(n) for n in range(200)} and reports == []


async def test_a_full_queue_drops_the_oldest_and_says_how_many(tmp_path):
    out = tmp_path / "sent"
    out.mkdir()
    hook = script(tmp_path, "hook.sh", f"cat > {out}/$$\n")
    reports: list[str] = []
    hooks = HookRunner(AlertsConfig(command=hook, command_concurrency=1), reports.append,
                       queue_limit=10)
    hooks.submit(transition(n) for n in range(50))
    await until(lambda: not hooks.busy, 30)
    sent = sorted(int(json.loads(p.read_text())["id"]) for p in out.iterdir())
    assert sent == list(range(40, 50))    # the newest ten waited; the forty before, dropped
    assert reports == ["40 alerts dropped without running the command: more than 10 were "
                       "waiting for it ([alerts] command_concurrency = 1)"]


async def test_hook_failures_toast_at_most_burst_then_one_summary(tmp_path):
    reports: list[str] = []
    hooks = runner(f"{sys.executable} -c 'import sys; sys.exit(1)'", reports, burst=3)
    hooks.submit(transition(n) for n in range(20))
    await until(lambda: not hooks.busy, 60)
    assert reports == ["alert command exited 1"] * 3 + [
        "17 more alert commands failed (the last: exited 1)"]


async def test_a_hook_gets_valid_json_whatever_the_transition_holds(tmp_path):
    out = tmp_path / "got"
    hook = script(tmp_path, "hook.sh", f"cat > {out}\n")
    hooks = runner(hook, [])
    assert await hooks.run_one(transition(name="SURR\ud800X \x1b]0;PWNED\x07")) is None
    raw = out.read_bytes()
    assert json.loads(raw.decode("utf-8"))["name"] == "SURR\ufffdX \x1b]0;PWNED\x07"
    assert b"\x1b" not in raw and b"\x07" not in raw


def test_closing_ends_running_hooks_and_leaves_no_orphan_or_loop_error(tmp_path):
    # quitting used to print "Event loop is closed" tracebacks after the console had left the
    # screen, while the hooks lived on under PID 1
    pids = tmp_path / "pids"
    hook = script(tmp_path, "hook.sh", f"sleep 60 &\necho $! >> {pids}\nsleep 60\n")
    program = tmp_path / "program.py"
    program.write_text(
        "import asyncio, time\n"
        "from datetime import UTC, datetime\n"
        "from jobdeck.adapters.core.alerts import AlertsConfig\n"
        "from jobdeck.adapters.core.hooks import HookRunner\n"
        "from jobdeck.adapters.core.oncall import Transition\n"
        "async def main():\n"
        f"    hooks = HookRunner(AlertsConfig(command={hook!r}), print)\n"
        "    hooks.submit(Transition(datetime.now(UTC), 's', 'k', 'task', str(n), 'n', 'a', 'b')\n"
        "                 for n in range(6))\n"
        "    deadline = time.monotonic() + 10\n"
        "    import os\n"
        f"    pids = {str(pids)!r}\n"
        "    while time.monotonic() < deadline and not (os.path.exists(pids) and\n"
        "                                               len(open(pids).read().split()) >= 4):\n"
        "        await asyncio.sleep(0.05)\n"
        "    await hooks.close(grace=0.5)\n"
        "asyncio.run(main())\n")
    started = time.monotonic()
    result = subprocess.run([sys.executable, str(program)], capture_output=True, text=True,
                            timeout=30, env={**os.environ, "PYTHONASYNCIODEBUG": ""})
    assert time.monotonic() - started < 10
    assert result.returncode == 0, result.stderr
    assert "Event loop is closed" not in result.stderr and "Traceback" not in result.stderr
    assert "2 queued alerts not sent to the command: jobdeck stopped" in result.stdout
    children = [int(line) for line in pids.read_text().split()]
    assert len(children) == 4
    deadline = time.monotonic() + 3
    while any(alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(alive(pid) for pid in children)
