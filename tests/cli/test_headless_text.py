"""The headless commands as a person reads them: snapshot text in config order with a header per
service, the block grid as rows that say their frames, `config check` telling warnings from
problems, `act` naming what it will touch, and help texts that point at nothing missing."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import tomli_w

from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import SimServer
from jobdeck.tui.cli.main import build_parser, main
from tests.support.clock import FIXED_EPOCH, FrozenClock

REPO = Path(__file__).resolve().parents[2]


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def two(tmp_path):
    """A live-stream server listed before a farm: the config's order is not alphabetical."""
    sims = {"zz-live": NtvSim(clock=FrozenClock()),
            "aa-farm": RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH)}
    servers = {name: SimServer(sim).start() for name, sim in sims.items()}
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps({"alerts": {"balance_below": 2000.0}, "services": [
        sim.service_entry(name, servers[name].base_url) for name, sim in sims.items()]}))
    yield sims, path
    for server in servers.values():
        server.stop()


def cell_columns(line: str, word: str) -> int:
    """The terminal column where `word` starts (wide characters take two)."""
    import unicodedata
    head = line[:line.index(word)]
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in head)


def test_snapshot_text_in_config_order_with_a_header_per_service(capsys, two):
    _, path = two
    code, out, _ = run(capsys, "snapshot", "--config", str(path))
    assert code == 0
    headers = [line for line in out.splitlines() if line and not line.startswith(" ")]
    assert headers[0].startswith("zz-live (ntv) · ok") and headers[1].startswith("aa-farm")
    farm = headers[1]
    assert "balance 1,250.40" in farm and re.search(r"\d+ need(s)? attention", farm), farm
    lines = out.splitlines()
    wide = next(line for line in lines if "大厅直播" in line)
    plain = next(line for line in lines if "live/live2" in line)
    assert cell_columns(wide, "live ") == cell_columns(plain, "live ")   # CJK names aligned


def test_blocks_prints_rows_that_say_their_frames(capsys, config_file):
    code, out, _ = run(capsys, "blocks", "sh-farm", "19088", "--config", str(config_file))
    lines = out.splitlines()
    assert code == 0 and lines[0].startswith("frames 0-")
    assert all(len(line) <= 80 for line in lines)
    assert len(lines) < 10                              # 68 blocks: a few lines, not 68
    assert "█ done 30" in out and "▓ running 4" in out


def test_blocks_of_a_parent_says_it_has_no_grid_and_lists_its_sub_tasks(capsys, config_file):
    code, out, _ = run(capsys, "blocks", "sh-farm", "19084", "--config", str(config_file))
    assert code == 0 and "19084 cloakroom.max has no grid of its own" in out
    assert "19087" in out and "19088" in out and "jobdeck blocks sh-farm 19088" in out


def test_config_check_prints_a_warning_but_does_not_fail(capsys, two):
    sims, path = two
    sims["zz-live"].refuse["demandDvr"] = "module not loaded"   # no on-demand DVR module
    code, out, _ = run(capsys, "config", "check", "--config", str(path))
    lines = out.splitlines()
    assert any(line.strip().startswith("zz-live: warning:") for line in lines), out
    assert code == 0 and lines[-1].endswith("ok, 2 services; 1 warning (features that could "
                                            "not be read)"), out
    assert "problem" not in out


def test_config_check_fails_only_for_a_service_that_does_not_work(capsys, config_file, server):
    server.stop()
    code, out, _ = run(capsys, "config", "check", "--config", str(config_file))
    last = out.splitlines()[-1]
    assert code == 1 and "1 problem stop" in last and "ok" not in last.split(":")[-1], out
    assert any(line.strip().startswith("sh-farm: !") for line in out.splitlines())


def test_no_help_text_names_a_file_the_repository_does_not_have():
    parser = build_parser()
    texts = [parser.format_help()]
    for action in parser._subparsers._group_actions:        # every command, every subcommand
        for sub in action.choices.values():
            texts.append(sub.format_help())
            inner_parsers = sub._subparsers._group_actions if sub._subparsers else []
            for inner in inner_parsers:
                texts += [s.format_help() for s in inner.choices.values()]
    named = set(re.findall(r"\b[\w./-]+\.(?:md|txt|py|toml|json)\b", "\n".join(texts)))
    missing = {n for n in named if not (REPO / n).exists() and "/" not in n
               and n != "config.toml"}   # the user's own config file, not ours
    assert not missing, missing


def test_act_asks_naming_the_tasks_with_their_status(capsys, config_file, sim, monkeypatch):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    asked: list[str] = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "n")
    code, _, err = run(capsys, "act", "sh-farm", "abandon", "18278", "19088",
                       "--config", str(config_file))
    assert code == 2 and "cancelled" in err
    assert "Abandon 2 tasks on sh-farm" in err
    assert "18278  lobby.max  (stopped)" in err and "19088  render  (running)" in err
    assert asked and "sh-farm" in asked[0]
    assert [r for r in sim.received if r.path == "task/abortTask"] == []


@pytest.fixture
def config_file(tmp_path, sim, server) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(tomli_w.dumps({"services": [sim.service_entry("sh-farm",
                                                                  server.base_url)]}))
    return path


def test_help_runs_in_a_fresh_interpreter():
    done = subprocess.run([sys.executable, "-m", "jobdeck", "snapshot", "--help"],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "README" in done.stdout and "DESIGN" not in done.stdout


def test_keys_that_collide_stop_the_console_at_start(tmp_path, capsys):
    path = tmp_path / "config.toml"
    path.write_text('[keys]\nabandon = "g"\n')
    assert main(["run", "--config", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "abandon = 'g' collides with resume" in err
    assert main(["config", "check", "--offline", "--config", str(path)]) == 2
    assert "abandon = 'g' collides with resume" in capsys.readouterr().err
