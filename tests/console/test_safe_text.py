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


def test_no_toast_or_title_in_tui_is_built_by_formatting_a_string():
    # the house rule: a toast's or title's words are Text from title()/literal(), so a service's
    # text inside them is data; an f-string, '+' or .format() there is how that gets forgotten
    import ast
    from pathlib import Path

    import jobdeck.tui

    def formatted(node: ast.expr) -> bool:
        return isinstance(node, ast.JoinedStr | ast.BinOp) or (
            isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "format")

    found = []
    for path in Path(jobdeck.tui.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "attr", getattr(node.func, "id", ""))
                if name == "notify":
                    words = [*node.args[:2], *(k.value for k in node.keywords if k.arg == "title")]
                elif name == "set_titles":
                    words = node.args[1:]
                else:
                    continue
            elif isinstance(node, ast.Assign) and any(
                    getattr(t, "attr", "") in ("border_title", "border_subtitle", "title",
                                               "sub_title") for t in node.targets):
                words = [node.value]
            else:
                continue
            found += [f"{path.name}:{node.lineno}" for w in words if formatted(w)]
    assert found == []
