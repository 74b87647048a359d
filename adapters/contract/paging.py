"""Reading every page of a list from a service that may lie about how many pages there are.

A page count is a claim, not a promise: a service that says it has a billion pages, or answers
every page number with the same page, must not keep a poll busy for ever. The loop stops on the
last page it was told of, on an empty page, on a page it has already seen, and at MAX_PAGES.
Items are kept once each, by key, in the order they came.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from .values import BadValue, integer

# 200 pages of 100 is 20,000 items: more than any console screen or poll budget serves.
MAX_PAGES = 200


class Pager:
    def __init__(self, what: str, key: Callable[[dict[str, Any]], Hashable],
                 cap: int = MAX_PAGES) -> None:
        self.what = what
        self.key = key
        self.cap = cap
        self.items: list[dict[str, Any]] = []
        self.calls = 0
        self.declared: int | None = None   # pages the first reply claimed
        self.stopped_early: str | None = None   # why the loop ended before the claimed last page
        self._seen: set[Hashable] = set()
        self._pages: set[tuple[Hashable, ...]] = set()

    def take(self, page: int, items: list[dict[str, Any]], page_count: Any) -> bool:
        """Keep one page; True when the next page should be asked for."""
        self.calls += 1
        if self.declared is None:
            try:
                self.declared = max(1, integer(page_count, f"{self.what} page count")) \
                    if page_count not in (None, "") else 1
            except BadValue:
                self.declared = 1
        keys = tuple(self.key(item) for item in items)
        repeated = bool(keys) and keys in self._pages
        self._pages.add(keys)
        for key, item in zip(keys, items, strict=True):
            if key not in self._seen:
                self._seen.add(key)
                self.items.append(item)
        last = min(self.declared, self.cap)
        if page >= last:
            if self.declared > self.cap:
                self.stopped_early = (f"{self.what}: read {self.cap} pages of the "
                                      f"{self.declared} the service claims")
            return False
        if not items:
            self.stopped_early = f"{self.what}: page {page} was empty"
            return False
        if repeated:
            self.stopped_early = f"{self.what}: page {page} repeated an earlier page"
            return False
        return True
