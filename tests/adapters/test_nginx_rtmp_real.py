"""nginx-rtmp for real: a real nginx with the RTMP module on loopback and real ffmpeg publishers
and players. The nginx has two rtmp `server {}` blocks, so stream ids carry the server index and
drops carry `srv=` (ngx_rtmp_control_module.c).

`.ci/run` installs nginx-light, libnginx-mod-rtmp and ffmpeg, so in CI these tests never skip;
on a machine without them they skip with the reason.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import tomli_w

from jobdeck.adapters.contract.model import ServiceConfig
from jobdeck.adapters.core.config import Config
from jobdeck.adapters.nginx_rtmp.adapter import NginxRtmpAdapter
from jobdeck.tui.console.app import JobdeckApp
from jobdeck.tui.console.screens.confirm import ConfirmScreen
from jobdeck.tui.console.widgets.streams_pane import StreamsPane
from tests.support.console import select_service, settle, started

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
MODULES = [Path("/usr/lib/nginx/modules/ngx_rtmp_module.so"),
           Path("/usr/share/nginx/modules/ngx_rtmp_module.so")]
MODULE = next((m for m in MODULES if m.exists()), None)
FFMPEG = shutil.which("ffmpeg")
MISSING = [name for name, ok in (("nginx", Path(NGINX).exists()), ("libnginx-mod-rtmp", MODULE),
                                 ("ffmpeg", FFMPEG)) if not ok]
if MISSING and os.environ.get("CI"):
    raise RuntimeError(f"CI must run the nginx-rtmp tests, but {', '.join(MISSING)} is missing")
pytestmark = pytest.mark.skipif(bool(MISSING), reason=f"not installed: {', '.join(MISSING)}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(check, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = check()
        except (httpx.HTTPError, OSError):
            value = None
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@dataclass
class Nginx:
    base: str      # http: /stat and /control
    rtmp: str      # rtmp://127.0.0.1:PORT/live on server block 0
    rtmp1: str     # rtmp://127.0.0.1:PORT on server block 1 (applications live and show)


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Nginx]:
    http_port, rtmp_port, rtmp1_port = free_port(), free_port(), free_port()
    for folder in ("logs", "tmp"):
        (tmp_path / folder).mkdir()
    temp = tmp_path / "tmp"
    (tmp_path / "nginx.conf").write_text(f"""
load_module {MODULE};
worker_processes 1;
daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/logs/error.log warn;
events {{ worker_connections 64; }}
rtmp {{
  server {{ listen 127.0.0.1:{rtmp_port}; application live {{ live on; }} }}
  server {{ listen 127.0.0.1:{rtmp1_port};
            application live {{ live on; }} application show {{ live on; }} }}
}}
http {{
  access_log off;
  client_body_temp_path {temp}/body; proxy_temp_path {temp}/proxy;
  fastcgi_temp_path {temp}/fcgi; uwsgi_temp_path {temp}/uwsgi; scgi_temp_path {temp}/scgi;
  server {{
    listen 127.0.0.1:{http_port};
    location /stat {{ rtmp_stat all; }}
    location /control {{ rtmp_control all; }}
  }}
}}
""")
    process = subprocess.Popen([NGINX, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{http_port}"
    try:
        wait_until(lambda: httpx.get(f"{base}/stat", timeout=1).status_code == 200, 10,
                   "nginx to serve /stat")
        yield Nginx(base, f"rtmp://127.0.0.1:{rtmp_port}/live", f"rtmp://127.0.0.1:{rtmp1_port}")
    finally:
        process.terminate()
        process.wait(timeout=10)


def publish(url: str) -> subprocess.Popen:
    return subprocess.Popen(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi",
         "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
         "-b:v", "400k", "-c:a", "aac", "-f", "flv", url],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def play(url: str) -> subprocess.Popen:
    return subprocess.Popen([FFMPEG, "-hide_banner", "-loglevel", "error", "-i", url,
                             "-f", "null", "-"],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)


def stop(*processes: subprocess.Popen) -> None:
    for process in processes:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


def exits(process: subprocess.Popen, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    return process.poll() is not None


@pytest.fixture
def publisher(nginx: Nginx) -> Iterator[tuple[str, subprocess.Popen]]:
    """live/cam1 on server 0 and live/cam1 on server 1: the same name on both blocks."""
    base = nginx.base
    process = publish(f"{nginx.rtmp}/cam1")
    other = publish(f"{nginx.rtmp1}/live/cam1")
    try:
        wait_until(lambda: httpx.get(f"{base}/stat", timeout=1).text.count(
            "<name>cam1</name>") == 2, 20, "both ffmpeg streams on /stat")
        yield base, process
    finally:
        stop(process, other)


def test_snapshot_json_shows_the_live_stream_with_codec_and_bitrate(publisher, tmp_path):
    base, _ = publisher
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps({"services": [
        {"name": "edge-rtmp", "kind": "nginx-rtmp", "base_url": base}]}))
    jobdeck = Path(sys.executable).with_name("jobdeck")
    result = subprocess.run([str(jobdeck), "snapshot", "--json", "--config", str(config)],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    (service,) = json.loads(result.stdout)["services"]
    streams = {s["id"]: s for s in service["streams"]}
    assert set(streams) == {"0:live/cam1", "1:live/cam1"}   # two server blocks
    stream = streams["0:live/cam1"]
    assert stream["state"] == "live"
    assert stream["protocol"] == "rtmp" and stream["host"] == "127.0.0.1 #0"
    assert stream["codec"] == "H264/AAC"
    assert 100 < stream["bitrate_kbps"] < 5000
    assert stream["viewers"] == 0 and stream["actions"] == ["close_stream"]


async def test_close_stream_from_the_console_really_drops_the_publisher(publisher):
    """k on server 0's live/cam1 drops that publisher only (srv=0 sent)."""
    base, ffmpeg = publisher
    config = ServiceConfig(name="edge-rtmp", kind="nginx-rtmp", base_url=base)
    app = JobdeckApp(Config(refresh=60, services=[config]),
                     {"edge-rtmp": NginxRtmpAdapter(config)})
    async with started(app) as pilot:
        await select_service(pilot, "edge-rtmp")
        table = app.query_one(StreamsPane)
        assert list(table.streams) == ["0:live/cam1", "1:live/cam1"]
        row = [str(cell) for cell in table.get_row("0:live/cam1")]
        assert "cam1" in row and "H264/AAC" in row
        assert app.query_one("#right").has_class("no-tasks")  # nginx-rtmp has no tasks
        table.focus()
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and "0:live/cam1" in app.screen.body.plain
        await pilot.press("y")
        await settle(pilot)
        assert "0:live/cam1: 1 session dropped" in [message for message, _ in app.toasts]
        for _ in range(50):   # ffmpeg's connection is cut: it exits on its own
            if ffmpeg.poll() is not None:
                break
            await pilot.pause(0.2)
        assert ffmpeg.poll() is not None
        await pilot.press("r")
        await settle(pilot)
        assert "0:live/cam1" not in table.streams and "1:live/cam1" in table.streams



async def stream_of(adapter: NginxRtmpAdapter, stream_id: str, check, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        stream = next((s for s in (await adapter.poll()).streams if s.id == stream_id), None)
        if stream is not None and check(stream):
            return stream
        time.sleep(0.2)
    raise AssertionError(f"{stream_id} never became as expected")


async def test_kick_drops_one_player_on_the_second_server_block(nginx, publisher):
    base, _ = publisher
    adapter = NginxRtmpAdapter(ServiceConfig(name="edge-rtmp", kind="nginx-rtmp", base_url=base))
    player = play(f"{nginx.rtmp1}/live/cam1")
    try:
        stream = await stream_of(adapter, "1:live/cam1", lambda s: s.viewers == 1)
        viewer = next(c for c in stream.details["clients"] if not c["publishing"])
        result = await adapter.perform("kick", [f"1:live/cam1/{viewer['id']}"])
        assert result.ok and result.message == f"1:live/cam1/{viewer['id']}: 1 session dropped"
        assert exits(player)
        await stream_of(adapter, "1:live/cam1", lambda s: s.viewers == 0)
    finally:
        stop(player)
        await adapter.close()


async def test_a_kick_with_the_publishers_id_drops_nobody(nginx, publisher):
    """The kick is drop/subscriber: the real module skips the publishing session, so even the
    publisher's own clientid leaves the stream live."""
    base, first = publisher
    adapter = NginxRtmpAdapter(ServiceConfig(name="edge-rtmp", kind="nginx-rtmp", base_url=base))
    try:
        stream = await stream_of(adapter, "0:live/cam1", lambda s: s.state == "live")
        sender = next(c for c in stream.details["clients"] if c["publishing"])
        result = await adapter.perform("kick", [f"0:live/cam1/{sender['id']}"])
        assert not result.ok and "nothing is playing" in result.message
        assert first.poll() is None   # ffmpeg still publishing
        await stream_of(adapter, "0:live/cam1", lambda s: s.state == "live")
    finally:
        await adapter.close()


async def test_close_on_one_server_block_leaves_the_other_alone(nginx, publisher):
    base, first = publisher
    adapter = NginxRtmpAdapter(ServiceConfig(name="edge-rtmp", kind="nginx-rtmp", base_url=base))
    try:
        await stream_of(adapter, "1:live/cam1", lambda s: s.state == "live")
        assert (await adapter.perform("close_stream", ["1:live/cam1"])).ok
        ids = {s.id for s in (await adapter.poll()).streams}
        assert "0:live/cam1" in ids and first.poll() is None   # server 0's stream untouched
        await stream_of(adapter, "0:live/cam1", lambda s: s.state == "live")
    finally:
        await adapter.close()


async def test_a_player_waiting_for_a_publisher_is_an_idle_stream(nginx):
    adapter = NginxRtmpAdapter(ServiceConfig(name="edge-rtmp", kind="nginx-rtmp",
                                             base_url=nginx.base))
    player = play(f"{nginx.rtmp1}/show/waiting")
    try:
        stream = await stream_of(adapter, "1:show/waiting", lambda s: s.viewers == 1)
        assert stream.state == "idle" and stream.actions == ()
    finally:
        stop(player)
        await adapter.close()


async def test_a_name_is_matched_byte_for_byte_not_percent_decoded(nginx):
    """ngx_http_arg gives arguments as written: the stream literally named x%26y is dropped by
    name=x%26y; encoding it again (x%2526y) would match nothing."""
    adapter = NginxRtmpAdapter(ServiceConfig(name="edge-rtmp", kind="nginx-rtmp",
                                             base_url=nginx.base))
    odd = publish(f"{nginx.rtmp1}/show/x%26y")
    try:
        await stream_of(adapter, "1:show/x%26y", lambda s: s.state == "live", 20)
        encoded = httpx.get(f"{nginx.base}/control/drop/publisher?srv=1&app=show&name=x%2526y")
        assert encoded.text == "0"
        result = await adapter.perform("close_stream", ["1:show/x%26y"])
        assert result.ok, result.message
        assert exits(odd)
    finally:
        stop(odd)
        await adapter.close()
