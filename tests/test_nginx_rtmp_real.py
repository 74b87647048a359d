"""nginx-rtmp for real: a real nginx with the RTMP module on loopback and a real ffmpeg publisher.

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
from jobdeck.adapters.config import Config, ServiceConfig
from jobdeck.adapters.nginx_rtmp.adapter import NginxRtmpAdapter
from jobdeck.tui.app import JobdeckApp
from jobdeck.tui.screens.confirm import ConfirmScreen
from jobdeck.tui.widgets.streams_table import StreamsTable

from .test_app_keys import settle, started

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
    rtmp: str      # rtmp://127.0.0.1:PORT/live


@pytest.fixture
def nginx(tmp_path: Path) -> Iterator[Nginx]:
    http_port, rtmp_port = free_port(), free_port()
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
rtmp {{ server {{ listen 127.0.0.1:{rtmp_port}; application live {{ live on; }} }} }}
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
        yield Nginx(base, f"rtmp://127.0.0.1:{rtmp_port}/live")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def publisher(nginx: Nginx) -> Iterator[tuple[str, subprocess.Popen]]:
    base, rtmp = nginx.base, nginx.rtmp
    process = subprocess.Popen(
        [FFMPEG, "-hide_banner", "-loglevel", "error", "-re", "-f", "lavfi",
         "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi", "-i", "sine=frequency=440",
         "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "25",
         "-b:v", "400k", "-c:a", "aac", "-f", "flv", f"{rtmp}/cam1"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: "<name>cam1</name>" in httpx.get(f"{base}/stat", timeout=1).text,
                   20, "ffmpeg's stream on /stat")
        yield base, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


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
    (stream,) = service["streams"]
    assert stream["id"] == "live/cam1" and stream["state"] == "live"
    assert stream["protocol"] == "rtmp" and stream["host"] == "127.0.0.1"
    assert stream["codec"] == "H264/AAC"
    assert 100 < stream["bitrate_kbps"] < 5000
    assert stream["viewers"] == 0 and stream["actions"] == ["close_stream"]


async def test_close_stream_from_the_console_really_drops_the_publisher(publisher):
    base, ffmpeg = publisher
    config = ServiceConfig(name="edge-rtmp", kind="nginx-rtmp", base_url=base)
    app = JobdeckApp(Config(refresh=60, services=[config]),
                     {"edge-rtmp": NginxRtmpAdapter(config)})
    async with started(app) as pilot:
        table = app.query_one(StreamsTable)
        assert list(table.streams) == ["live/cam1"]
        row = [str(cell) for cell in table.get_row("live/cam1")]
        assert "cam1" in row and "H264/AAC" in row
        assert app.query_one("#right").has_class("no-tasks")  # nginx-rtmp has no tasks
        table.focus()
        await pilot.press("k")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen) and "live/cam1" in app.screen.body.plain
        await pilot.press("y")
        await settle(pilot)
        messages = [n.message for n in app._notifications]
        assert "live/cam1: 1 session(s) dropped" in messages
        for _ in range(50):   # ffmpeg's connection is cut: it exits on its own
            if ffmpeg.poll() is not None:
                break
            await pilot.pause(0.2)
        assert ffmpeg.poll() is not None
        await pilot.press("r")
        await settle(pilot)
        assert "live/cam1" not in table.streams
        assert "<name>cam1</name>" not in httpx.get(f"{base}/stat").text



async def test_kick_drops_one_player_client(nginx, publisher):
    base, _ = publisher
    adapter = NginxRtmpAdapter(ServiceConfig(name="edge-rtmp", kind="nginx-rtmp", base_url=base))
    player = subprocess.Popen([FFMPEG, "-hide_banner", "-loglevel", "error", "-i",
                               f"{nginx.rtmp}/cam1", "-f", "null", "-"],
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        for _ in range(75):
            stream = (await adapter.poll()).streams[0]
            if stream.viewers == 1:
                break
            time.sleep(0.2)
        assert stream.viewers == 1, "the player never showed up as a viewer"
        viewer = next(c for c in stream.details["clients"] if not c["publishing"])
        result = await adapter.perform("kick", [f"live/cam1/{viewer['id']}"])
        assert result.ok and result.message == "live/cam1/" + viewer["id"] + \
            ": 1 session(s) dropped"
        for _ in range(50):
            if player.poll() is not None:
                break
            time.sleep(0.2)
        assert player.poll() is not None
        assert (await adapter.poll()).streams[0].viewers == 0
    finally:
        if player.poll() is None:
            player.kill()
        player.wait(timeout=10)
        await adapter.close()
