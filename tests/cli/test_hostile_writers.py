"""Every kind, every hostile field, through every writer but the screen (tests/console/
test_hostile_pty.py has the screen): `snapshot` as text and JSON, `act` and its audit.log line,
`watch` as text and JSON lines, the alert hook's stdin and the /metrics page. The simulators
send escapes, bidi controls, markup, a lone surrogate (`\\ud800`) and bytes that are not UTF-8
(tests/support/hostile.py); no writer may fail, pass a raw control, or drop another service."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
import tomli_w
from prometheus_client import CollectorRegistry, generate_latest

from jobdeck.adapters.contract.registry import ADAPTERS
from jobdeck.adapters.core.config import load_config
from jobdeck.adapters.core.hooks import HookRunner
from jobdeck.adapters.core.services import make_adapters
from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.simulation.server import SimServer
from jobdeck.tui.cli.main import main
from jobdeck.tui.cli.metrics import JobdeckCollector
from jobdeck.tui.cli.watch import Watcher
from tests.support import hostile

RAW_CONTROLS = "\x1b\x07\u009b\u202e\u200b\ufeff"
NAMES = ("farm", "encoder", "promo", "photo", "studio", "edge")


def never_in_text(text: str) -> None:
    """A text writer's output: valid, no escape, no raw control, the replacement visible."""
    text.encode("utf-8")                            # no lone surrogate survived
    for never in hostile.NEVER:
        assert never.decode() not in text, never
    assert "\x1b" not in text and "\x07" not in text


def never_in_json(raw: str) -> None:
    raw.encode("utf-8")
    assert not any(c in raw for c in RAW_CONTROLS)   # escaped (\u001b), never raw


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    sims = hostile.world()
    servers = {name: SimServer(sim).start() for name, sim in sims.items()}
    directory = tmp_path_factory.mktemp("hostile")
    config = directory / "config.toml"
    config.write_text(tomli_w.dumps({"refresh": 0.2, "services": [
        sim.service_entry(name, servers[name].base_url) for name, sim in sims.items()]}))
    yield sims, config, directory
    for server in servers.values():
        server.stop()


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_snapshot_text_and_json_print_every_service(world, capsys):
    _, config, _ = world
    code, text, err = run(capsys, "snapshot", "--config", str(config))
    assert code in (0, 1), err
    never_in_text(text + err)
    assert "\ufffd" in text
    for name in NAMES:
        assert f"\n{name} (" in f"\n{text}", name
    code, out, err = run(capsys, "snapshot", "--json", "--config", str(config))
    assert code in (0, 1), err
    never_in_json(out)
    services = {s["name"]: s for s in json.loads(out)["services"]}
    assert set(services) == set(NAMES)
    for name, service in services.items():
        assert service["tasks"] or service["streams"], name   # no kind emptied by its text
    assert "\ufffd" in out


ACTS = {   # kind: an action on the first item the service lists
    "farm": ("stop", "task"), "encoder": ("clear", "task"), "promo": ("untrack", "task"),
    "photo": ("delete", "task"), "studio": ("close_stream", "stream"),
    "edge": ("close_stream", "stream")}


@pytest.mark.parametrize("name", NAMES)
def test_act_prints_its_result_and_writes_its_audit_line(world, capsys, name):
    _, config, _ = world
    _, out, _ = run(capsys, "snapshot", "--json", "--service", name, "--config", str(config))
    service = json.loads(out)["services"][0]
    action, what = ACTS[name]
    items = service["tasks"] if what == "task" else service["streams"]
    target = items[0]["id"]
    audit = StateStore().directory / "audit.log"
    before = audit.read_bytes().count(b"\n") if audit.exists() else 0
    code, out, err = run(capsys, "act", name, action, target, "--yes", "--config", str(config))
    assert code in (0, 1, 4), err
    never_in_json(out)
    result = json.loads(out)
    assert result["action"] == action
    lines = audit.read_bytes().splitlines()
    assert len(lines) == before + 1
    line = json.loads(lines[-1].decode("utf-8"))
    never_in_json(lines[-1].decode("utf-8"))
    assert line["service"] == name and line["message"] == result["message"]
    if name == "farm":   # the service's own refusal: a lone surrogate in it, replaced
        assert "\ufffd" in line["message"] and "refusal" in line["message"]


async def test_watch_lines_json_hook_stdin_and_metrics(world, tmp_path):
    sims, config_path, _ = world
    config = load_config(config_path, ADAPTERS)
    hook_out = tmp_path / "hook.jsonl"
    hook = tmp_path / "hook.sh"
    hook.write_text(f"#!/bin/sh\ncat >> {hook_out}\n")
    hook.chmod(0o755)
    config.alerts.command = str(hook)
    adapters = make_adapters(config)
    lines: list[str] = []
    jsons: list[str] = []
    collector = JobdeckCollector(adapters)
    hooks = HookRunner(config.alerts, report=lines.append)

    def emit(transition) -> None:
        from jobdeck.adapters.contract import jsonsafe
        from jobdeck.tui.safe_text import clean
        lines.append(clean(transition.line()))
        jsons.append(jsonsafe.dumps(transition.to_json()))

    watcher = Watcher(adapters, config, emit, collector, hooks=hooks)
    for name in NAMES:                                     # the baseline
        watcher.take(name, await watcher.poll(name))
    garbled = {name: sim.handle for name, sim in sims.items()}
    for name, sim in sims.items():                         # every service goes down, in words
        def down(request, handle=garbled[name]):          # that are hostile too
            response = handle(request)
            response.status, response.body = 503, b"\xff " + hostile.hostile("down").encode()
            response.headers = {"Content-Type": "text/plain"}
            return response

        sim.handle = down
    try:
        polled = await asyncio.gather(*(watcher.poll(name) for name in NAMES))
        for name, snapshot in zip(NAMES, polled, strict=True):
            watcher.take(name, snapshot)
    finally:
        for name, sim in sims.items():
            sim.handle = garbled[name]
    deadline = time.monotonic() + 20
    while hooks.busy and time.monotonic() < deadline:
        await asyncio.sleep(0.02)
    await hooks.close()
    for adapter in adapters.values():
        await adapter.close()
    # EVA asks nothing again of a finished render: it stays up, and says nothing
    assert {line.split()[1].rstrip(":") for line in lines if " -> down" in line} == \
        set(NAMES) - {"promo"}
    never_in_text("\n".join(lines))
    assert "\ufffd" in "\n".join(lines)
    for raw in jsons:
        never_in_json(raw)
        assert json.loads(raw)["to"] == "down"
    sent = hook_out.read_bytes().splitlines()
    assert len(sent) == len(NAMES) - 1
    for raw in sent:
        never_in_json(raw.decode("utf-8"))
    registry = CollectorRegistry()
    registry.register(collector)  # type: ignore[arg-type]
    page = generate_latest(registry)
    never_in_text(page.decode("utf-8"))
    for name in NAMES:
        assert f'service="{name}"'.encode() in page
