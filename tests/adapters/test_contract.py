"""One contract for every registered kind, checked against its own simulator: the poll works,
what it offers is declared, every declared action has a key or is CLI-only on purpose, every
key's action exists somewhere, and the kind's block of the config template is valid."""

from __future__ import annotations

import re
import tomllib

import pytest

from jobdeck.adapters.contract.base import Adapter
from jobdeck.adapters.contract.registry import ADAPTERS, PACKAGES, simulators_of
from jobdeck.adapters.core.commands import CLI_ONLY, COMMANDS, service_actions
from jobdeck.adapters.core.config import parse_service, template
from jobdeck.adapters.core.demo import build_demo

KINDS = list(PACKAGES)


@pytest.fixture(params=KINDS)
def kind(request) -> str:
    return request.param


async def test_the_kinds_simulator_answers_its_poll_with_declared_actions_only(kind):
    sims = simulators_of(kind)
    world = build_demo(sims)
    for adapter in world.adapters().values():
        snapshot = await adapter.poll()
        assert snapshot.ok, snapshot.error
        offered = {a for t in snapshot.all_tasks() for a in t.actions} | {
            a for s in snapshot.streams for a in s.actions} | {
            a for r in snapshot.relays or [] for a in r.actions}
        assert offered <= set(adapter.actions), offered - set(adapter.actions)
        assert snapshot.tasks or snapshot.streams
        assert (snapshot.relays is not None) == (kind == "ntv")   # the kind with relays
        assert "relays" in snapshot.to_json() or snapshot.relays is None
        await adapter.close()


def test_every_declared_action_has_a_key_or_is_cli_only(kind):
    cls: type[Adapter] = ADAPTERS[kind]
    keyed = service_actions()
    for name, spec in cls.actions.items():
        assert spec.name == name
        assert name in keyed or name in CLI_ONLY, f"{kind}.{name} has no key and is not CLI-only"
        assert spec.target in ("task", "stream", "block", "client", "relay", "account")
        # what the console's dialog asks goes as params `act` takes too (`--param NAME=`)
        assert {f.name for f in spec.ask} <= set(spec.params), name


def test_every_keyed_action_exists_in_some_kind():
    declared = {name for cls in ADAPTERS.values() for name in cls.actions}
    for command in COMMANDS:
        if command.service_action:
            assert command.name in declared, f"key {command.key} runs {command.name}: no kind has it"
    assert CLI_ONLY <= declared


def test_the_kinds_options_and_submit_fields_are_well_formed(kind):
    cls = ADAPTERS[kind]
    names = [o.name for o in cls.options]
    assert len(names) == len(set(names)) and all(o.help for o in cls.options)
    fields = [f.name for f in cls.submit_fields]
    assert len(fields) == len(set(fields))
    assert sum(f.positional for f in cls.submit_fields) <= 1
    assert bool(cls.submit_fields) == (cls.submit is not Adapter.submit)


def test_the_kinds_block_of_the_template_is_a_valid_service(kind, monkeypatch):
    text = template(ADAPTERS)
    blocks = text.split("\n\n")
    block = next(b for b in blocks if f'kind = "{kind}"' in b)
    lines = [re.sub(r"^# ", "", line) for line in block.splitlines()
             if re.match(r"^(# )?(\[\[services\]\]|[a-z_]+ = )", line)]
    entry = tomllib.loads("\n".join(lines))["services"][0]
    for value in entry.values():
        if isinstance(value, dict) and "env" in value:
            monkeypatch.setenv(value["env"], "s" * 12)
    service = parse_service(entry, 1, "template", None, ADAPTERS)
    assert service.kind == kind


FRAME_KEYS = {"id", "index", "block", "status", "started_at", "used_s", "cost"}   # DESIGN.md


async def test_a_kind_with_frame_records_gives_them_in_the_frames_commands_shape(kind):
    """`jobdeck frames` prints whatever frames() gives: every kind that has it gives records
    with DESIGN's keys, ids as strings, and the service's extras (totals, error codes) appear in
    the snapshot's JSON only where the kind reads them."""
    from jobdeck.adapters.contract import jsonsafe
    world = build_demo(simulators_of(kind))
    for adapter in world.adapters().values():
        snapshot = await adapter.poll()
        as_json = snapshot.to_json()
        assert ("frame_totals" in as_json) == (snapshot.frame_totals is not None)
        assert ("error_codes" in as_json) == bool(snapshot.error_codes)
        for code, detail in (snapshot.error_codes or {}).items():
            assert detail.code == code and as_json["error_codes"][code]["code"] == code
        if adapter.has_frames:
            task = next(t for t in snapshot.all_tasks() if not t.children)
            records = await adapter.frames(task.id)
            assert records, f"{kind}: no frame records for {task.id}"
            for record in records:
                shown = record.to_json()
                assert FRAME_KEYS <= set(shown) and isinstance(shown["id"], str)
                assert shown["status"] in ("waiting", "running", "done", "failed", "stopped")
                jsonsafe.dumps(shown)
        await adapter.close()
