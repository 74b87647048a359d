"""`watch --metrics`: label values carry no terminal escapes (the README pipes /metrics to a
terminal), one odd service never fails the scrape, and the address is read as operators write
it. Each test is a finding that was reproduced before it was fixed."""

from __future__ import annotations

import httpx
import pytest
from prometheus_client import CollectorRegistry, generate_latest

from jobdeck.adapters.contract.model import ServiceSnapshot, Stream, Task
from jobdeck.adapters.core.oncall import ServiceWatch
from jobdeck.tui.cli.common import UsageError
from jobdeck.tui.cli.main import main
from jobdeck.tui.cli.metrics import JobdeckCollector, parse_address, serve_metrics


class FakeAdapter:
    def __init__(self, kind: str, streams: bool = True) -> None:
        self.kind, self.lists_streams = kind, streams


def scrape(collector: JobdeckCollector) -> bytes:
    registry = CollectorRegistry()
    registry.register(collector)  # type: ignore[arg-type]
    return generate_latest(registry)


def test_label_values_carry_no_escape_and_no_lone_surrogate():
    evil = "cam\x1b]52;c;SE9TVElMRQ==\x07\x1b]0;PWNED\x07\u202eevil\ud800"
    collector = JobdeckCollector({"live\x1b[31m": FakeAdapter("ntv")})
    snapshot = ServiceSnapshot("live\x1b[31m", "ntv", tasks=[Task("1", evil, "failed", evil)],
                               streams=[Stream(f"live/{evil}", "live", evil, "rtmp", "h",
                                               viewers=3)])
    collector.record(snapshot, ServiceWatch("live\x1b[31m", "ntv"))
    text = scrape(collector)
    text.decode("utf-8")
    for never in (b"\x1b", b"\x07", "\u202e".encode(), b"SE9TVElMRQ", b"PWNED"):
        assert never not in text, never
    assert 'stream="live/camevil\ufffd"'.encode() in text
    assert b'service="live"' in text


def test_one_service_that_cannot_be_collected_leaves_the_others_in_the_scrape():
    collector = JobdeckCollector({"odd": FakeAdapter("ntv"), "fine": FakeAdapter("ntv")})
    odd = ServiceSnapshot("odd", "ntv", streams=[Stream("a/b", "live", "b", "rtmp", "h")])
    odd.streams[0].viewers = "many"   # type: ignore[assignment]   # not a number: a bug's shape
    collector.record(odd, ServiceWatch("odd", "ntv"))
    collector.record(ServiceSnapshot("fine", "ntv"), ServiceWatch("fine", "ntv"))
    text = scrape(collector).decode()
    assert 'jobdeck_up{kind="ntv",service="fine"} 1.0' in text


@pytest.mark.parametrize(("text", "address"), [
    ("9464", ("127.0.0.1", 9464)),
    (":9464", ("127.0.0.1", 9464)),
    ("127.0.0.1:9464", ("127.0.0.1", 9464)),
    ("localhost:0", ("localhost", 0)),
    ("[::1]:9464", ("::1", 9464)),
    ("[::]:9464", ("::", 9464)),
    ("0.0.0.0:9464", ("0.0.0.0", 9464)),
])
def test_a_metrics_address_is_read_as_operators_write_it(text, address):
    assert parse_address(text) == address


@pytest.mark.parametrize("text", ["nowhere", "host:", "host:port", "127.0.0.1:65536",
                                  "127.0.0.1:99999999999999999999", "::1:9464", "-1", ""])
def test_a_bad_metrics_address_is_a_usage_error(text):
    with pytest.raises(UsageError, match="--metrics"):
        parse_address(text)


def test_a_port_out_of_range_exits_2_not_70(capsys, tmp_path):
    config = tmp_path / "c.toml"
    config.write_text('[[services]]\nname = "e"\nkind = "nginx-rtmp"\n'
                      'base_url = "http://127.0.0.1:9"\n')
    code = main(["watch", "--metrics", "127.0.0.1:99999999999999999999", "--config",
                 str(config)])
    err = capsys.readouterr().err
    assert code == 2 and "between 0 and 65535" in err


def test_port_0_says_which_port_it_got(capsys):
    collector = serve_metrics("127.0.0.1:0", {"e": FakeAdapter("nginx-rtmp")})
    try:
        err = capsys.readouterr().err
        port = collector.server.server_address[1]
        assert port and f"metrics at http://127.0.0.1:{port}/metrics" in err
        assert "jobdeck_up" in httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
        assert "readable by anyone" not in err
    finally:
        collector.server.shutdown()


@pytest.mark.parametrize("host", ["0.0.0.0", "[::]"])
def test_every_interface_is_served_with_a_warning_about_stream_names(capsys, host):
    try:
        collector = serve_metrics(f"{host}:0", {"e": FakeAdapter("nginx-rtmp")})
    except UsageError as exc:   # a machine without IPv6
        pytest.skip(str(exc))
    try:
        err = capsys.readouterr().err
        assert "every interface" in err and "readable by anyone who can reach" in err
        assert "publish keys" in err
    finally:
        collector.server.shutdown()
