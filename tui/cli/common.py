"""What every headless command shares: exit codes, the usage error, and the two ways out for
text (`say`, cleaned of escapes) and JSON (`emit_json`, jsonsafe). Everything a service sent
that reaches stdout or stderr goes through one of them."""

from __future__ import annotations

import sys
from typing import Any

from jobdeck.adapters.contract import jsonsafe
from jobdeck.adapters.contract.model import JobdeckError
from jobdeck.tui.safe_text import clean

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_READ_ONLY, EXIT_UNKNOWN = 0, 1, 2, 3, 4
EXIT_INTERNAL = 70


class UsageError(JobdeckError):
    pass


def say(text: object, *, err: bool = False) -> None:
    """Print service-derived text cleaned of escapes and controls."""
    print(clean(text), file=sys.stderr if err else sys.stdout, flush=True)


def emit_json(value: Any, indent: int | None = 2) -> None:
    print(jsonsafe.dumps(value, indent=indent), flush=True)


def parse_params(pairs: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise UsageError(f"--param takes K=V, not {pair!r}")
        params[key] = value
    return params
