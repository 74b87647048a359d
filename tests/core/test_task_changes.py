"""A big account's book says what changed between two lists of 20,000 tasks; the on-call engine,
the console's service state and the history store apply that instead of comparing the lists.
Applied over a random run of polls, each must come to exactly what a comparison finds, and the
comparison must not be made."""

from __future__ import annotations

import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from jobdeck.adapters.contract import model
from jobdeck.adapters.contract.model import FrameCounts, ServiceSnapshot, Task
from jobdeck.adapters.core import history
from jobdeck.adapters.core.history import FILE, Recorder
from jobdeck.adapters.core.oncall import ServiceWatch
from jobdeck.adapters.renderbus.task_book import TaskBook, order_key
from jobdeck.tui.console.service_state import ServiceState

T0 = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
WINDOW = T0 - timedelta(days=7)
STATUSES = {"0": "queued", "5": "running", "10": "stopped", "20": "stopped", "23": "stopped",
            "25": "done", "30": "partial", "35": "abandoned", "45": "failed"}


def to_task(item: dict[str, Any]) -> Task:
    children = [Task(f"{item['id']}-{n}", f"layer {n}", STATUSES[item["raw"]], item["raw"],
                     item["done"] / 10) for n in range(item["layers"])]
    return Task(str(item["id"]), f"shot_{item['id']}", STATUSES[item["raw"]], item["raw"],
                item["done"] / 10, frames=FrameCounts(10, item["done"], 0, 0, 10 - item["done"]),
                ended_at=T0 - timedelta(days=item["age_days"]), children=children)


class Account:
    """What the service holds: items that move, finish, fail, come and go."""

    def __init__(self, rng: random.Random, size: int) -> None:
        self.rng = rng
        self.next_id = 1000
        self.items: dict[int, dict[str, Any]] = {}
        for _ in range(size):
            self.add()

    def add(self) -> None:
        self.next_id += 1
        self.items[self.next_id] = {
            "id": self.next_id, "raw": self.rng.choice(list(STATUSES)), "done": 3,
            "age_days": self.rng.choice([1, 3, 6, 8, 30]), "layers": self.rng.choice([0, 0, 2])}

    def move(self) -> tuple[list[dict[str, Any]], list[str]]:
        """Some items change, some are new, some go: the replies of a poll, and the ids gone."""
        rng, touched, gone = self.rng, [], []
        for _ in range(rng.randint(0, 6)):
            item = self.items[rng.choice(list(self.items))]
            change = rng.random()
            if change < 0.5:
                item["done"] = min(10, item["done"] + 1)
            elif change < 0.8:
                item["raw"] = rng.choice(list(STATUSES))
            else:
                item["age_days"] = rng.choice([1, 8])
            touched.append(dict(item))
        if rng.random() < 0.3:
            self.add()
            touched.append(dict(self.items[self.next_id]))
        if rng.random() < 0.2 and len(self.items) > 5:
            went = rng.choice(list(self.items))
            del self.items[went]
            gone.append(str(went))
            touched = [i for i in touched if i["id"] != went]
        return touched, gone


def item_rows(path: Path) -> list[tuple]:
    db = sqlite3.connect(path / FILE)
    try:
        return db.execute("SELECT what, item, at, until, status, data FROM items "
                          "ORDER BY what, item, at").fetchall()
    finally:
        db.close()


def poll_rows(path: Path) -> list[tuple]:
    db = sqlite3.connect(path / FILE)
    try:
        return db.execute("SELECT * FROM polls ORDER BY at").fetchall()
    finally:
        db.close()


def seen(watch: ServiceWatch, now: float) -> list[tuple]:
    return sorted((i.what, i.id, i.status, i.since, i.detail) for i in watch.items(now))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_what_the_book_says_changed_brings_every_consumer_where_a_comparison_would(
        tmp_path, monkeypatch, seed):
    compared: list[int] = []
    compare = model.changed_tasks
    monkeypatch.setattr(history, "changed_tasks",
                        lambda tasks, kept: compared.append(len(tasks)) or compare(tasks, kept))
    rng = random.Random(seed)
    account = Account(rng, 300)
    book = TaskBook(to_task)
    filling = book.filling()
    for item in account.items.values():
        filling.put(dict(item))
    book.replace(filling, at=0.0, total=len(account.items), cut=None)

    told, asked = ServiceWatch("farm", "renderbus"), ServiceWatch("farm", "renderbus")
    told_state, asked_state = ServiceState("farm", "renderbus"), ServiceState("farm", "renderbus")
    told_rec = Recorder(tmp_path / "told", 14, lambda *_: None, flush_s=0.01)
    asked_rec = Recorder(tmp_path / "asked", 14, lambda *_: None, flush_s=0.01)
    previous: list[Task] | None = None
    moved = 0   # polls whose list is not the one before
    for step in range(120):
        now, wall = step * 2.0, T0 + timedelta(seconds=step * 2 + 61 * (step // 7))
        if step and step % 40 == 0:     # a full read now and then: the book is swapped whole
            filling = book.filling()
            for item in account.items.values():
                filling.put(dict(item))
            book.replace(filling, at=now, total=len(account.items), cut=None)
        elif step:
            touched, gone = account.move()
            for item in touched:
                book.put(item)
            book.remove(gone)
        listing, changes = book.listing(), book.changes()

        fresh = [book.tasks[i] for i in sorted(book.tasks, key=order_key)]
        assert len(listing) == len(fresh)
        assert all(a is b for a, b in zip(listing, fresh, strict=True))
        if previous is not None and listing is not previous:
            moved += 1
            assert changes is not None and changes.before is previous and changes.after is listing
            was = {t.id: t for t in previous}
            assert {t.id for t in changes.changed} == \
                {t.id for t in model.changed_tasks(listing, was)}
            assert changes.gone == was.keys() - book.tasks.keys()
            assert {t.id for t in changes.previous} == \
                {i for i, t in was.items() if book.tasks.get(i) is not t}
        previous = listing

        if step % 17 == 5:   # a poll the consumers miss: the next one's changes are not theirs
            continue
        window = WINDOW if step < 60 else WINDOW + timedelta(days=1)   # the window moves
        with_changes = ServiceSnapshot("farm", "renderbus", tasks=listing,
                                       attention_since=window, changes=changes)
        without = ServiceSnapshot("farm", "renderbus", tasks=listing, attention_since=window)
        said = [(t.id, t.from_, t.to) for t in told.observe(with_changes, now, wall)]
        assert said == [(t.id, t.from_, t.to) for t in asked.observe(without, now, wall)]
        assert seen(told, now) == seen(asked, now)
        told_state.apply(with_changes, now)
        asked_state.apply(without, now)
        assert told_state.task_count == asked_state.task_count == \
            sum(1 for _ in without.all_tasks())
        if step % 5 != 3:   # now and then the counts are not asked: they are made again
            assert told_state.counts() == asked_state.counts()
        told_rec.poll(with_changes, [], wall)
        asked_rec.poll(without, [], wall)
    told_rec.close()
    asked_rec.close()

    assert item_rows(tmp_path / "told") == item_rows(tmp_path / "asked")
    assert poll_rows(tmp_path / "told") == poll_rows(tmp_path / "asked")
    # the history compared the lists of the first poll, then only where it was not told
    # (and after each poll it missed)
    assert moved > 80 and len(compared) <= 2 + moved + 2 * 7


def test_the_watch_makes_the_attention_of_only_the_tasks_that_changed(monkeypatch):
    account = Account(random.Random(7), 2000)
    book = TaskBook(to_task)
    for item in account.items.values():
        book.put(dict(item))
    watch = ServiceWatch("farm", "renderbus")
    made: list[str] = []
    make = ServiceWatch._trouble_item
    monkeypatch.setattr(ServiceWatch, "_trouble_item",
                        lambda self, task, window, now: made.append(task.id)
                        or make(self, task, window, now))
    book.listing()
    watch.observe(ServiceSnapshot("farm", "renderbus", tasks=book.listing(),
                                  attention_since=WINDOW), 0.0)
    watch.items(0.0)
    first = len(made)
    item = dict(account.items[1500])
    item["raw"] = "45" if item["raw"] != "45" else "30"
    item["age_days"] = 1
    book.put(item)
    watch.observe(ServiceSnapshot("farm", "renderbus", tasks=book.listing(),
                                  attention_since=WINDOW, changes=book.changes()), 2.0)
    assert made[first:] == ["1500"]
    assert "1500" in {i.id for i in watch.items(2.0)}
