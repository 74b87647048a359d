"""`jobdeck submit SERVICE ...`: a kind's submit fields as command-line arguments, and the
upload's progress on stderr."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from jobdeck.adapters.contract.base import Adapter
from jobdeck.adapters.core.submit_values import SubmitError, flag, values_from


def kind_parser(adapter: Adapter, service: str) -> argparse.ArgumentParser:
    """`jobdeck submit SERVICE ...` arguments for this service's kind, from its fields."""
    parser = argparse.ArgumentParser(prog=f"jobdeck submit {service}",
                                     description=f"new work on {service} ({adapter.kind})")
    for field in adapter.submit_fields:
        help_text = field.help + (f" (default: {field.default})" if field.default else "")
        if field.positional:
            parser.add_argument(field.name, metavar=field.name.upper(), help=help_text)
        elif field.kind == "flag":
            parser.add_argument(flag(field), dest=field.name, action="store_true", help=help_text)
        elif field.repeat:
            parser.add_argument(flag(field), dest=field.name, action="append", default=[],
                                help=help_text)
        else:
            parser.add_argument(flag(field), dest=field.name, help=help_text)
    return parser


def values_from_argv(adapter: Adapter, service: str, argv: Sequence[str]) -> dict[str, Any]:
    if not adapter.can_submit:
        raise SubmitError(f"{adapter.kind} takes no new work from jobdeck")
    namespace = kind_parser(adapter, service).parse_args(list(argv))
    return values_from(adapter.submit_fields, vars(namespace))


def print_progress(sent: int, total: int) -> None:
    if sys.stderr.isatty():
        width = 30
        filled = int(width * sent / max(1, total))
        sys.stderr.write(f"\rupload [{'#' * filled}{'.' * (width - filled)}] "
                         f"{sent / 1048576:7.1f} / {total / 1048576:.1f} MiB")
        if sent >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()
