from jobdeck.adapters.contract.model import Task
from jobdeck.tui.console.task_filter import arrange, matches


def task(task_id: str, name: str, status: str) -> Task:
    return Task(id=task_id, name=name, status=status, raw_status=status)


def test_a_status_matches_by_its_start_as_the_operator_types_it():
    failed, running, done = task("1", "shot_010", "failed"), task("2", "shot_020", "running"), \
        task("3", "shot_030", "done")
    assert [t.id for t in arrange([failed, running, done], "fail", "name")] == ["1"]
    assert [t.id for t in arrange([failed, running, done], "RUN", "name")] == ["2"]
    assert matches(done, "done") and not matches(done, "one")   # not inside a status
    assert matches(task("4", "phone_loop", "done"), "one")        # a name anywhere
