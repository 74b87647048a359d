"""Bad days: hostile replies, faults and load never crash, leak, hang or lie about an outcome.
Each test is a finding that was reproduced before it was fixed."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import tomli_w

from jobdeck.adapters.contract.model import ServiceConfig
from jobdeck.adapters.contract.paging import MAX_PAGES
from jobdeck.adapters.core.state import StateStore
from jobdeck.adapters.finalrip.adapter import PROGRESS_NEWEST, PROGRESS_ROTATE, FinalRipAdapter
from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.renderbus.adapter import RenderbusAdapter
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import Fault, SimServer
from jobdeck.tui.cli.main import main
from tests.conftest import FIXED_EPOCH, FrozenClock
from tests.hostile import EVIL, NEVER

JOBDECK = str(Path(sys.executable).with_name("jobdeck"))


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def farm_server():
    sim = RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH)
    with SimServer(sim) as server:
        yield sim, server


def write_config(tmp_path, *entries, **top) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps({**top, "services": list(entries)}))
    return path


# nothing hangs ---------------------------------------------------------------------------------

def test_snapshot_with_a_hanging_and_a_dripping_service_ends_within_the_deadline(capsys,
                                                                               tmp_path):
    hang, drip, fine = RenderbusSim(), RenderbusSim(), NtvSim()
    hang.inject(Fault.parse("hang"))
    drip.inject(Fault.parse("drip"))
    servers = [SimServer(s).start() for s in (hang, drip, fine)]
    try:
        config = write_config(tmp_path, hang.service_entry("hang", servers[0].base_url),
                              drip.service_entry("drip", servers[1].base_url),
                              fine.service_entry("fine", servers[2].base_url),
                              poll_deadline=2.0)
        started = time.monotonic()
        code, out, _ = run(capsys, "snapshot", "--json", "--config", str(config))
        elapsed = time.monotonic() - started
    finally:
        for server in servers:
            server.stop()
    services = {s["name"]: s for s in json.loads(out)["services"]}
    assert code == 1 and elapsed < 4.5, elapsed
    assert services["fine"]["ok"] is True
    for name in ("hang", "drip"):
        assert services[name]["ok"] is False
        assert services[name]["error"] == "no complete answer within 2 s"


# nothing lies about an outcome -----------------------------------------------------------------

def test_an_action_whose_reply_never_came_is_outcome_unknown_exit_4(capsys, tmp_path,
                                                                    farm_server):
    sim, server = farm_server
    config = write_config(tmp_path, sim.service_entry("farm", server.base_url))
    sim.inject(Fault.parse("reset"))
    code, out, _ = run(capsys, "act", "farm", "stop", "19088", "--yes", "--config",
                       str(config))
    result = json.loads(out)
    assert code == 4 and result["outcome"] == "unknown" and result["ok"] is False
    assert "connection lost while reading the reply" in result["message"]
    assert "check the service before trying again" in result["message"]
    assert len([r for r in sim.requests if r[1].endswith("stopTask")]) == 1   # never resent
    audit = json.loads((StateStore().directory / "audit.log").read_text().splitlines()[-1])
    assert audit["outcome"] == "unknown" and audit["via"] == "act"


async def test_a_hung_action_ends_at_its_deadline_as_unknown(farm_server):
    sim, server = farm_server
    adapter = RenderbusAdapter(ServiceConfig(
        name="farm", kind="renderbus", base_url=server.base_url,
        options={"access_id": sim.access_id}, secrets={"access_key": sim.access_key}))
    adapter.action_deadline = 1.0
    sim.inject(Fault.parse("hang"))
    result = await adapter.perform("stop", ["19088"])
    assert result.outcome == "unknown" and "no answer within 1 s" in result.message
    sim.clear_fault()
    await adapter.close()


def test_ctrl_c_during_an_action_is_outcome_unknown_and_still_audited(tmp_path, farm_server):
    sim, server = farm_server
    config = write_config(tmp_path, sim.service_entry("farm", server.base_url))
    sim.inject(Fault.parse("hang"))
    state = tmp_path / "state"
    process = subprocess.Popen([JOBDECK, "act", "farm", "stop", "19088", "--yes", "--config",
                                str(config)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               env={**os.environ, "JOBDECK_STATE_DIR": str(state)})
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not any(r[1].endswith("stopTask")
                                                  for r in sim.requests):
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=15)
    sim.clear_fault()
    assert process.returncode == 4
    assert json.loads(out)["outcome"] == "unknown"
    line = json.loads((state / "audit.log").read_text().splitlines()[-1])
    assert line["outcome"] == "unknown" and line["action"] == "stop"


def test_a_batch_reports_each_target_in_the_json_and_the_audit(capsys, tmp_path):
    sim = NtvSim(clock=FrozenClock())
    with SimServer(sim) as server:
        config = write_config(tmp_path, sim.service_entry("live", server.base_url))
        code, out, _ = run(capsys, "act", "live", "close_stream", "live/live2", "live/nope",
                           "--yes", "--config", str(config))
    result = json.loads(out)
    assert code == 1 and result["outcome"] == "refused"
    assert [(r["target"], r["outcome"]) for r in result["results"]] == [
        ("live/live2", "done"), ("live/nope", "refused")]
    audit = json.loads((StateStore().directory / "audit.log").read_text().splitlines()[-1])
    assert [r["outcome"] for r in audit["results"]] == ["done", "refused"]


# lying servers ---------------------------------------------------------------------------------

async def test_a_renderbus_claiming_a_billion_pages_costs_two_requests():
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path.endswith("getTaskList"):
            calls.append(body["pageNum"])
            return httpx.Response(200, json={"code": 200, "data": {
                "pageCount": 1e9, "pageNum": body["pageNum"],
                "items": [{"id": 1, "taskStatus": 5}, {"id": 2, "taskStatus": 25}]}})
        return httpx.Response(200, json={"code": 200, "data": {"userName": "u"}})

    adapter = RenderbusAdapter(ServiceConfig(
        name="liar", kind="renderbus", base_url="http://liar.test", options={"access_id": "a"},
        secrets={"access_key": "k" * 8}), transport=httpx.MockTransport(handler))
    snapshot = await adapter.poll()
    assert snapshot.ok and [t.id for t in snapshot.tasks] == ["1", "2"]
    assert calls == [1, 2] and "repeated" in snapshot.warnings[0]
    await adapter.close()


async def test_paging_stops_at_the_cap_however_many_new_pages_come():
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path.endswith("getTaskList"):
            page = body["pageNum"]
            calls.append(page)
            return httpx.Response(200, json={"code": 200, "data": {
                "pageCount": 10**6, "pageNum": page,
                "items": [{"id": page * 10 + n, "taskStatus": 5} for n in range(2)]}})
        return httpx.Response(200, json={"code": 200, "data": {}})

    adapter = RenderbusAdapter(ServiceConfig(
        name="huge", kind="renderbus", base_url="http://huge.test", options={"access_id": "a"},
        secrets={"access_key": "k" * 8}), transport=httpx.MockTransport(handler))
    snapshot = await adapter.poll()
    assert len(calls) == MAX_PAGES and len(snapshot.tasks) == 2 * MAX_PAGES
    assert f"read {MAX_PAGES} pages of the 1000000" in snapshot.warnings[0]
    await adapter.close()


async def test_twenty_thousand_running_encodes_cost_a_bounded_number_of_reads():
    progress_calls: list[str] = []
    items = [{"key": f"ep{n:05d}.mkv", "status": "running", "create_at": n,
              "script": "s", "encode_param": "e"} for n in range(20_000)]

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/list"):
            return httpx.Response(200, json={"success": True, "data": items})
        progress_calls.append(request.url.params["video_key"])
        return httpx.Response(200, json={"success": True, "data": {"progress": [
            {"index": 0, "completed": True}, {"index": 1, "completed": False}]}})

    adapter = FinalRipAdapter(ServiceConfig(name="big", kind="finalrip",
                                            base_url="http://big.test",
                                            secrets={"token": "t" * 8}),
                              transport=httpx.MockTransport(handler))
    first = await adapter.poll()
    assert first.ok and len(progress_calls) == PROGRESS_NEWEST + PROGRESS_ROTATE
    newest = [f"ep{n:05d}.mkv" for n in range(19_999, 19_999 - PROGRESS_NEWEST, -1)]
    assert sorted(set(progress_calls) & set(newest)) == sorted(newest)
    first_turn = set(progress_calls) - set(newest)
    progress_calls.clear()
    snapshot = await adapter.poll()             # the newest again, and the next ones in turn
    second_turn = set(progress_calls) - set(newest)
    assert len(progress_calls) == PROGRESS_NEWEST + PROGRESS_ROTATE
    assert len(second_turn) == PROGRESS_ROTATE and second_turn.isdisjoint(first_turn)
    tasks = {t.id: t for t in snapshot.tasks}
    assert tasks["ep19999.mkv"].progress == 0.5                  # read this time
    assert all(tasks[key].progress == 0.5 for key in first_turn)  # kept from the last turn
    await adapter.close()


# types -----------------------------------------------------------------------------------------

def test_numbers_sent_as_strings_count_and_anything_else_is_a_clear_error():
    from jobdeck.adapters.contract.values import BadValue
    from jobdeck.adapters.eva.adapter import to_task as eva_task
    from jobdeck.adapters.ntv.adapter import percent
    from jobdeck.adapters.renderbus.adapter import to_task as renderbus_task

    assert eva_task("t", {"code": "4300"}).status == "running"
    assert eva_task("t", {"code": "200", "data": {"video": "v.mp4"}}).status == "done"
    assert renderbus_task({"id": 1, "taskStatus": "25", "totalFrames": "4",
                           "doneFrames": "4"}).status == "done"
    with pytest.raises(BadValue, match="taskStatus"):
        renderbus_task({"id": 1, "taskStatus": "running"})
    assert percent("nan%") is None and percent("inf%") is None


async def test_nan_never_reaches_the_json_and_a_bad_balance_is_a_warning():
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("getTaskList"):
            return httpx.Response(200, json={"code": 200, "data": {
                "pageCount": 1, "items": [{"id": 1, "taskStatus": 5}]}})
        return httpx.Response(200, content=b'{"code": 200, "data": {"rmbbalance": NaN}}')

    adapter = RenderbusAdapter(ServiceConfig(
        name="odd", kind="renderbus", base_url="http://odd.test", options={"access_id": "a"},
        secrets={"access_key": "k" * 8}), transport=httpx.MockTransport(handler))
    snapshot = await adapter.poll()
    assert snapshot.ok and snapshot.account is None
    assert "account could not be read" in snapshot.warnings[0] and "NaN" in snapshot.warnings[0]
    json.loads(json.dumps(snapshot.to_json()), parse_constant=pytest.fail)
    await adapter.close()


def test_a_reset_says_what_happened(capsys, tmp_path, farm_server):
    sim, server = farm_server
    config = write_config(tmp_path, sim.service_entry("farm", server.base_url))
    sim.inject(Fault.parse("reset"))
    _, out, _ = run(capsys, "snapshot", "--json", "--config", str(config))
    error = json.loads(out)["services"][0]["error"]
    assert error == "connection lost while reading the reply: Connection reset by peer"


# secrets ---------------------------------------------------------------------------------------

async def test_a_service_echoing_the_token_is_redacted_before_the_message_is_cut():
    token = "tok-" + "x" * 300
    message = "bad token: " + token + " please check"

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"success": False, "error": {"message": message}})

    adapter = FinalRipAdapter(ServiceConfig(name="e", kind="finalrip", base_url="http://e.test",
                                            secrets={"token": token}),
                              transport=httpx.MockTransport(handler))
    snapshot = await adapter.poll()
    assert "tok-xx" not in snapshot.error and "•••" in snapshot.error
    await adapter.close()


def test_config_check_masks_a_password_in_the_url_and_warns_of_plain_http(capsys, tmp_path,
                                                                          monkeypatch):
    monkeypatch.setenv("T", "t" * 10)
    path = tmp_path / "c.toml"
    path.write_text('[[services]]\nname = "enc"\nkind = "finalrip"\n'
                    'base_url = "http://admin:hunter2@encoder.example:8848"\n'
                    'token = { env = "T" }\n')
    code, out, _ = run(capsys, "config", "check", "--offline", "--config", str(path))
    assert code == 0 and "hunter2" not in out and "admin" not in out
    assert "http://•••@encoder.example:8848" in out and "plain http://" in out


def test_an_env_secret_ending_in_a_newline_works_and_never_shows(capsys, tmp_path, farm_server,
                                                                monkeypatch):
    sim, server = farm_server
    monkeypatch.setenv("RB_KEY", sim.access_key + "\n")
    entry = {**sim.service_entry("farm", server.base_url), "access_key": {"env": "RB_KEY"}}
    config = write_config(tmp_path, entry)
    code, out, _ = run(capsys, "snapshot", "--json", "--config", str(config))
    assert code == 0 and sim.access_key not in out


# text from a service on the command line -------------------------------------------------------

def test_the_headless_printers_never_pass_escapes(capsys, tmp_path):
    from tests.hostile import finalrip
    sim = finalrip()
    with SimServer(sim) as server:
        config = write_config(tmp_path, sim.service_entry("enc", server.base_url))
        outputs = []
        for argv in (("snapshot",), ("snapshot", "--json")):
            outputs.append(run(capsys, *argv, "--config", str(config)))
        key = next(iter(sim.tasks))
        outputs.append(run(capsys, "blocks", "enc", key, "--config", str(config)))
        outputs.append(run(capsys, "act", "enc", "clear", "nope" + EVIL, "--yes",
                           "--config", str(config)))
    for number, (_code, out, err) in enumerate(outputs):
        if number in (1, 3):   # JSON: controls leave escaped (\u001b), never raw
            assert not any(c in out for c in "\x1b\x07\u009b\u202e\u200b\ufeff")
            continue
        for never in NEVER:
            assert never.decode() not in out + err
    payload = json.loads(outputs[1][1])
    assert any("[bold]B[/]" in t["name"] for t in payload["services"][0]["tasks"])


# the state store ------------------------------------------------------------------------------

def test_ten_concurrent_track_processes_keep_every_id(tmp_path):
    from jobdeck.adapters.eva.sim import EvaSim
    sim = EvaSim(scenario="none")
    config = write_config(tmp_path, sim.service_entry("promo", "http://promo.test"))
    env = {**os.environ, "JOBDECK_STATE_DIR": str(tmp_path / "state")}
    ids = [f"task_{n:02d}" for n in range(10)]
    processes = [subprocess.Popen([JOBDECK, "track", "promo", task_id, "--config", str(config)],
                                  env=env, stdout=subprocess.DEVNULL) for task_id in ids]
    assert all(p.wait(timeout=60) == 0 for p in processes)
    assert sorted(StateStore(tmp_path / "state").tracked("promo")) == ids
    racing = [subprocess.Popen([JOBDECK, "untrack" if n % 2 else "track", "promo", task_id,
                                "--config", str(config)], env=env, stdout=subprocess.DEVNULL)
              for n, task_id in enumerate(ids)]
    assert all(p.wait(timeout=60) == 0 for p in racing)
    assert sorted(StateStore(tmp_path / "state").tracked("promo")) == ids[::2]


# the console: a crash, a poll that raises, backoff ----------------------------------------------

def test_a_crash_in_the_console_exits_70_with_one_line_and_no_secret(tmp_path):
    from tests.pty_terminal import Terminal
    script = tmp_path / "crash.py"
    script.write_text(
        "from jobdeck.tui.console import launch\n"
        "from jobdeck.tui.console import app as app_module\n"
        "from jobdeck.adapters.core.demo import build_demo\n"
        "from jobdeck.adapters.core.state import StateStore\n"
        "class Boom(app_module.JobdeckApp):\n"
        "    CSS_PATH = app_module.__file__[:-6] + 'jobdeck.tcss'\n"
        "    def on_mount(self):\n"
        "        super().on_mount()\n"
        "        raise RuntimeError('boom with sim-renderbus-access-key inside')\n"
        "launch.JobdeckApp = Boom\n"
        "world = build_demo()\n"
        f"state = StateStore(__import__('pathlib').Path({str(tmp_path / 'state')!r}))\n"
        "raise SystemExit(launch.run_app(world.config, world.adapters(state), state=state))\n")
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("JOBDECK_DEBUG", None)
    term = Terminal([sys.executable, str(script)], env, 100, 30)
    term.pump(8)
    code = term.close()
    text = bytes(term.raw).decode("utf-8", "replace")
    assert code == 70
    assert "the console stopped on an internal error: RuntimeError: boom with ••• inside" in text
    assert "Traceback" not in text and "sim-renderbus-access-key" not in text
    log = (tmp_path / "state" / "crash.log").read_text()
    assert "RuntimeError" in log and "sim-renderbus-access-key" not in log


async def test_a_poll_worker_that_raises_is_shown_on_its_line_and_re_armed():
    from tests.conftest import demo_app, settle, started

    sim = RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH)
    app = demo_app(("farm", sim), refresh=0.2)
    async with started(app) as pilot:
        adapter = app.adapters["farm"]
        real = adapter.poll
        calls = {"n": 0}

        async def broken():
            calls["n"] += 1
            if calls["n"] <= 2:
                raise RuntimeError("an adapter bug")
            return await real()

        adapter.poll = broken
        app.poller.backoff_first = 0.2
        app.poller.poll("farm")
        await pilot.pause(0.3)
        assert "poll failed: RuntimeError: an adapter bug" in (app.states["farm"].error or "")
        prompt = app.query_one("#services").get_option("farm").prompt.plain
        assert "retry soon" in prompt   # backoff of 0.2 s: under the 10 s step
        for _ in range(40):
            await pilot.pause(0.1)
            if calls["n"] > 2 and app.states["farm"].error is None:
                break
        assert app.states["farm"].error is None and calls["n"] >= 3   # re-armed, recovered
        await settle(pilot)


def test_backoff_grows_to_its_cap_with_jitter():
    from jobdeck.adapters.core.services import backoff
    assert backoff(0, 2.0) == 2.0
    delays = [backoff(n, 2.0, jitter=lambda: 0.5) for n in range(1, 8)]
    assert delays == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0, 30.0]
    low, high = backoff(3, 2.0, jitter=lambda: 0.0), backoff(3, 2.0, jitter=lambda: 1.0)
    assert math.isclose(low, 6.4) and math.isclose(high, 9.6)


async def test_services_share_one_tls_context_and_make_no_client_before_their_first_request(
        sim, server):
    # httpx reads the CA bundle for every client it makes (~35 ms): six services paid that
    # before the console's first frame
    from jobdeck.adapters.contract.http import HttpTransport, Redactor, shared_tls

    one, two = (HttpTransport(f"https://farm-{n}.example", redact=Redactor()) for n in (1, 2))
    assert one._client is None and two._client is None
    assert one.client._transport._pool._ssl_context is shared_tls()
    assert two.client._transport._pool._ssl_context is shared_tls()
    local = HttpTransport(server.base_url, redact=Redactor())
    assert local._client is None
    await local.request("POST", "/api/render/common/queryPlatforms", idempotent=True, json={})
    assert local._client is not None
    for transport in (one, two, local):
        await transport.close()


def test_a_read_cancelled_before_it_started_leaves_no_coroutine_unawaited():
    # read_together closes the reads its cancelled tasks never started; a read that wraps a
    # client call (reads.optional(client.items())) left that call to warn 'coroutine ... was
    # never awaited' on stderr (seen under test_faults' ntv hang and auth)
    import gc
    import warnings

    from jobdeck.adapters.contract.base import Reads, close_unstarted

    async def items() -> list:
        return []

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        close_unstarted(Reads().optional(items(), "recordings"))
        gc.collect()
        assert not [w for w in caught if "never awaited" in str(w.message)]
        Reads().optional(items(), "recordings").close()   # what read_together did before
        gc.collect()
        assert [w for w in caught if "never awaited" in str(w.message)]
