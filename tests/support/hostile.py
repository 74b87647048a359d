"""Services that send hostile text in every field jobdeck shows: names, ids, keys, stream and
app names, errors, refusal messages, viewer addresses. Each string carries Rich markup (a link
to a file among it), OSC 52 (clipboard), OSC 0 (title), a made-up CSI, a C1 CSI, a bidi
override, zero-width characters and a BOM; and text that is not text: on the wire, a JSON
`\ud800` escape (a lone surrogate once parsed) and bytes that are not UTF-8 (`garbled()`)."""

from __future__ import annotations

from typing import Any

from jobdeck.adapters.enhance.sim import EnhanceSim
from jobdeck.adapters.eva.sim import EvaSim
from jobdeck.adapters.finalrip.sim import FinalRipSim
from jobdeck.adapters.nginx_rtmp.sim import NginxRtmpSim
from jobdeck.adapters.ntv.sim import NtvSim
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.adapters.simulation.server import SimRequest, SimResponse

# Markers a garbled simulator's replies carry as a lone surrogate's JSON escape and as bytes
# that are not UTF-8 (no simulator can hold either in a str it encodes).
SURR, BYTES = "~SURR~", "~BYTES~"
EVIL = ("[bold]B[/] [link=file:///etc/passwd]L[/link] [/] \x1b]52;c;SE9TVElMRQ==\x07"
        f"\x1b]0;PWNED\x07\x1b[1337m\u009b1337m \u202eevil\u200bzw\ufeff {SURR} {BYTES}")
# What must never reach the terminal, as bytes.
NEVER = [b"SE9TVElMRQ", b"PWNED", b"1337m", "\u009b".encode(), "\u202e".encode(),
         "\u200b".encode(), "\ufeff".encode()]
# XML 1.0 cannot carry C0 controls: nginx's /stat holds what it can.
XML_EVIL = f"[bold]B[/] [link=file:///etc/passwd]L[/link] \u202eevil\u200bzw {BYTES}"


def hostile(tag: str) -> str:
    return f"{tag}{EVIL}"


def garbled(sim: Any) -> Any:
    """The simulator, its replies carrying `\ud800` (a JSON escape) for SURR and the bytes
    FF FE for BYTES, wherever its text has them."""
    handle = sim.handle

    def replying(request: SimRequest) -> SimResponse:
        response = handle(request)
        response.body = response.body.replace(SURR.encode(), b"\\ud800").replace(
            BYTES.encode(), b"\xff\xfe")
        return response

    sim.handle = replying
    return sim


class HostileFarm(RenderbusSim):
    """Refuses every stop with a hostile message of its own."""

    def route(self, request: SimRequest) -> SimResponse:
        if request.path.endswith("/stopTask"):
            return self.envelope(600, hostile("refusal"))
        return super().route(request)


def renderbus() -> RenderbusSim:
    sim = HostileFarm(scenario="empty")
    sim.add_task(500, hostile("scene"), 5, frames=4, done=1, age_s=60)
    sim.add_task(501, hostile("parent"), 5, age_s=30)
    sim.add_task(502, hostile("scene"), 25, frames=2, done=2, parent=501, task_type="Render",
                 layer=hostile("layer"))
    sim.add_task(503, hostile("failing"), 45, frames=2, failed=2, age_s=90)
    sim.user = hostile("user")
    sim.error_details[15000] = {"type": 1, "desDescriptionCn": hostile("what"),
                                "desSolutionCn": hostile("fix"), "solutionPath": hostile("link")}
    return garbled(sim)


def finalrip() -> FinalRipSim:
    sim = FinalRipSim(scenario="none")
    sim.seed_task(hostile("Ep") + ".mkv", "running", clips=6)
    sim.seed_task(hostile("Done") + ".mkv", "completed", clips=2)
    return garbled(sim)


def eva() -> EvaSim:
    sim = EvaSim(scenario="none")
    sim.add_render(hostile("id"), 123, duration=0, fail_code=4340)
    from jobdeck.adapters.eva import sim as eva_sim
    eva_sim.CODE_TEXT[4340] = hostile("message")
    return garbled(sim)


def enhance() -> EnhanceSim:
    sim = EnhanceSim(scenario="none")
    job = sim._create("https://pics.sim/" + hostile("pic") + ".jpg", 1, hostile("label"))
    job.fail_code = 1001004
    sim._create("https://pics.sim/ok.jpg", 2, hostile("queued"))
    return garbled(sim)


def ntv() -> NtvSim:
    sim = NtvSim(scenario="none")
    stream = sim.add_stream(hostile("app"), hostile("stream"), age=60, viewers=2)
    for viewer in stream.viewers:
        viewer["cip"] = hostile("ip")
        viewer["format"] = hostile("fmt")
    sim.add_transcode(hostile("src"), hostile("file"), seconds=600, done_s=10)
    sim.closed[f"{hostile('app')}/{hostile('off')}"] = sim.wall() - 60
    return garbled(sim)


def nginx() -> NginxRtmpSim:
    sim = NginxRtmpSim(scenario="none", servers=1)
    sim.add_stream(0, "live", XML_EVIL, players=1, age=30)
    return garbled(sim)


def world() -> dict[str, Any]:
    return {"farm": renderbus(), "encoder": finalrip(), "promo": eva(), "photo": enhance(),
            "studio": ntv(), "edge": nginx()}

