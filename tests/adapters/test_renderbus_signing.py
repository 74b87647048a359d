"""Renderbus signing, checked against the spec's worked example and its flattening rules."""

from jobdeck.adapters.renderbus.signing import flatten, host_of, sign, string_to_sign

SPEC_HEADERS = {"accessId": "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "channel": 7, "platform": 1,
                "UTCTimestamp": 1535957371, "nonce": 11886, "version": "1.0.0"}
SPEC_KEY = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"
SPEC_PATH = "/api/render/common/queryPlatforms"


def test_spec_worked_example_reproduces_the_published_signature():
    assert sign(SPEC_KEY, "task.renderbus.com", SPEC_PATH, SPEC_HEADERS, {"zone": 2}) == \
        "6tvuz8bgDCz5vtS3amuMWVbOqzhaeWaOhNcWMqx9zcg="


def test_string_to_sign_sorts_by_plain_ascii_so_utctimestamp_comes_first():
    text = string_to_sign("task.renderbus.com", SPEC_PATH, SPEC_HEADERS, {"zone": 2})
    assert text == (
        "[POST]task.renderbus.com:/api/render/common/queryPlatforms&UTCTimestamp=1535957371"
        "&accessId=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE&channel=7&nonce=11886&platform=1"
        "&version=1.0.0&zone=2")


def test_signature_header_itself_is_not_signed():
    with_sig = {**SPEC_HEADERS, "signature": "anything"}
    assert sign(SPEC_KEY, "h", "/p", with_sig, {}) == sign(SPEC_KEY, "h", "/p", SPEC_HEADERS, {})


def test_flatten_nested_lists_and_objects_like_the_spec():
    body = {"taksId": 2, "renderEnvs": [{"envId": 1, "pluginIds": [2, 3, 4]},
                                        {"envId": 3, "pluginIds": [7, 8, 10]}]}
    assert dict(flatten(body)) == {
        "taksId": "2",
        "renderEnvs0.envId": "1", "renderEnvs0.pluginIds0": "2",
        "renderEnvs0.pluginIds1": "3", "renderEnvs0.pluginIds2": "4",
        "renderEnvs1.envId": "3", "renderEnvs1.pluginIds0": "7",
        "renderEnvs1.pluginIds1": "8", "renderEnvs1.pluginIds2": "10",
    }


def test_flatten_task_param_list_and_empty_containers_add_nothing():
    assert flatten({"taskParam": [1111307, 1111309]}) == [("taskParam0", "1111307"),
                                                         ("taskParam1", "1111309")]
    assert flatten({"ids": [], "opts": {}, "selectAll": 1}) == [("selectAll", "1")]


def test_a_changed_body_changes_the_signature():
    one = sign(SPEC_KEY, "h", "/p", SPEC_HEADERS, {"taskParam": [1]})
    two = sign(SPEC_KEY, "h", "/p", SPEC_HEADERS, {"taskParam": [2]})
    assert one != two


def test_host_is_the_netloc_of_the_base_url():
    assert host_of("https://task.renderbus.com") == "task.renderbus.com"
    assert host_of("http://127.0.0.1:8123/") == "127.0.0.1:8123"
