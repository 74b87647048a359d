"""`jobdeck submit`: each kind's way to start new work, from command-line arguments."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

from jobdeck.adapters.base import Adapter
from jobdeck.adapters.model import JobdeckError, ServiceError


class SubmitError(JobdeckError):
    pass


def _progress(sent: int, total: int) -> None:
    if sys.stderr.isatty():
        width = 30
        filled = int(width * sent / max(1, total))
        sys.stderr.write(f"\rupload [{'#' * filled}{'.' * (width - filled)}] "
                         f"{sent / 1048576:7.1f} / {total / 1048576:.1f} MiB")
        if sent >= total:
            sys.stderr.write("\n")
        sys.stderr.flush()


async def submit_from_args(adapter: Adapter, args: argparse.Namespace,
                           on_progress: Callable[[int, int], None] = _progress) -> str:
    """One road for `jobdeck submit` and the console's submit form."""
    kind = adapter.kind
    if kind == "finalrip":
        if not args.script or not args.encode_param:
            raise SubmitError("finalrip needs --script FILE and --encode-param CMD")
        video, script = Path(args.what), Path(args.script)
        for path in (video, script):
            if not path.is_file():
                raise SubmitError(f"{path}: no such file")
        return await adapter.submit(video, script.read_text(encoding="utf-8"),  # type: ignore[attr-defined]
                                    args.encode_param, video_key=args.key or None,
                                    on_progress=on_progress)
    if kind == "eva":
        try:
            tpl_id = int(args.what)
        except ValueError:
            raise SubmitError("eva: the first argument is the template id (a number)") from None
        assets = []
        for item in args.asset:
            asset_id, sep, value = item.partition("=")
            if not sep:
                raise SubmitError(f"--asset takes ID=VALUE, not {item!r}")
            assets.append({"id": asset_id, "value": value} if asset_id else {"value": value})
        files = [Path(f) for f in args.file]
        for path in files:
            if not path.is_file():
                raise SubmitError(f"{path}: no such file")
        try:
            extra = json.loads(args.args) if args.args else None
        except ValueError:
            raise SubmitError("--args must be JSON, e.g. '{\"scale\":0.5}'") from None
        return await adapter.submit(tpl_id, assets, files=files, args=extra,  # type: ignore[attr-defined]
                                    dynamic=args.dynamic, label=args.label or None)
    if kind == "enhance":
        task = await adapter.submit(args.what, args.type or None, label=args.label or None)  # type: ignore[attr-defined]
        return task.id
    raise ServiceError(f"{kind} has no submit")
