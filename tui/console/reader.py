"""Reads the panes and screens ask for (`Ask`), run beside the poller: one worker each, its
answer posted to the asker as `Loaded`, whatever the read's end."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from jobdeck.adapters.contract.base import Adapter
from jobdeck.adapters.contract.http import describe_exception
from jobdeck.adapters.contract.model import JobdeckError

from .messages import Ask, Loaded

if TYPE_CHECKING:
    from textual.app import App


class Reader:
    def __init__(self, app: App[Any], adapters: dict[str, Adapter]) -> None:
        self.app, self.adapters = app, adapters

    def call(self, ask: Ask) -> Awaitable[Any]:
        adapter = self.adapters[ask.service]
        if ask.call == "blocks":
            return adapter.blocks(*ask.args)
        if ask.call == "frames":
            return adapter.frames(*ask.args)
        if ask.call == "viewers":
            return adapter.viewers(*ask.args)
        if ask.call == "submit":
            return adapter.submit(*ask.args, on_progress=ask.progress)
        raise ValueError(f"no such read: {ask.call}")

    def answer(self, ask: Ask) -> None:
        if ask.service not in self.adapters:
            ask.asker.post_message(Loaded(ask.key, error=f"no service {ask.service!r}"))
            return
        redact = self.adapters[ask.service].redact

        async def run() -> None:
            try:   # the read starts here: one cancelled before it started leaves no coroutine
                value = await self.call(ask)
            except JobdeckError as exc:
                ask.asker.post_message(Loaded(ask.key, error=str(exc)))
            except Exception as exc:   # an odd reply must not take the console down
                ask.asker.post_message(Loaded(
                    ask.key, error=f"unexpected reply: {describe_exception(exc, redact)}"))
            else:
                ask.asker.post_message(Loaded(ask.key, value))

        self.app.run_worker(run(), group=ask.group or f"read:{ask.key}", exclusive=True,
                            exit_on_error=False)
