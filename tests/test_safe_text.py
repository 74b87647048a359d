"""Text from a server is data: markup is shown literally, escape sequences never pass."""

from jobdeck.tui.safe_text import clean, literal

HOSTILE = "[bold red]x[/] \x1b]52;c;Zm9v\x07"


def test_osc52_clipboard_write_and_markup_are_neutralised():
    text = literal(HOSTILE)
    assert text.plain == "[bold red]x[/] "
    assert text.spans == []  # no markup applied


def test_csi_sequences_c1_controls_and_bidi_overrides_are_removed():
    assert clean("a\x1b[31mred\x1b[0m\x9b2Jb\u202egnp.exe") == "aredbgnp.exe"
    assert clean("tab\there\nnew") == "tabherenew"
    assert clean(None) == ""
    assert clean("渲染任务 ünïcode") == "渲染任务 ünïcode"
