"""`jobdeck history`: the recorded transitions and actions, in time order, as lines or JSON.

Reads the history store in the state directory (adapters/core/history.py) that the console and
`watch` write; needs no config and asks no service. A transition's line and JSON are the ones
`watch` prints; an action's JSON is its audit record (`action`, `targets`, `outcome`, `user`...).
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from jobdeck.adapters.contract import jsonsafe
from jobdeck.adapters.core.history import HistoryStore, parse_since
from jobdeck.adapters.core.state import StateStore

from .common import EXIT_OK, UsageError, say


def since_of(text: str, now: datetime | None = None) -> datetime:
    since = parse_since(text, now)
    if since is None:
        raise UsageError(f"--since takes a span back from now (8h, 30m, 2d, 1h30m) or a time "
                         f"('2026-12-04 03:12', local; or ISO 8601 with Z), not {text!r}")
    return since


def open_store() -> HistoryStore:
    return HistoryStore.in_dir(StateStore().directory)


def check_services(store: HistoryStore, names: list[str] | None) -> None:
    if not names:
        return
    known = store.service_kinds()
    for name in names:
        if name not in known:
            raise UsageError(f"no service named {name!r} in the history "
                             f"(recorded: {', '.join(known) or 'none'})")


def history(args: argparse.Namespace) -> int:
    since = since_of(args.since)
    store = open_store()
    if not store.path.exists():
        say(f"jobdeck: nothing recorded yet in {store.path}; the console and `jobdeck watch` "
            "record there", err=True)
        return EXIT_OK
    try:
        check_services(store, args.service)
        events = store.events(since, datetime.now(UTC), args.service)
    finally:
        store.close()
    for event in events:
        if args.json:
            print(jsonsafe.dumps(event.to_json()), flush=True)
        else:
            say(event.line())
    return EXIT_OK
