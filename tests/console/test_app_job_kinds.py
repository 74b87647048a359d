"""The console on the job kinds: FinalRip clips, EVA and enhance details, their keys."""

from __future__ import annotations

from jobdeck.adapters.enhance.sim import EnhanceSim
from jobdeck.adapters.eva.sim import EvaSim
from jobdeck.adapters.finalrip.sim import CLIP_S, FinalRipSim
from jobdeck.adapters.renderbus.sim import RenderbusSim
from jobdeck.tui.console.screens.confirm import ConfirmScreen
from jobdeck.tui.console.widgets.block_grid import BlockGridView, BlockPane
from jobdeck.tui.console.widgets.task_table import TaskTable
from tests.support.clock import FIXED_EPOCH, FrozenClock
from tests.support.console import cursor_to, demo_app, row_of, settle, started
from tests.support.renderbus import farm


def kinds_world(clock: FrozenClock | None = None):
    clock = clock or FrozenClock()
    sims = {"sh-farm": farm(), "encoder": FinalRipSim(clock=clock, wall=lambda: FIXED_EPOCH),
            "promo": EvaSim(clock=clock), "photo": EnhanceSim(clock=clock)}
    return sims, demo_app(*sims.items(), clock=FrozenClock())


async def pick(pilot, name: str) -> None:
    services = pilot.app.query_one("#services")
    services.highlighted = services.get_option_index(name)
    await settle(pilot)
    pilot.app.query_one(TaskTable).focus()


async def test_r_in_the_block_grid_retries_the_clip_under_the_cursor():
    clock = FrozenClock()
    sims, app = kinds_world(clock)
    clock.advance(CLIP_S * 6)
    async with started(app) as pilot:
        await pick(pilot, "encoder")
        await cursor_to(pilot, "Roshidere-07.mkv")
        grid = app.query_one(BlockGridView)
        assert grid.task_id == "Roshidere-07.mkv" and len(grid.blocks) == 16
        grid.focus()
        await pilot.press("right", "right", "right", "right", "right")
        legend = str(app.query_one("#block-legend").render())
        assert "clip 5: waiting" in legend
        await pilot.press("R")
        await settle(pilot)
        sent = [r.body for r in sims["encoder"].received if r.path == "retry/encode"]
        assert [(b["video_key"], b["index"]) for b in sent] == [("Roshidere-07.mkv", "5")]


async def test_clear_asks_first_and_sends_the_video_key():
    sims, app = kinds_world()
    async with started(app) as pilot:
        await pick(pilot, "encoder")
        await cursor_to(pilot, "Roshidere-06.mkv")
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, ConfirmScreen)
        assert "Roshidere-06.mkv" in app.screen.body.plain and "encoder" in app.screen.body.plain
        await pilot.press("y")
        await settle(pilot)
        assert [r.body for r in sims["encoder"].received if r.path == "clear"] == [
            {"video_key": "Roshidere-06.mkv"}]


async def test_enhance_queue_shows_positions_and_details_and_d_deletes():
    sims, app = kinds_world()
    async with started(app) as pilot:
        await pick(pilot, "photo")
        third = sims["photo"].order[2]
        assert "#1" in row_of(app, third)
        await cursor_to(pilot, third)
        pane = app.query_one(BlockPane)
        assert pane.has_class("facts")
        facts = str(app.query_one("#block-legend").render())
        assert "queue  #1" in facts and "source  https://pics.sim/portrait_02.jpg" in facts
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert [r.body for r in sims["photo"].received if r.path == "deletetask"] == [
            {"taskid": third}]
        assert third not in app.query_one(TaskTable).visible_ids()


async def test_eva_details_show_the_output_link_and_u_untracks():
    _, app = kinds_world()
    async with started(app) as pilot:
        await pick(pilot, "promo")
        await cursor_to(pilot, "GfNE_AXLj0CHizT_9UDVp")
        facts = str(app.query_one("#block-legend").render())
        assert "output  http://file.eva.sim/GfNE_AXLj0CHizT_9UDVp.mp4" in facts
        await pilot.press("u")
        await settle(pilot)
        assert "GfNE_AXLj0CHizT_9UDVp" not in app.query_one(TaskTable).visible_ids()


def encode_files(tmp_path, video_name: str, size: int):
    """A video of `size` bytes and the simulator's own VapourSynth script, on disk."""
    from jobdeck.adapters.finalrip.sim import DEMO_SCRIPT

    video = tmp_path / video_name
    video.write_bytes(b"v" * size)
    script = tmp_path / "enc.vpy"
    script.write_text(DEMO_SCRIPT)
    return video, script


async def open_form(pilot, service: str):
    from jobdeck.tui.console.screens.submit import SubmitScreen

    await pick(pilot, service)
    await pilot.press("n")
    await settle(pilot)
    assert isinstance(pilot.app.screen, SubmitScreen)
    return pilot.app.screen


async def test_n_submits_a_finalrip_encode_with_upload_progress(tmp_path, monkeypatch):
    from jobdeck.tui.console.screens.submit import SubmitScreen

    video, script = encode_files(tmp_path, "Ep-20.mkv", 600_000)
    sims, app = kinds_world()
    async with started(app, (120, 40)) as pilot:
        screen = await open_form(pilot, "encoder")
        assert screen.query_one("#field-encode_param").value == (
            "ffmpeg -i - -c:v libx265 -crf 16 FINALRIP_ENCODED_CLIP.mkv")
        screen.query_one("#field-video").value = str(video)
        screen.query_one("#field-script").value = str(tmp_path / "missing.vpy")
        await pilot.click("#submit")
        await settle(pilot)
        assert isinstance(app.screen, SubmitScreen)   # refused: the form stays, says why
        assert "no such file" in str(screen.query_one("#submit-status").render())
        screen.query_one("#field-script").value = str(script)
        seen: list[tuple[int, int]] = []
        original = SubmitScreen.on_submit_progress

        def progress(self, message):
            seen.append((message.sent, message.total))
            original(self, message)

        monkeypatch.setattr(SubmitScreen, "on_submit_progress", progress)
        await pilot.click("#submit")
        await settle(pilot)
        assert len(seen) > 1 and seen[-1] == (600_000, 600_000)
        assert not isinstance(app.screen, SubmitScreen)
        assert sims["encoder"].storage["Ep-20.mkv"] == video.read_bytes()
        assert sims["encoder"].tasks["Ep-20.mkv"].status == "running"
        assert "Ep-20.mkv" in app.query_one(TaskTable).visible_ids()


async def test_n_on_finalrip_keeps_the_form_with_the_servers_own_refusal(tmp_path):
    from jobdeck.tui.console.screens.submit import SubmitScreen

    video, script = encode_files(tmp_path, "Ep-21.mkv", 100)
    _, app = kinds_world()
    async with started(app, (120, 40)) as pilot:
        screen = await open_form(pilot, "encoder")
        screen.query_one("#field-video").value = str(video)
        screen.query_one("#field-script").value = str(script)
        screen.query_one("#field-encode_param").value = "ffmpeg -i - out.mkv"
        await pilot.click("#submit")
        await settle(pilot)
        status = str(screen.query_one("#submit-status").render())
        assert isinstance(app.screen, SubmitScreen)
        assert "the Encode Param must contain FINALRIP_ENCODED_CLIP.mkv" in status


async def test_n_on_enhance_shows_the_services_refusal_in_plain_words():
    from jobdeck.tui.console.screens.submit import SubmitScreen

    _, app = kinds_world()
    async with started(app, (120, 40)) as pilot:
        await open_form(pilot, "photo")
        app.screen.query_one("#field-picture").value = "https://pics.sim/huge.jpg"
        await pilot.click("#submit")
        await settle(pilot)
        status = str(app.screen.query_one("#submit-status").render())
        assert isinstance(app.screen, SubmitScreen) and "too large" in status
        assert "1001003" in status


async def test_t_tracks_task_ids_on_eva():
    sims, app = kinds_world()
    sims["promo"].add_render("New_render_0000000001", 456, duration=0)
    async with started(app) as pilot:
        await pick(pilot, "promo")
        await pilot.press("t")
        await settle(pilot)
        await pilot.press(*"New_render_0000000001", "enter")
        await settle(pilot)
        assert "done" in row_of(app, "New_render_0000000001")


async def test_the_tasks_pane_says_which_renderbus_generation_answered():
    # rayvision_api url.py (2.0.0): a farm that answers only the new paths is found by "auto"
    new = RenderbusSim(clock=FrozenClock(), epoch=FIXED_EPOCH, generation="2.0.0")
    app = demo_app(("old-farm", farm()), ("new-farm", new), clock=FrozenClock())
    async with started(app) as pilot:
        pane = app.query_one("#tasks-pane")
        for name, generation in (("old-farm", "1.0.0"), ("new-farm", "2.0.0")):
            await pick(pilot, name)
            assert str(pane.border_subtitle).endswith(f"API {generation}")


async def test_g_on_a_pending_encode_asks_for_its_script_then_starts_it(tmp_path):
    from jobdeck.adapters.finalrip.adapter import DEFAULT_ENCODE_PARAM
    from jobdeck.adapters.finalrip.sim import DEMO_SCRIPT
    from jobdeck.tui.console.screens.params import ParamsScreen

    script = tmp_path / "encode.vpy"
    script.write_text(DEMO_SCRIPT)
    sims, app = kinds_world()
    async with started(app) as pilot:
        await pick(pilot, "encoder")
        await cursor_to(pilot, "Roshidere-09.mkv")     # pending: never started
        await pilot.press("g")
        await settle(pilot)
        assert isinstance(app.screen, ParamsScreen)
        await pilot.press("enter")                       # no script given: said, not sent
        await settle(pilot)
        assert "required" in str(app.screen.query_one("#params-status").render())
        await pilot.press(*str(script))
        await pilot.press("enter")
        await settle(pilot)
        assert not isinstance(app.screen, ParamsScreen)
        assert [r.body for r in sims["encoder"].received if r.path == "start"] == [
            {"video_key": "Roshidere-09.mkv", "script": DEMO_SCRIPT,
             "encode_param": DEFAULT_ENCODE_PARAM}]
        assert "Roshidere-09.mkv started" in [message for message, _ in app.toasts]
        assert "running" in row_of(app, "Roshidere-09.mkv")


async def test_enter_on_an_encode_shows_its_script_command_and_each_clips_urls():
    from jobdeck.tui.console.screens.detail import DetailScreen

    _sims, app = kinds_world()
    async with started(app) as pilot:
        await pick(pilot, "encoder")
        await cursor_to(pilot, "Roshidere-06.mkv")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        import io

        from rich.console import Console
        console = Console(width=200, record=True, file=io.StringIO())
        console.print(app.screen.query_one("#detail-facts").content)
        text = console.export_text()
        assert "FINALRIP_SOURCE" in text and "FINALRIP_ENCODED_CLIP.mkv" in text
        table = app.screen.query_one("#detail-frames")
        assert table.row_count == 10
        row = [str(cell) for cell in table.get_row_at(0)]
        assert "https://oss.finalrip.sim/Roshidere-06/clip-000.mkv" in row
        assert "https://oss.finalrip.sim/Roshidere-06/enc-000.mkv" in row
