"""The settings (assistant/config.py): one declaration each, the README's table generated from them, typed
environment variables, and the order defaults -> instance file -> environment."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from assistant import config
from assistant.app import configured_flask
from assistant.config import BY_NAME, DEFAULTS, SETTINGS, SettingError, environment_config, settings_table

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "assistant"
_README_TABLE = re.compile(r"<!-- settings:[^\n]*-->\n(.*?)\n<!-- /settings -->", re.DOTALL)


def test_the_readme_holds_the_generated_settings_table():
    found = _README_TABLE.search((ROOT / "README.md").read_text(encoding="utf-8"))
    assert found, "README.md has no <!-- settings: ... --> table"
    assert found.group(1) == settings_table(), "run `python -m assistant settings` and paste it into README.md"


def test_the_command_prints_the_table():
    result = subprocess.run([sys.executable, "-m", "assistant", "settings"], capture_output=True, text=True,
                            timeout=60, check=True, cwd=ROOT)
    assert result.stdout == settings_table() + "\n"


def test_every_setting_is_declared_once_with_a_default_of_its_type_and_a_meaning():
    assert len({s.name for s in SETTINGS}) == len(SETTINGS) == len(DEFAULTS)
    for setting in SETTINGS:
        assert setting.help and setting.env == f"ASSISTANT_{setting.name}"
        assert (setting.default is None and setting.optional) or isinstance(setting.default, setting.type), setting


def test_every_configuration_key_the_package_reads_is_a_setting():
    read = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        read |= set(re.findall(r"config(?:\.get\(|\[)\"([A-Z][A-Z0-9_]+)\"", text))
    flask_own = {"DEBUG", "TESTING", "RATELIMIT_STORAGE_OPTIONS"}  # Flask's and set by the app itself
    assert read - flask_own - set(BY_NAME) == set()


def test_only_the_settings_read_the_environment():
    readers = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
               if re.search(r"os\.environ|os\.getenv|from_prefixed_env", p.read_text(encoding="utf-8"))]
    assert sorted(readers) == ["assistant/app.py", "assistant/config.py"]


@pytest.mark.parametrize(("name", "raw", "value"), [
    ("MAX_QUESTION_CHARS", "300", 300),
    ("REDIS_TIMEOUT", "0.2", 0.2),
    ("RATELIMIT_ENABLED", "false", False),
    ("RATELIMIT_HEADERS_ENABLED", "1", True),
    ("SECRET_KEY", "12345678901234567890", "12345678901234567890"),  # text, even when it looks like a number
    ("CORS_ORIGINS", '["https://a.no", "https://b.no"]', ["https://a.no", "https://b.no"]),
    ("CORS_ORIGINS", "https://a.no, https://b.no", ["https://a.no", "https://b.no"]),
    ("EDITOR_OFFICE_HOURS", "[7, 15]", (7, 15)),
    ("RETENTION_DAYS", "none", None),
    ("SESSION_COOKIE_SECURE", "", None),
    ("DATABASE_URL", "sqlite:///x.db", "sqlite:///x.db"),
])
def test_environment_variables_are_parsed_as_their_type(name, raw, value):
    assert environment_config(DEFAULTS, {f"ASSISTANT_{name}": raw}) == {name: value}


@pytest.mark.parametrize(("name", "raw", "says"), [
    ("MAX_QUESTION_CHARS", "many", "a whole number"),
    ("MAX_JSON_DEPTH", "2.5", "a whole number"),
    ("REDIS_TIMEOUT", "nan", "a number"),
    ("RATELIMIT_ENABLED", "maybe", "true or false"),
    ("EDITOR_OFFICE_HOURS", "[8]", "two whole numbers"),
    ("CORS_ORIGINS", "[1, 2]", "JSON list"),
    ("FORM_TOKEN_SECONDS", "none", "a whole number"),  # not optional
])
def test_a_bad_value_is_an_error_that_names_the_variable(name, raw, says):
    with pytest.raises(SettingError, match=rf"^ASSISTANT_{name}=.*: {name} must be .*{re.escape(says)}"):
        environment_config(DEFAULTS, {f"ASSISTANT_{name}": raw})


def test_the_app_applies_defaults_then_the_instance_file_then_the_environment(monkeypatch):
    for setting in SETTINGS:
        for variable in (setting.env, *setting.fallback_env):
            monkeypatch.delenv(variable, raising=False)
    app = configured_flask({"SESSION_TTL": 60, "MAX_QUESTION_CHARS": 300})
    assert app.config["MAX_JSON_DEPTH"] == 20 and app.config["SESSION_TTL"] == 60
    monkeypatch.setenv("ASSISTANT_MAX_QUESTION_CHARS", "200")
    monkeypatch.setenv("ASSISTANT_DEBUG", "true")  # other Flask keys still come through, as Flask parses them
    app = configured_flask({"SESSION_TTL": 60, "MAX_QUESTION_CHARS": 300})
    assert app.config["MAX_QUESTION_CHARS"] == 200 and app.config["SESSION_TTL"] == 60 and app.config["DEBUG"] is True
    monkeypatch.setenv("ASSISTANT_SESSION_TTL", "soon")
    with pytest.raises(SettingError, match="ASSISTANT_SESSION_TTL"):
        configured_flask({})


def test_an_older_variable_fills_only_what_nothing_else_sets(monkeypatch, tmp_path):
    monkeypatch.delenv("ASSISTANT_DATABASE_URL", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite:///env.db")
    assert configured_flask({}).config["DATABASE_URL"] == "sqlite:///env.db"
    assert configured_flask({"DATABASE_URL": "sqlite:///file.db"}).config["DATABASE_URL"] == "sqlite:///file.db"
    monkeypatch.setenv("ASSISTANT_DATABASE_URL", "sqlite:///assistant.db")
    assert configured_flask({"DATABASE_URL": "sqlite:///file.db"}).config["DATABASE_URL"] == "sqlite:///assistant.db"
    monkeypatch.delenv("ASSISTANT_CONTENT_ROOT", raising=False)
    monkeypatch.setenv("ASSISTANT_ROOT", str(tmp_path))
    monkeypatch.setenv("ASSISTANT_BUILD_DIR", str(tmp_path / "b"))
    assert config.content_root() == tmp_path.resolve()
    assert config.build_dir() == (tmp_path / "b").resolve()
