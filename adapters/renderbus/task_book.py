"""What the Renderbus adapter knows of an account's tasks between two reads of its history.

An account holds years of finished tasks; what changes between two polls is the active ones and
the newest. So the whole list is read now and then (`history_every`), and each poll in between
reads the active set, the newest page and, by id, each task that left the active set elsewhere
than on that page (its final status). The book merges those into what the last full read found.

It also keeps the cost of a poll that changed little small after the requests: a task whose
reply maps to an equal Task keeps its object (so the panes and the on-call engine can tell
"unchanged" by identity), and the list handed to the snapshot is the same list object while
nothing in it changed. The order is made here, newest first by id (the service documents no
order for its list, and ids grow as tasks are created).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from jobdeck.adapters.contract.model import Task, TaskChanges

# getTaskList's statusList for the work that can still change by itself or by a key: queued
# (0, 1, 8, 50, 100 and 60 "submitting"), rendering (5), stopped but resumable (10, 15, 20, 23,
# 40). The statuses are the spec's table and renderbus/docs_sdk's (docs/render/settings.md).
ACTIVE_STATUSES = (0, 1, 5, 8, 10, 15, 20, 23, 40, 50, 60, 100)
_ACTIVE = frozenset(str(s) for s in ACTIVE_STATUSES)


def order_key(task_id: str) -> tuple[int, int | str]:
    """Newest first: numeric ids from high to low, anything else after them."""
    return (0, -int(task_id)) if task_id.isdigit() else (1, task_id)


class Filling:
    """A full read under way: tasks collected page by page, swapped in when it completes."""

    def __init__(self, book: TaskBook) -> None:
        self.book = book
        self.tasks: dict[str, Task] = {}
        self.first: str | None = None   # the first and last ids in the service's own order
        self.last: str | None = None

    def put(self, item: dict[str, Any]) -> None:
        task = self.book.make(item)
        self.tasks[task.id] = task
        if self.first is None:
            self.first = task.id
        self.last = task.id


class TaskBook:
    def __init__(self, to_task: Callable[[dict[str, Any]], Task]) -> None:
        self.to_task = to_task
        self.tasks: dict[str, Task] = {}
        self.active: set[str] = set()       # ids the last read found in the active set
        self.recheck: set[str] = set()      # ids acted on: asked for by id at the next poll
        self.read_at: float | None = None   # monotonic time of the last full read
        self.cut: str | None = None         # what the last full read could not read (the cap)
        self.total: int | None = None       # tasks the service last said the account holds
        self.newest_first = True            # the service lists newest first (learnt each read)
        # The replies of the last poll's active set and newest page, as they came: the same
        # reply again is the same task, without mapping it anew (most renders move slowly).
        self._replies: dict[str, dict[str, Any]] = {}
        self._listing: list[Task] | None = None
        self._order: list[str] | None = None
        self._places: dict[str, int] = {}     # each id's place in _order
        self._shown: list[Task] | None = None  # the last list handed out
        # Since that list: each id touched, with the object the list held (None: new)
        self._was: dict[str, Task | None] = {}
        self._changes: TaskChanges | None = None

    # making tasks ---------------------------------------------------------------------------------

    def make(self, item: dict[str, Any]) -> Task:
        """The task of a reply; the object already held when it maps to an equal one."""
        task_id = str(item.get("id"))
        if self._replies.get(task_id) == item and task_id in self.tasks:
            return self.tasks[task_id]
        task = self.to_task(item)
        kept = self.tasks.get(task.id)
        return kept if kept is not None and kept == task else task

    def put(self, item: dict[str, Any]) -> None:
        task = self.make(item)
        kept = self.tasks.get(task.id)
        if kept is task:
            return
        self._was.setdefault(task.id, kept)
        self.tasks[task.id] = task
        self._listing = None
        if kept is None:
            self._order = None

    def remove(self, task_ids: Iterable[str]) -> None:
        for task_id in task_ids:
            kept = self.tasks.pop(task_id, None)
            if kept is not None:
                self._was.setdefault(task_id, kept)
                self._listing = self._order = None

    # reads ----------------------------------------------------------------------------------------

    def filling(self) -> Filling:
        return Filling(self)

    def replace(self, filling: Filling, *, at: float, total: int | None, cut: str | None,
                active: Iterable[dict[str, Any]] = ()) -> None:
        """A full read is in: it is the account now (what it could not read is in `cut`)."""
        if filling.first is not None and filling.last is not None and filling.first != filling.last:
            self.newest_first = order_key(filling.first) <= order_key(filling.last)
        for item in active:      # when the cap left some of the list unread
            filling.put(item)
        if filling.tasks.keys() != self.tasks.keys():
            self._order = None
        was = self._was
        for task_id, task in self.tasks.items():
            if filling.tasks.get(task_id) is not task:
                was.setdefault(task_id, task)
        for task_id in filling.tasks.keys() - self.tasks.keys():
            was.setdefault(task_id, None)
        if was:
            self._listing = None
        self.tasks = filling.tasks
        self.active = {i for i, t in self.tasks.items() if t.raw_status in _ACTIVE}
        self.recheck.clear()
        self.read_at, self.total, self.cut = at, total, cut

    def left_active(self, seen: set[str]) -> set[str]:
        """Ids to ask for by id: in the active set last time (or acted on), not seen now."""
        return (self.active | self.recheck) - seen

    def update(self, active: list[dict[str, Any]], newest: list[dict[str, Any]],
               asked: set[str], answers: list[dict[str, Any]] | None) -> None:
        """A poll between full reads: the active set, the newest page, and the answers about
        the tasks asked for by id (None: that read failed; they are asked again next time)."""
        for item in active:
            self.put(item)
        for item in newest:
            self.put(item)
        self._replies = {str(item.get("id")): item for item in (*active, *newest)}
        now_active = {str(item.get("id")) for item in active}
        if answers is None:
            self.active = now_active | asked
            return
        answered = set()
        for item in answers:
            self.put(item)
            answered.add(str(item.get("id")))
        self.remove(asked - answered)   # asked for and not there: deleted
        self.active = now_active
        self.recheck -= asked

    def ask_again(self, task_ids: Iterable[str]) -> None:
        """These were acted on: the next poll asks for them (their parents, for a child)."""
        wanted = set(task_ids)
        for task_id, task in self.tasks.items():
            if task_id in wanted or any(c.id in wanted for c in task.walk()):
                self.recheck.add(task_id)

    # what the snapshot shows ----------------------------------------------------------------------

    def listing(self) -> list[Task]:
        """Every task, newest first; the same list object while nothing in it changed."""
        if self._listing is None:
            tasks, shown, was = self.tasks, self._shown, self._was
            if self._order is not None and shown is not None:
                listing = shown.copy()   # the same ids in the same places: put the new ones
                places = self._places
                for task_id in was:
                    listing[places[task_id]] = tasks[task_id]
            else:
                if self._order is None:
                    self._order = sorted(tasks, key=order_key)
                    self._places = {task_id: n for n, task_id in enumerate(self._order)}
                listing = [tasks[i] for i in self._order]
            self._changes = None if shown is None else TaskChanges(
                shown, listing,
                changed=tuple(tasks[i] for i in sorted(was, key=order_key)   # as listed
                              if i in tasks and tasks[i] is not was[i]),
                previous=tuple(t for i, t in was.items()
                               if t is not None and tasks.get(i) is not t),
                gone=frozenset(i for i, t in was.items() if t is not None and i not in tasks))
            self._listing = self._shown = listing
            self._was = {}
        return self._listing

    def changes(self) -> TaskChanges | None:
        """How listing() differs from the list handed out before it (None for the first)."""
        return self._changes
