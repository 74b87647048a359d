"""The headless commands load no Textual (nor Rich): `snapshot` on a service, `config path`,
`act --help` in a fresh interpreter. The console is imported only by `run`, `demo` and
`replay`. Measured in a subprocess's sys.modules, as Harlequin's test_import_hygiene does."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = """
import json, sys
from jobdeck.tui.cli.main import main
try:
    main({argv!r})
except SystemExit:
    pass
loaded = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')
          or m.startswith('jobdeck.tui.console')]
print('LOADED=' + json.dumps(sorted(loaded)))
"""


def loaded_by(argv: list[str], tmp_path) -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(argv=argv)], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path,
                          env={"PATH": "/usr/bin:/bin", "JOBDECK_CONFIG": str(tmp_path / "no.toml"),
                               "JOBDECK_STATE_DIR": str(tmp_path / "state"), "TZ": "UTC"})
    line = [x for x in done.stdout.splitlines() if x.startswith("LOADED=")]
    assert line, done.stdout + done.stderr
    return json.loads(line[-1].removeprefix("LOADED="))


@pytest.mark.parametrize("argv", [
    ["snapshot", "--json"], ["snapshot"], ["config", "path"], ["config", "check"], ["act", "--help"],
    ["blocks", "farm", "1"], ["frames", "farm", "1"], ["watch", "--help"], ["history"],
    ["report"],
])
def test_a_headless_command_loads_no_textual_and_no_console(argv, tmp_path):
    assert loaded_by(argv, tmp_path) == []


def test_the_import_of_the_entry_point_alone_loads_nothing_of_the_console(tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", "import sys, jobdeck.tui.cli.main; "
         "print(sorted(m for m in sys.modules if m.startswith(('textual', 'rich', "
         "'jobdeck.tui.console'))))"], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "[]", done.stderr
