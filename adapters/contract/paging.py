"""Reading every page of a list from a service that may lie about how many pages there are.

A page count is a claim, not a promise: a service that says it has a billion pages, or answers
every page number with the same page, must not keep a poll busy for ever. The loop stops on the
last page it was told of, on an empty page, on a page it has already seen, and at MAX_PAGES.
Items are kept once each, by key, in the order they came (or handed to a `sink` as they come,
so a long list is never held twice). Stopping at the cap is said, with how many items the
service counted that were not read.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from .values import BadValue, integer

# 200 pages of 100 is 20,000 items: more than any console screen or poll budget serves.
MAX_PAGES = 200


class Pager:
    def __init__(self, what: str, key: Callable[[dict[str, Any]], Hashable],
                 cap: int = MAX_PAGES, *, noun: str = "items",
                 sink: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.what = what
        self.key = key
        self.cap = cap
        self.noun = noun
        self.sink = sink
        self.items: list[dict[str, Any]] = []
        self.kept = 0                      # items kept (in `items`, or given to the sink)
        self.calls = 0
        self.declared: int | None = None   # pages the first reply claimed
        self.total: int | None = None      # items the first reply claimed, when it said
        self.stopped_early: str | None = None   # why the loop ended before the claimed last page
        self.capped = False                # it was the cap that ended it
        self._seen: set[Hashable] = set()
        self._pages: set[tuple[Hashable, ...]] = set()

    @property
    def last_page(self) -> int:
        """The last page worth asking for: the claimed last one, or the cap."""
        return min(self.declared or 1, self.cap)

    @property
    def unread(self) -> int | None:
        """Items the service counted and the cap left unread (None: it gave no count)."""
        if self.total is None:
            return None
        return max(0, self.total - self.kept)

    def take_item(self, item: dict[str, Any]) -> None:
        """One item from elsewhere than a page (a page kept from an earlier read)."""
        self._keep(self.key(item), item)

    def _keep(self, key: Hashable, item: dict[str, Any]) -> None:
        if key not in self._seen:
            self._seen.add(key)
            self.kept += 1
            if self.sink is not None:
                self.sink(item)
            else:
                self.items.append(item)

    def take(self, page: int, items: list[dict[str, Any]], page_count: Any,
             total: Any = None) -> bool:
        """Keep one page; True when the next page should be asked for."""
        self.calls += 1
        if self.declared is None:
            try:
                self.declared = max(1, integer(page_count, f"{self.what} page count")) \
                    if page_count not in (None, "") else 1
            except BadValue:
                self.declared = 1
            try:
                self.total = integer(total, f"{self.what} total") if total not in (None, "") \
                    else None
            except BadValue:
                self.total = None
        keys = tuple(self.key(item) for item in items)
        repeated = bool(keys) and keys in self._pages
        self._pages.add(keys)
        for key, item in zip(keys, items, strict=True):
            self._keep(key, item)
        if page >= self.last_page:
            if self.declared > self.cap:
                self.capped = True
                unread = self.unread
                left = f"{unread:,} {self.noun} not read" if unread is not None \
                    else f"the {self.noun} after page {self.cap} not read"
                self.stopped_early = (f"{self.what}: read {self.cap} pages of the "
                                      f"{self.declared} the service claims; {left}")
            return False
        if not items:
            self.stopped_early = f"{self.what}: page {page} was empty"
            return False
        if repeated:
            self.stopped_early = f"{self.what}: page {page} repeated an earlier page"
            return False
        return True
