"""Renderbus replies mapped onto the shared model: statuses, dates, frames, actions, blocks."""

from datetime import UTC, datetime

import pytest

from jobdeck.adapters.contract.model import FrameCounts
from jobdeck.adapters.renderbus.adapter import allowed_actions, to_block, to_task
from jobdeck.adapters.renderbus.client import describe


@pytest.mark.parametrize(("code", "status"), [
    (0, "queued"), (1, "queued"), (8, "queued"), (50, "queued"), (100, "queued"),
    (5, "running"),
    (10, "stopped"), (15, "stopped"), (20, "stopped"), (23, "stopped"), (40, "stopped"),
    (25, "done"), (30, "partial"), (35, "abandoned"), (45, "failed"), (99, "unknown"),
    # the 2.0.0 table (renderbus/docs_sdk): submitting, submission failed, finished with
    # stopped frames
    (60, "queued"), (65, "failed"), (70, "partial"),
])
def test_task_status_codes_map_as_design_says(code, status):
    task = to_task({"id": 1, "sceneName": "a.max", "taskStatus": code})
    assert task.status == status
    assert task.raw_status == str(code)


def test_spec_example_task_tree_with_epoch_ms_dates_in_utc():
    item = {
        "sceneName": "cloakroom.max", "id": 18278, "taskStatus": 0, "totalFrames": 0,
        "submitDate": 1535602289000, "respRenderingTaskList": [
            {"sceneName": "cloakroom.max", "id": 18280, "taskStatus": 25, "totalFrames": 1,
             "doneFrames": 1, "failedFrames": 0, "executingFrames": 0, "abortFrames": 0,
             "taskType": "RenderPhoton", "submitDate": 1535602289000},
            {"sceneName": "cloakroom.max", "id": 18281, "taskStatus": 25, "totalFrames": 17,
             "doneFrames": 17, "failedFrames": 0, "executingFrames": 0, "abortFrames": 0,
             "taskType": "Render", "submitDate": 1535602289000},
        ]}
    task = to_task(item)
    assert task.id == "18278" and [c.id for c in task.children] == ["18280", "18281"]
    assert [c.name for c in task.children] == ["photon", "render"]
    assert task.submitted_at == datetime(2018, 8, 30, 4, 11, 29, tzinfo=UTC)
    # a parent reporting 0 frames shows the sum of its children
    assert task.frames == FrameCounts(total=18, done=18, failed=0, running=0, waiting=0)
    assert task.progress == 1.0
    assert task.to_json()["submitted_at"] == "2018-08-30T04:11:29Z"


def test_the_2_0_0_statuses_say_what_went_wrong_and_when_it_ended():
    failed = to_task({"id": 1, "taskStatus": 65, "completedDate": 1535603874000})
    partial = to_task({"id": 2, "taskStatus": 70, "totalFrames": 4, "doneFrames": 3,
                       "abortFrames": 1})
    assert failed.error == "the submission failed" and partial.error == "finished with stopped frames"
    assert failed.ended_at == datetime(2018, 8, 30, 4, 37, 54, tzinfo=UTC)
    assert partial.ended_at is None and "abandon" in partial.actions


def test_frames_count_stopped_frames_out_of_waiting():
    task = to_task({"id": 19088, "taskStatus": 10, "totalFrames": 17, "abortFrames": 6,
                    "doneFrames": 11, "failedFrames": 0, "executingFrames": 0})
    assert task.frames == FrameCounts(total=17, done=11, failed=0, running=0, waiting=0)
    assert task.progress == pytest.approx(11 / 17)


def test_null_counts_from_the_spec_example_do_not_break_mapping():
    task = to_task({"id": 1, "taskStatus": 0, "totalFrames": 0, "doneFrames": None,
                    "abortFrames": None, "executingFrames": None, "submitDate": None})
    assert task.frames.total == 0 and task.progress is None and task.submitted_at is None


def test_actions_offered_follow_status():
    assert "stop" in allowed_actions("running", 5, None)
    assert "resume" not in allowed_actions("running", 5, None)
    assert "delete" not in allowed_actions("running", 5, None)
    assert allowed_actions("stopped", 40, None)[:2] == ("resume", "full_speed")
    assert "full_speed" not in allowed_actions("stopped", 10, None)
    assert "retry_failed" in allowed_actions("partial", 30, FrameCounts(10, 8, 2, 0, 0))
    assert "retry_failed" not in allowed_actions("done", 25, FrameCounts(10, 10, 0, 0, 0))
    assert allowed_actions("abandoned", 35, None) == ("delete",)


def test_grab_info_cells_become_blocks():
    block = to_block({"frameIndex": "0", "frameBlock": "1", "frameStatus": "2",
                      "framePercent": "62", "frameUsed": "252", "frameEst": "120"})
    assert block.to_json() == {"index": "0", "block": "1", "status": "running", "percent": 62,
                               "used_s": 252, "eta_s": 120}
    assert to_block({"frameStatus": "7"}).status == "waiting"
    assert to_block({"frameStatus": "11"}).status == "failed"
    assert to_block({"frameStatus": "4", "framePercent": ""}).percent is None


def test_error_codes_become_plain_words_with_the_service_message():
    assert describe(611, "signature_invalid") == \
        "signature invalid: check access_id and access_key (611)"
    text = describe(600, "task 1 is rendering; stop it first")
    assert text.startswith("task 1 is rendering; stop it first") and "600" in text
    assert describe(999, "odd") == "odd (999)"
