"""Config errors name file, service and key; secrets resolve from string, env or file and never leak."""

from pathlib import Path

import pytest
from jobdeck.adapters.config import TEMPLATE, config_path, load_config
from jobdeck.adapters.http import Redactor
from jobdeck.adapters.model import ConfigError

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
    assert load_config(write(tmp_path, TEMPLATE)).services[0].kind == "renderbus"


def test_redactor_hides_every_secret():
    redact = Redactor(["abcd1234", "zz"])  # too-short strings are not treated as secrets
    assert redact("key abcd1234 in url?k=abcd1234") == "key ••• in url?k=•••"
    assert redact("zz top") == "zz top"
