"""Bad days, round two: text that is not text, replies too large, proxies, a long secret in a
crash, quitting mid-action. Each test is a finding that was reproduced before it was fixed."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import tomli_w

from jobdeck.tui.cli.main import main

LONG_SECRET = "sk-live-" + "Q7" * 30 + "-tail-of-the-secret-" + "9" * 20   # 108 characters


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write_config(tmp_path, *entries, **top) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps({**top, "services": list(entries)}))
    return path


def test_crash_log_keeps_no_prefix_of_a_long_secret(tmp_path):
    # Rich cuts a local string at 80 characters: the redactor, looking for the whole secret,
    # left its first 77 characters in crash.log
    from tests.support.pty_terminal import Terminal
    script = tmp_path / "crash.py"
    script.write_text(
        "from jobdeck.tui.console import launch\n"
        "from jobdeck.tui.console import app as app_module\n"
        "from jobdeck.adapters.core.demo import build_demo\n"
        "from jobdeck.adapters.core.state import StateStore\n"
        f"SECRET = {LONG_SECRET!r}\n"
        "class Boom(app_module.JobdeckApp):\n"
        "    CSS_PATH = app_module.__file__[:-6] + 'jobdeck.tcss'\n"
        "    def on_mount(self):\n"
        "        super().on_mount()\n"
        "        header = 'Bearer ' + SECRET\n"
        "        raise RuntimeError('boom')\n"
        "launch.JobdeckApp = Boom\n"
        "world = build_demo()\n"
        f"state = StateStore(__import__('pathlib').Path({str(tmp_path / 'state')!r}))\n"
        "adapters = world.adapters(state)\n"
        "next(iter(adapters.values())).config.secrets['token'] = SECRET\n"
        "raise SystemExit(launch.run_app(world.config, adapters, state=state))\n")
    env = {**os.environ, "TERM": "xterm-256color"}
    env.pop("JOBDECK_DEBUG", None)
    term = Terminal([sys.executable, str(script)], env, 100, 30)
    term.pump(8, until="internal error")
    term.pump(0.3)
    code = term.close()
    log = (tmp_path / "state" / "crash.log").read_text()
    assert code == 70 and "RuntimeError: boom" in log and "on_mount" in log
    assert LONG_SECRET[:16] not in log and "Q7Q7Q7Q7" not in log
    assert LONG_SECRET[:16] not in bytes(term.raw).decode("utf-8", "replace")


# a reply too large to read -------------------------------------------------------------------

def test_a_reply_over_max_reply_mb_is_refused_before_it_is_all_read(capsys, tmp_path):
    # a 50 MB reply took RSS to 352 MB; now a reply stops being read at max_reply_mb
    from jobdeck.adapters.renderbus.sim import RenderbusSim
    from jobdeck.adapters.simulation.server import SimResponse, SimServer

    class Flood(RenderbusSim):
        def route(self, request):
            if request.path.endswith("getTaskList"):
                return SimResponse(200, b'{"code": 200, "data": {"items": ["' + b"x" * 3_000_000
                                   + b'"]}}', {"Content-Type": "application/json"})
            return super().route(request)

    sim = Flood()
    with SimServer(sim) as server:
        config = write_config(tmp_path, sim.service_entry("farm", server.base_url),
                              max_reply_mb=1)
        code, out, _ = run(capsys, "snapshot", "--json", "--config", str(config))
    service = json.loads(out)["services"][0]
    assert code == 1 and service["ok"] is False
    assert service["error"] == "reply larger than 1 MB (max_reply_mb): not read"


async def test_a_chunked_reply_over_the_limit_is_cut_off_and_an_action_is_outcome_unknown():
    import httpx
    import pytest

    from jobdeck.adapters.contract.http import HttpTransport, Redactor
    from jobdeck.adapters.contract.model import OutcomeUnknown, ServiceError

    class Endless(httpx.AsyncByteStream):
        sent = 0

        async def __aiter__(self):
            while True:
                Endless.sent += 65536
                yield b"y" * 65536

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Endless())

    http = HttpTransport("http://big.test", redact=Redactor(), backoff=(0.0,),
                         transport=httpx.MockTransport(handler))
    http.max_reply_bytes = 1024 * 1024
    with pytest.raises(ServiceError, match="reply larger than 1 MB") as read:
        await http.request("GET", "/list", idempotent=True)
    assert not isinstance(read.value, OutcomeUnknown)
    assert Endless.sent < 1_200_000                          # read once, and not further
    with pytest.raises(OutcomeUnknown, match="reply larger than 1 MB"):
        await http.request("POST", "/stop", idempotent=False)
    await http.close()
    from jobdeck.adapters.contract.http import MAX_REPLY_BYTES
    assert MAX_REPLY_BYTES == 20 * 1024 * 1024


# proxies from the environment -----------------------------------------------------------------

def test_config_check_says_when_a_proxy_applies_and_warns_for_plain_http(capsys, tmp_path,
                                                                       monkeypatch):
    # HTTP_PROXY was honoured silently: with an http:// base URL a token went in clear to it
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy", "NO_PROXY", "ALL_PROXY",
                 "HTTPS_PROXY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HTTP_PROXY", "http://user:pw@proxy.example:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3129")
    monkeypatch.setenv("T", "t" * 12)
    config = write_config(tmp_path,
                          {"name": "plain", "kind": "finalrip", "base_url": "http://enc.lan:8848",
                           "token": {"env": "T"}},
                          {"name": "tls", "kind": "finalrip", "base_url": "https://enc.example",
                           "token": {"env": "T"}},
                          {"name": "near", "kind": "finalrip", "base_url": "http://near.lan:1",
                           "token": {"env": "T"}})
    monkeypatch.setenv("NO_PROXY", "near.lan")
    code, out, _ = run(capsys, "config", "check", "--offline", "--config", str(config))
    blocks: dict[str, str] = {}
    for line in out.splitlines():
        if line.startswith("  "):
            blocks[name] += line + "\n"
        elif ": " in line:
            name = line.split(":")[0]
            blocks[name] = ""
    plain, tls, near = blocks["plain"], blocks["tls"], blocks["near"]
    assert code == 0 and "pw" not in out
    assert "! requests go through the proxy http://•••@proxy.example:3128 (HTTP_PROXY" in plain
    assert "reads every token" in plain
    assert "requests go through the proxy http://proxy.example:3129 (HTTPS_PROXY" in tls
    assert "! requests" not in tls and "proxy" not in near


def test_a_socks_proxy_without_its_extra_says_what_to_install(capsys, tmp_path, monkeypatch):
    from jobdeck.adapters.renderbus.sim import RenderbusSim

    monkeypatch.setenv("ALL_PROXY", "socks5://127.0.0.1:1080")
    sim = RenderbusSim()
    config = write_config(tmp_path, sim.service_entry("farm", "http://farm.example"))
    code, out, _ = run(capsys, "snapshot", "--json", "--config", str(config))
    error = json.loads(out)["services"][0]["error"]
    assert code == 1 and "ImportError" not in error
    assert error == ("the proxy socks5://127.0.0.1:1080 (ALL_PROXY) needs SOCKS support: "
                     "pip install 'httpx[socks]' beside jobdeck, or unset that variable")


# one bad service, the others still printed ------------------------------------------------------

def test_one_service_that_cannot_be_printed_never_empties_the_others(capsys, tmp_path,
                                                                     monkeypatch):
    from jobdeck.adapters.contract.model import ServiceSnapshot, Task
    from jobdeck.adapters.ntv.sim import NtvSim
    from jobdeck.adapters.renderbus.adapter import RenderbusAdapter
    from jobdeck.adapters.simulation.server import SimServer

    async def odd_poll(self):   # a snapshot of a shape no printer expects: a bug's shape
        return ServiceSnapshot(self.name, self.kind, tasks=[Task("1", "x", "running", "5",
                                                                 progress="half")])

    monkeypatch.setattr(RenderbusAdapter, "poll", odd_poll)
    live = NtvSim()
    with SimServer(live) as server:
        config = write_config(tmp_path, {"name": "farm", "kind": "renderbus",
                                         "base_url": "http://farm.invalid", "access_id": "a",
                                         "access_key": "k" * 8},
                              live.service_entry("live", server.base_url))
        json_code, out, _ = run(capsys, "snapshot", "--json", "--config", str(config))
        text_code, text, _ = run(capsys, "snapshot", "--config", str(config))
    services = {s["name"]: s for s in json.loads(out)["services"]}
    assert json_code == 1 and services["live"]["ok"] is True and services["live"]["streams"]
    assert services["farm"]["ok"] is False and "internal error" in services["farm"]["error"]
    assert text_code == 1 and "live (ntv) · ok" in text and "live/live2" in text
    assert "farm (renderbus): FAILED: internal error" in text


def test_an_act_target_that_is_not_utf8_is_a_usage_error_and_nothing_is_sent(capsys, tmp_path):
    config = write_config(tmp_path, {"name": "farm", "kind": "renderbus",
                                     "base_url": "http://farm.invalid", "access_id": "a",
                                     "access_key": "k" * 8})
    code, out, err = run(capsys, "act", "farm", "stop", "190\udcff88", "--yes", "--config",
                         str(config))
    assert code == 2 and out == "" and "'190\ufffd88' is not UTF-8 text" in err
