"""Bad replies the adapters survive: endless paging, numbers as strings, NaN, echoed secrets,
clients made lazily. Each test is a finding that was reproduced before it was fixed."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx
import pytest

from jobdeck.adapters.contract.model import ServiceConfig
from jobdeck.adapters.contract.paging import MAX_PAGES
from jobdeck.adapters.finalrip.adapter import PROGRESS_NEWEST, PROGRESS_ROTATE, FinalRipAdapter
from jobdeck.adapters.renderbus.adapter import RenderbusAdapter

JOBDECK = str(Path(sys.executable).with_name("jobdeck"))


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
    # the service documents no order: tasks are shown newest first by id, whatever it sends
    assert snapshot.ok and [t.id for t in snapshot.tasks] == ["2", "1"]
    assert calls == [1, 2] and "repeated" in snapshot.warnings[0]
    await adapter.close()


async def test_paging_stops_at_the_cap_however_many_new_pages_come():
    calls: list[int] = []
    active_calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        if request.url.path.endswith("getTaskList"):
            page = body["pageNum"]
            (active_calls if "statusList" in body else calls).append(page)
            return httpx.Response(200, json={"code": 200, "data": {
                "pageCount": 10**6, "pageNum": page,
                "items": [{"id": page * 10 + n, "taskStatus": 5} for n in range(2)]}})
        return httpx.Response(200, json={"code": 200, "data": {}})

    adapter = RenderbusAdapter(ServiceConfig(
        name="huge", kind="renderbus", base_url="http://huge.test", options={"access_id": "a"},
        secrets={"access_key": "k" * 8}), transport=httpx.MockTransport(handler))
    snapshot = await adapter.poll()
    # the whole list stops at the cap; so does the read of the active set that a capped list
    # brings (no running task may hide among the unread)
    assert len(calls) == MAX_PAGES and len(active_calls) == MAX_PAGES
    assert len(snapshot.tasks) == 2 * MAX_PAGES
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


# text that is not text ----------------------------------------------------------------------

async def test_lone_surrogates_and_undecodable_bytes_are_replaced_where_a_reply_enters():
    from jobdeck.adapters.contract import jsonsafe

    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("getTaskList"):
            body = (b'{"code": 200, "data": {"pageCount": 1, "pageNum": 1, "items": ['
                    b'{"id": 1, "taskStatus": 45, "sceneName": "SURR\\ud800X", '
                    b'"errorMsg": "bad \\udfff too"}, '
                    b'{"id": 2, "taskStatus": 5, "sceneName": "BYTE\xff\xfeY"}, '
                    b'{"id": 3, "taskStatus": 5, "sceneName": "pair \\ud83d\\ude00 ok"}]}}')
            return httpx.Response(200, content=body)
        return httpx.Response(200, json={"code": 200, "data": {"userName": "u\\ud800"}})

    adapter = RenderbusAdapter(ServiceConfig(
        name="odd", kind="renderbus", base_url="http://odd.test", options={"access_id": "a"},
        secrets={"access_key": "k" * 8}), transport=httpx.MockTransport(handler))
    snapshot = await adapter.poll()
    await adapter.close()
    assert snapshot.ok, snapshot.error
    names = {t.id: t.name for t in snapshot.tasks}
    assert names["1"] == "SURR\ufffdX" and names["2"] == "BYTE\ufffd\ufffdY"
    assert names["3"] == "pair \U0001f600 ok"                # a real pair is kept
    text = jsonsafe.dumps(snapshot.to_json())
    text.encode("utf-8")                                     # every writer can write it


def test_every_writer_replaces_a_lone_surrogate_rather_than_fail():
    from jobdeck.adapters.contract import jsonsafe
    from jobdeck.tui.safe_text import clean

    assert jsonsafe.dumps({"name\udcff": "a\ud800b"}) == '{"name\ufffd": "a\ufffdb"}'
    assert clean("a\ud800b\x1b[31m") == "a\ufffdb"


async def test_an_html_error_page_is_quoted_by_its_words_not_its_tags():
    from jobdeck.adapters.contract.http import HttpTransport, Redactor
    from jobdeck.adapters.contract.model import ServiceError

    page = ("<!DOCTYPE html><html><head><title>502 Bad Gateway</title>"
            "<style>body { color: red }</style></head>\n<body><h1>502   Service "
            "Unavailable</h1>\n<!-- a comment --><p>Try&nbsp;again &amp; again</p></body></html>")

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(502, text=page, headers={"Content-Type": "text/html"})

    http = HttpTransport("http://gw.test", redact=Redactor(), backoff=(0.0,),
                         transport=httpx.MockTransport(handler))
    with pytest.raises(ServiceError) as refused:
        await http.request("GET", "/x", idempotent=True)
    assert refused.value.reason == "HTTP 502: 502 Service Unavailable Try again & again"
    with pytest.raises(ServiceError) as odd:
        http.json_of(httpx.Response(200, text=page))
    assert odd.value.reason == ("bad reply (HTTP 200, not JSON: 502 Service Unavailable "
                                "Try again & again)")
    await http.close()
