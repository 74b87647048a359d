"""An action whose reply carries a lone surrogate: the console shows it replaced, writes the
audit line and goes on (it used to exit 70, with no audit line, after the service had acted)."""

from __future__ import annotations

import json

from jobdeck.adapters.core.state import StateStore
from tests.support import hostile
from tests.support.console import console, cursor_to, settle, toasts


async def test_an_action_reply_with_a_lone_surrogate_is_toasted_and_audited(tmp_path):
    store = StateStore(tmp_path / "state")
    async with console(("farm", hostile.renderbus()), state=store) as (app, pilot):
        await cursor_to(pilot, "500")
        await pilot.press("s")
        await settle(pilot)
        assert app.is_running
        refusal = next(t for t in toasts(app) if "refusal" in t)
        assert "\ufffd" in refusal and "\x1b" not in refusal
    raw = (tmp_path / "state" / "audit.log").read_bytes()
    line = json.loads(raw.decode("utf-8").splitlines()[-1])
    assert line["action"] == "stop" and line["outcome"] == "refused"
    assert "\ufffd" in line["message"]
