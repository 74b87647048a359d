"""Config errors name file, service and key; secrets resolve from string, env or file and never leak."""

import re
from pathlib import Path

import pytest

from jobdeck.adapters.contract.http import Redactor
from jobdeck.adapters.contract.model import ConfigError
from jobdeck.adapters.contract.registry import ADAPTERS
from jobdeck.adapters.core import config as config_module
from jobdeck.adapters.core.commands import command_names
from jobdeck.adapters.core.config import config_path, template


def load_config(path: Path):
    return config_module.load_config(path, ADAPTERS, command_names())

GOOD = '''
refresh = 1.5
[[services]]
name = "sh-farm"
kind = "renderbus"
base_url = "https://task.renderbus.com"
access_id = "AKID"
access_key = { env = "RB_KEY" }
'''


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_a_good_config_resolves_its_secret_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("RB_KEY", "s3cret-access-key")
    config = load_config(write(tmp_path, GOOD))
    service = config.service("sh-farm")
    assert config.refresh == 1.5 and service.get("access_key") == "s3cret-access-key"
    assert "s3cret-access-key" not in repr(service) and "s3cret-access-key" not in repr(config)


def test_missing_env_secret_names_file_service_key_and_variable(tmp_path, monkeypatch):
    monkeypatch.delenv("RB_KEY", raising=False)
    path = write(tmp_path, GOOD)
    with pytest.raises(ConfigError) as error:
        load_config(path)
    text = str(error.value)
    assert str(path) in text and "'sh-farm'" in text and "'access_key'" in text
    assert "RB_KEY" in text


def test_secret_from_a_file_relative_to_the_config(tmp_path):
    (tmp_path / "key.txt").write_text("from-file-key\n")
    config = load_config(write(tmp_path, GOOD.replace('{ env = "RB_KEY" }',
                                                       '{ file = "key.txt" }')))
    assert config.services[0].get("access_key") == "from-file-key"


@pytest.mark.parametrize(("change", "words"), [
    (('kind = "renderbus"', 'kind = "renderbuss"'), ["'kind'", "renderbuss", "renderbus"]),
    (('access_id = "AKID"\n', ''), ["'access_id'", "required"]),
    (('base_url = "https://task.renderbus.com"', 'base_url = "task.renderbus.com"'),
     ["'base_url'", "http"]),
    (('access_id = "AKID"', 'access_id = "AKID"\npage_sise = 5'), ["'page_sise'", "unknown"]),
    (("refresh = 1.5", "refresh = 'fast'"), ["'refresh'", "number"]),
    (("refresh = 1.5", "refesh = 1.5"), ["'refesh'", "unknown"]),
])
def test_each_mistake_is_named_precisely(tmp_path, monkeypatch, change, words):
    monkeypatch.setenv("RB_KEY", "k" * 10)
    path = write(tmp_path, GOOD.replace(*change))
    with pytest.raises(ConfigError) as error:
        load_config(path)
    for word in words:
        assert word in str(error.value)
    assert str(path) in str(error.value)


def test_bad_toml_and_missing_file_are_config_errors(tmp_path):
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(write(tmp_path, "refresh = = 2"))
    with pytest.raises(ConfigError, match="jobdeck config init"):
        load_config(tmp_path / "nope.toml")


def test_duplicate_service_names_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("RB_KEY", "k" * 10)
    with pytest.raises(ConfigError, match="used twice"):
        load_config(write(tmp_path, GOOD + GOOD.split("refresh = 1.5")[1]))


def test_config_path_order(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert config_path() == tmp_path / "xdg" / "jobdeck" / "config.toml"
    monkeypatch.setenv("JOBDECK_CONFIG", str(tmp_path / "env.toml"))
    assert config_path() == tmp_path / "env.toml"
    assert config_path(tmp_path / "flag.toml") == tmp_path / "flag.toml"


def test_the_template_is_valid_once_its_secret_is_set(tmp_path, monkeypatch):
    monkeypatch.setenv("RENDERBUS_ACCESS_KEY", "k" * 10)
    assert load_config(write(tmp_path, template(ADAPTERS))).services[0].kind == "renderbus"


def test_every_kinds_template_block_is_valid_uncommented(tmp_path, monkeypatch):
    """The template comes from the declared options: each kind's block, uncommented, is a
    service that `config check` accepts."""
    for variable in ("RENDERBUS_ACCESS_KEY", "FINALRIP_TOKEN", "EVA_SECRET", "ENHANCE_TOKEN",
                     "NTV_PASSWORD"):
        monkeypatch.setenv(variable, "s" * 10)
    lines, in_services = [], False
    for line in template(ADAPTERS).splitlines():
        in_services = in_services or "[[services]]" in line
        if in_services and re.match(r"^# (\[\[services\]\]|[a-z_]+ = )", line):
            line = line.removeprefix("# ")
        lines.append(line)
    text = "\n".join(lines)
    config = load_config(write(tmp_path, text))
    assert [s.kind for s in config.services] == list(ADAPTERS)


@pytest.mark.parametrize(("line", "words"), [
    ("platform = \"two\"", ["'platform'", "whole number", "'two'"]),
    ("page_size = \"x\"", ["'page_size'", "whole number"]),
    ("page_size = 0", ["'page_size'", "between 1 and 1000"]),
    ("api_version = \"3.0.0\"", ["'api_version'", "'auto'", "'2.0.0'"]),
    ("read_only = \"yes\"", ["'read_only'", "true or false"]),
])
def test_every_option_type_is_checked_before_the_console_starts(tmp_path, monkeypatch, line,
                                                                 words):
    monkeypatch.setenv("RB_KEY", "k" * 10)
    path = write(tmp_path, GOOD + line + "\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    for word in [str(path), "'sh-farm'", *words]:
        assert word in str(error.value)


def test_enhance_type_and_tracks_are_typed_too(tmp_path, monkeypatch):
    monkeypatch.setenv("T", "t" * 10)
    base = ('[[services]]\nname = "photo"\nkind = "enhance"\nbase_url = "https://e.x"\n'
            'token = { env = "T" }\n')
    with pytest.raises(ConfigError, match="'enhance_type': must be a whole number"):
        load_config(write(tmp_path, base + 'enhance_type = "x"\n'))
    with pytest.raises(ConfigError, match="'track': must be a list of strings"):
        load_config(write(tmp_path, base + "track = [1, 2]\n"))


def test_an_unknown_keys_command_names_the_file(tmp_path, monkeypatch):
    monkeypatch.setenv("RB_KEY", "k" * 10)
    path = write(tmp_path, GOOD + '[keys]\nexplode = "x"\n')
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value) and "'explode'" in str(error.value)


@pytest.mark.parametrize(("keys", "words"), [
    ('abandon = "g"', ["abandon = 'g' collides with resume (g)", "task list"]),
    ('cursor_up = "k"', ["cursor_up = 'k' collides with close_stream (k)", "streams pane"]),
    ('stop = "q"', ["stop = 'q' collides with quit (q)"]),
    ('stop = "xx"', ["stop = 'xx': not a key"]),
    ('help = "ctrl+"', ["help = 'ctrl+': not a key"]),
])
def test_keys_that_collide_or_are_not_keys_are_refused_naming_file_and_commands(
        tmp_path, monkeypatch, keys, words):
    monkeypatch.setenv("RB_KEY", "k" * 10)
    path = write(tmp_path, GOOD + f"[keys]\n{keys}\n")
    with pytest.raises(ConfigError) as error:
        load_config(path)
    assert str(path) in str(error.value)
    for word in words:
        assert word in str(error.value)


def test_keys_that_swap_or_share_by_design_are_fine(tmp_path, monkeypatch):
    from jobdeck.adapters.core.commands import key_problems
    monkeypatch.setenv("RB_KEY", "k" * 10)
    assert key_problems({}) == []                               # the defaults never collide
    config = load_config(write(tmp_path, GOOD + '[keys]\nabandon = "g"\nresume = "a"\nstart = "a"\n'
                                                'cursor_down = "j"\nstop_transcode = "x"\n'))
    assert config.keys["abandon"] == "g"


def test_a_secret_ending_in_a_newline_is_stripped(tmp_path, monkeypatch):
    """Otherwise it reaches an HTTP header, and httpx's error shows it whole."""
    monkeypatch.setenv("RB_KEY", "s3cret-with-newline\n")
    assert load_config(write(tmp_path, GOOD)).services[0].get("access_key") == \
        "s3cret-with-newline"


def test_the_redactor_catches_the_escaped_and_quoted_forms_too():
    secret = 'se"cr\\et/ke y\n'
    redact = Redactor([secret])
    for form in (secret, repr(secret), '"se\\"cr\\\\et/ke y\\n"', "se%22cr%5Cet%2Fke%20y%0A",
                 "se%22cr%5Cet%2Fke+y%0A"):
        assert "cr" not in redact(f"before {form} after"), form


def test_redact_first_then_cut_leaves_no_prefix():
    secret = "abcdefghijklmnopqrstuvwxyz0123456789"
    redact = Redactor([secret])
    line = redact.line("the service said: " + secret + " is wrong", 30)
    assert "abcdef" not in line


def test_redactor_hides_every_secret():
    redact = Redactor(["abcd1234", "zz"])  # too-short strings are not treated as secrets
    assert redact("key abcd1234 in url?k=abcd1234") == "key ••• in url?k=•••"
    assert redact("zz top") == "zz top"


def test_an_env_secret_that_is_not_utf8_is_a_config_error_naming_the_variable(tmp_path):
    import os
    import subprocess
    import sys

    # os.environ holds undecodable bytes as lone surrogates; quoting them for the redactor
    # used to raise UnicodeEncodeError: exit 70 from `config check` and `snapshot`
    path = write(tmp_path, GOOD)
    env = {**os.environ, "RB_KEY": "key-\udcff-bytes".encode("utf-8", "surrogateescape")}
    result = subprocess.run([str(Path(sys.executable).with_name("jobdeck")), "config", "check",
                             "--config", str(path)], env=env, capture_output=True,
                            timeout=60)
    err = result.stderr.decode()
    assert result.returncode == 2, err
    assert "RB_KEY" in err and "not UTF-8" in err and "'access_key'" in err
