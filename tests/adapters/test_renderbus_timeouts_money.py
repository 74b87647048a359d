"""Timeouts, the task facts and the account's money, Renderbus adapter against its simulator over
real HTTP on both interface generations: setOverTimeStop (a task past its time stops with status
23), the account's default timeout (queryUserSetting / updateUserSetting: the spec's
`taskOverTime` in hours on 1.0.0, `taskOverTimeSec` in seconds on 2.0.0 per rayvision_api
operators/user.py), the facts getTaskList gives beside the status, and a balance that counts the
profile's coupon and credit."""

from __future__ import annotations

import pytest

from jobdeck.adapters.core.oncall import ServiceWatch
from jobdeck.adapters.renderbus.adapter import RenderbusAdapter, to_account, to_task
from jobdeck.adapters.renderbus.sim import ROUTES, Refused, RenderbusSim
from jobdeck.adapters.simulation.server import SimServer
from tests.support.clock import FIXED_EPOCH
from tests.support.renderbus import service_config

# as the simulator records them: the path less /api/render/ (1.0.0) or /api/ (2.0.0)
SETTING = {"1.0.0": "user/queryUserSetting", "2.0.0": "render/setUp/queryUserSetting"}
UPDATE = {"1.0.0": "user/updateUserSetting", "2.0.0": "render/setUp/updateUserSetting"}
OVER_TIME = {"1.0.0": "task/setOverTimeStop", "2.0.0": "render/handle/setTaskOverTimeStop"}


@pytest.fixture(params=["1.0.0", "2.0.0"])
def generation(request) -> str:
    return request.param


@pytest.fixture
def sim(clock, generation) -> RenderbusSim:
    return RenderbusSim(clock=clock, epoch=FIXED_EPOCH, generation=generation)


@pytest.fixture
def adapter(sim, server):
    return RenderbusAdapter(service_config(sim, server.base_url, api_version="auto"))


def sent(sim: RenderbusSim, path: str) -> list[dict]:
    """Bodies the simulator took on this path."""
    return [r.body for r in sim.received if r.path == path and r.answered == 200]


async def test_set_timeout_from_hours_stops_the_task_past_its_time_with_status_23(
        adapter, sim, clock, generation):
    before = await adapter.poll()
    assert before.find_task("18380").status == "running"
    result = await adapter.perform("set_timeout", ["18380"], {"hours": "0.5"})
    assert result.ok, result.message
    assert sent(sim, OVER_TIME[generation]) == [{"taskIds": [18380], "overTime": 1800}]
    clock.advance(2)   # it has rendered for hours: past half an hour at the next tick
    after = (await adapter.poll()).find_task("18380")
    assert (after.status, after.raw_status) == ("stopped", "23")
    assert after.error == "stopped: timed out (its limit: 30 min)"
    assert after.facts.timeout_s == 1800
    assert "resume" in after.actions and "set_timeout" in after.actions
    assert not any(u.status == 2 for u in sim.tasks[18380].frames)


async def test_a_timed_out_task_is_an_attention_item_like_arrears(adapter, sim, clock):
    watch = ServiceWatch("farm", "renderbus")
    watch.observe(await adapter.poll(), now=0.0)
    await adapter.perform("set_timeout", ["18380"], {"seconds": "60"})
    clock.advance(2)
    watch.observe(await adapter.poll(), now=2.0)
    (item,) = [i for i in watch.items(2.0) if i.id == "18380"]
    assert item.status == "timeout" and item.detail == "stopped: timed out (its limit: 1 min)"


async def test_set_timeout_refuses_a_limit_that_is_no_limit(adapter, sim, generation):
    for params in ({}, {"hours": "soon"}, {"seconds": "0"}, {"hours": "-1"}):
        result = await adapter.perform("set_timeout", ["18380"], params)
        assert not result.ok
        assert "seconds=N" in result.message or "more than 0" in result.message
    assert sent(sim, OVER_TIME[generation]) == []


async def test_the_default_timeout_is_read_with_the_account_on_each_generation(
        adapter, sim, clock, generation):
    adapter.clock = clock
    snapshot = await adapter.poll()
    assert snapshot.account.default_timeout_s == 12 * 3600   # the spec's example: 12 hours
    assert len(sent(sim, SETTING[generation])) == 1
    assert snapshot.to_json()["account"]["default_timeout_s"] == 43200
    for _ in range(3):   # the balance again (its 30 s are up), the settings not yet
        adapter.expire("account")
        clock.advance(60)
        assert (await adapter.poll()).account.default_timeout_s == 43200
    assert len(sent(sim, SETTING[generation])) == 1
    clock.advance(600)
    adapter.expire("account")
    await adapter.poll()
    assert len(sent(sim, SETTING[generation])) == 2   # every 10 minutes


async def test_set_default_timeout_sends_hours_on_1_0_0_and_seconds_on_2_0_0(
        adapter, sim, generation):
    await adapter.poll()
    result = await adapter.perform("set_default_timeout", [], {"hours": "6"})
    assert result.ok, result.message
    assert result.targets == ["account"] and "6 h" in result.message
    body = sent(sim, UPDATE[generation])
    # the spec: {"taskOverTime": 13} (hours); rayvision_api update_user_settings: taskOverTimeSec
    assert body == ([{"taskOverTime": 6}] if generation == "1.0.0"
                    else [{"taskOverTimeSec": 21600}])
    assert sim.default_timeout_s == 6 * 3600
    assert (await adapter.poll()).account.default_timeout_s == 6 * 3600   # read again at once


async def test_set_default_timeout_takes_whole_hours_only(adapter, sim, generation):
    for hours in ("1.5", "0", "", "x"):
        result = await adapter.perform("set_default_timeout", ["account"], {"hours": hours})
        assert not result.ok and "hours" in result.message
    assert sent(sim, UPDATE[generation]) == []


def test_the_simulator_refuses_an_update_without_its_generations_key(sim, generation):
    wrong = {"taskOverTimeSec": 3600} if generation == "1.0.0" else {"taskOverTime": 1}
    with pytest.raises(Refused) as refused:
        sim.ep_update_user_setting(wrong)
    assert refused.value.code == 601
    with pytest.raises(Refused) as invalid:
        sim.ep_update_user_setting({"taskOverTime": "12", "taskOverTimeSec": "x"})
    assert invalid.value.code == 600


async def test_the_balance_counts_coupon_and_credit_and_says_its_parts(adapter, sim):
    # the spec's example account: rmbbalance 0, coupon 49.93, credit 0
    sim.balance, sim.coupon = 0.0, 49.93
    snapshot = await adapter.poll()
    account = snapshot.account
    assert (account.balance, account.coupon, account.credit, account.available) == \
        (0.0, 49.93, 0.0, 49.93)
    assert account.parts() == "coupon 49.93"
    assert snapshot.to_json()["account"] == {"name": "rayvision", "balance": 0.0,
                                             "coupon": 49.93, "credit": 0.0,
                                             "available": 49.93, "default_timeout_s": 43200.0}
    low = ServiceWatch("farm", "renderbus", balance_below=40.0)
    low.observe(snapshot, now=0.0)
    assert not [i for i in low.items(0.0) if i.what == "balance"]   # no false alarm
    under = ServiceWatch("farm", "renderbus", balance_below=100.0)
    under.observe(snapshot, now=0.0)
    (item,) = [i for i in under.items(0.0) if i.what == "balance"]
    assert item.detail == "balance 49.93 (coupon 49.93) is under 100.00"


def test_credit_counts_too_and_a_cash_only_account_names_no_parts():
    account = to_account({"userName": "a", "zone": 2, "usdbalance": "10.5", "rmbbalance": 99,
                          "coupon": 0, "credit": 200})
    assert account.available == 210.5 and account.parts() == "cash 10.50 + credit 200.00"
    assert to_account({"userName": "b", "rmbbalance": 5}).parts() == ""


async def test_the_task_facts_the_list_gives_are_kept(adapter, sim):
    snapshot = await adapter.poll()
    ocean = snapshot.find_task("18380").facts
    assert (ocean.project, ocean.user, ocean.level, ocean.node_limit) == \
        ("ocean", "rayvision", 79, 50)
    assert ocean.started_at is not None and ocean.cost and ocean.cost > 0
    assert ocean.render_s and ocean.render_s > 0 and ocean.output_name is None
    lobby = snapshot.find_task("18278").facts
    assert (lobby.project, lobby.user) == ("hotel", "nina")
    done = snapshot.find_task("18320")
    assert done.facts.output_name == "18320_kitchen" and done.ended_at is not None
    facts = done.to_json()["facts"]
    assert set(facts) == {"started_at", "ended_at", "render_s", "cost", "coupon_cost",
                          "account_cost", "arrears", "project", "user", "level", "node_limit",
                          "output_name", "timeout_s"}
    assert facts["ended_at"].endswith("Z") and facts["output_name"] == "18320_kitchen"


def test_the_specs_example_task_maps_its_facts():
    item = {"id": 18281, "sceneName": "cloakroom.max", "taskStatus": 25, "totalFrames": 17,
            "doneFrames": 17, "failedFrames": 0, "projectName": "", "renderConsume": 6.7,
            "taskArrears": 0, "submitDate": 1535602289000, "startTime": 1535603885000,
            "completedDate": 1535604765000, "renderDuration": 5028,
            "userName": "xiaoguotu Ijian", "taskLevel": 79, "taskLimit": 200,
            "taskOverTime": 86400000, "outputFileName": "18281_cloakroom",
            "userAccountConsume": 0, "couponConsume": 6.7, "taskKeyValueVo": {"tiles": None}}
    facts = to_task(item).facts
    assert (facts.cost, facts.coupon_cost, facts.account_cost, facts.arrears) == (6.7, 6.7, 0, 0)
    assert facts.render_s == 5028 and facts.timeout_s == 86400   # a day, in milliseconds
    assert facts.project is None and facts.user == "xiaoguotu Ijian"
    assert (facts.level, facts.node_limit, facts.output_name) == (79, 200, "18281_cloakroom")
    assert facts.started_at.isoformat() == "2018-08-30T04:38:05+00:00"
    odd = to_task({**item, "renderConsume": "lots", "taskLimit": True}).facts
    assert odd.cost is None and odd.node_limit is None   # an odd fact is no fact, not a failure


@pytest.mark.parametrize("api_version", ["1.0.0", "auto"])
async def test_a_service_without_user_settings_keeps_the_account_and_warns(
        clock, monkeypatch, api_version):
    monkeypatch.delitem(ROUTES["1.0.0"], "/api/render/user/queryUserSetting")
    sim = RenderbusSim(clock=clock, epoch=FIXED_EPOCH)
    with SimServer(sim) as server:
        adapter = RenderbusAdapter(service_config(sim, server.base_url, api_version=api_version))
        snapshot = await adapter.poll()
        assert snapshot.ok and snapshot.account.balance == 1250.40
        assert snapshot.account.default_timeout_s is None
        assert any("settings could not be read" in w for w in snapshot.warnings)
        # its 404 did not move an "auto" service to 2.0.0: the next poll still reads 1.0.0
        adapter.want_history()
        again = await adapter.poll()
        assert again.ok and again.api_version == "1.0.0", again.error


async def test_a_failed_settings_read_keeps_the_default_timeout_last_read(
        adapter, sim, clock, monkeypatch):
    """The settings are read every 10 minutes; one read that fails is a warning, and the
    default time limit the account had stays shown (it does not turn "not known")."""
    from jobdeck.adapters.renderbus import sim as sim_module

    adapter.clock = clock
    assert (await adapter.poll()).account.default_timeout_s == 12 * 3600

    def refuse(self, body):
        raise Refused(500, "system_error")

    monkeypatch.setitem(sim_module.ENDPOINTS, "user_setting", refuse)
    clock.advance(600)
    adapter.expire("account")
    snapshot = await adapter.poll()
    assert any("settings could not be read" in w for w in snapshot.warnings)
    assert snapshot.account.default_timeout_s == 12 * 3600
