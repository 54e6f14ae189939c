"""Layered TOML configuration (config.py): precedence, env typing, and errors naming
the source, the key and the expected type."""

from __future__ import annotations

from pathlib import Path

import pytest

from llmspell import config
from llmspell.config import ConfigError

pytestmark = pytest.mark.usefixtures("llmspell_home")


@pytest.fixture
def layers(tmp_path, llmspell_home):
    """Files for each layer; ``load(**env)`` resolves them with ``env`` as environment."""
    system = tmp_path / "etc-llmspell.toml"
    user = llmspell_home / "llmspell.toml"
    explicit = tmp_path / "explicit.toml"

    def load(explicit_file=None, **env):
        environ = {"LLMSPELL_HOME": str(llmspell_home), **env}
        return config.load(explicit_file, environ=environ, system_file=system)

    return system, user, explicit, load


def test_defaults_only(layers):
    *_, load = layers
    cfg = load()
    assert cfg.sources == ["defaults"]
    assert cfg.values == config.defaults()
    assert cfg.get("kernel.ip") == "127.0.0.1"
    assert cfg.get("runtime.execution_timeout") == 0


def test_each_layer_overrides_the_one_before(layers):
    system, user, explicit, load = layers
    system.write_text('[kernel]\nip = "10.0.0.1"\nhistory_size = 1\n'
                      '[logging]\nlevel = "debug"\nkeep = 1\n[tools]\ntimeout = 1\n')
    user.write_text('[kernel]\nhistory_size = 2\n[logging]\nkeep = 2\n[tools]\ntimeout = 2\n')
    explicit.write_text("[logging]\nkeep = 3\n[tools]\ntimeout = 3\n")
    cfg = load(explicit, LLMSPELL_TOOLS__TIMEOUT="4")
    assert cfg.get("kernel.ip") == "10.0.0.1"        # only the system file sets it
    assert cfg.get("logging.level") == "debug"
    assert cfg.get("kernel.history_size") == 2       # user over system
    assert cfg.get("logging.keep") == 3              # --config over user
    assert cfg.get("tools.timeout") == 4             # environment over all
    assert cfg.get("kernel.shutdown_grace") == 5.0   # untouched default
    assert cfg.sources == ["defaults", str(system), str(user), str(explicit), "environment"]


def test_llmspell_home_locates_the_user_file(layers, tmp_path):
    *_, load = layers
    other_home = tmp_path / "other-home"
    other_home.mkdir()
    (other_home / "llmspell.toml").write_text("[kernel]\nhistory_size = 9\n")
    assert load(LLMSPELL_HOME=str(other_home)).get("kernel.history_size") == 9
    assert config.user_home({"LLMSPELL_HOME": str(other_home)}) == other_home


@pytest.mark.parametrize("var, raw, key, value", [
    ("LLMSPELL_RUNTIME__MAX_MEMORY", "1000000", "runtime.max_memory", 1000000),
    ("LLMSPELL_RUNTIME__EXECUTION_TIMEOUT", "2.5", "runtime.execution_timeout", 2.5),
    ("LLMSPELL_TOOLS__ALLOW_LINK_LOCAL", "true", "tools.allow_link_local", True),
    ("LLMSPELL_TOOLS__ALLOWED_PATHS", '["/srv/a", "/srv/b"]', "tools.allowed_paths",
     ["/srv/a", "/srv/b"]),
    ("LLMSPELL_LOGGING__LEVEL", "warning", "logging.level", "warning"),
    ("LLMSPELL_LOGGING__LEVEL", '"error"', "logging.level", "error"),
    ("LLMSPELL_KERNEL__IP", "0.0.0.0", "kernel.ip", "0.0.0.0"),
    ("LLMSPELL_PATHS__STATE_DIR", "/var/lib/x y", "paths.state_dir", "/var/lib/x y"),
    ("LLMSPELL_LOGGING__MAX_LOG_SIZE", "100", "logging.max_log_size", "100"),  # string key
    ("llmspell_runtime__max_memory", "5", "runtime.max_memory", 256 * 1024 * 1024),  # not ours
])
def test_environment_values_are_typed(layers, var, raw, key, value):
    *_, load = layers
    got = load(**{var: raw}).get(key)
    assert got == value and type(got) is type(value)


@pytest.mark.parametrize("var, raw, fragment", [
    ("LLMSPELL_RUNTIME__MAX_MEMORY", "lots", "'runtime.max_memory' must be integer"),
    ("LLMSPELL_RUNTIME__MAX_MEMORY", "1.5", "must be integer, got float"),
    ("LLMSPELL_RUNTIME__MAX_MEMORY", "true", "must be integer, got bool"),
    ("LLMSPELL_RUNTIME__MAX_MEMORY", "1\nkernel = 2", "must be integer"),
    ("LLMSPELL_TOOLS__ALLOW_LINK_LOCAL", "1", "must be boolean"),
    ("LLMSPELL_RUNTIME__MAX_MEMROY", "5", "unknown key 'runtime.max_memroy'"),
    ("LLMSPELL_NOPE__KEY", "5", "unknown section [nope]"),
    ("LLMSPELL_LOGGING__LEVEL", "loud", "must be one of debug, info, warning, error"),
    ("LLMSPELL_TOOLS__PROCESS_ALLOWLIST", "[1, 2]", "array of strings"),
])
def test_bad_environment_values_name_the_variable(layers, var, raw, fragment):
    *_, load = layers
    with pytest.raises(ConfigError) as caught:
        load(**{var: raw})
    message = str(caught.value)
    assert message.startswith(f"environment {var}:")
    assert fragment in message


@pytest.mark.parametrize("content, fragment", [
    ("[runtime]\nmax_memry = 5\n", "unknown key 'runtime.max_memry' (known: max_memory"),
    ("[runtimes]\nmax_memory = 5\n", "unknown section [runtimes]"),
    ("[runtimes]\n", "unknown section [runtimes]"),           # even when empty
    ("max_memory = 5\n", "unknown section [max_memory]"),
    ('[runtime]\nmax_memory = "big"\n', "'runtime.max_memory' must be integer, got str 'big'"),
    ("[tools]\nhttp_timeout = true\n", "'tools.http_timeout' must be integer or number"),
    ('[tools]\nallowed_paths = "/tmp"\n', "'tools.allowed_paths' must be array"),
    ("[tools]\nallowed_paths = [1]\n", "array of strings"),
    ('[logging]\nlog_format = "xml"\n', "must be one of compact, json"),
    ("[tools.nested]\nx = 1\n", "unknown key 'tools.nested'"),
    ("[runtime\n", "invalid TOML"),
    ("[runtime]\nmax_memory = \n", "invalid TOML"),
])
def test_bad_files_name_file_and_key(layers, content, fragment):
    _, _, explicit, load = layers
    explicit.write_text(content)
    with pytest.raises(ConfigError) as caught:
        load(explicit)
    message = str(caught.value)
    assert message.startswith(f"{explicit}:")
    assert fragment in message


def test_bad_user_file_is_named_too(layers):
    _, user, _, load = layers
    user.write_text("[logging]\nkeep = 'ten'\n")
    with pytest.raises(ConfigError, match=rf"^{user}: 'logging.keep' must be integer"):
        load()


def test_missing_explicit_file(layers, tmp_path):
    *_, load = layers
    missing = tmp_path / "nowhere.toml"
    with pytest.raises(ConfigError, match=rf"^{missing}: no such file$"):
        load(missing)


def test_unreadable_explicit_file(layers, tmp_path):
    *_, load = layers
    with pytest.raises(ConfigError, match="cannot read"):
        load(tmp_path)   # a directory


def test_missing_system_and_user_files_are_fine(layers):
    system, user, _, load = layers
    assert not system.exists() and not user.exists()
    assert load().sources == ["defaults"]


def test_get_sections_paths_and_digest(layers, tmp_path, llmspell_home, monkeypatch):
    *_, load = layers
    cfg = load(LLMSPELL_PATHS__LOG_DIR=str(tmp_path / "logs"))
    section = cfg.get("runtime")
    section["max_memory"] = 1
    assert cfg.get("runtime.max_memory") != 1          # a copy
    assert cfg.get("nope.key", "fallback") == "fallback"
    assert cfg.path("log_dir") == tmp_path / "logs"
    assert cfg.path("state_dir") == llmspell_home / "state"
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    assert cfg.path("runtime_dir") == llmspell_home / "run"
    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "sysstate"))
    assert cfg.path("state_dir") == tmp_path / "sysstate"
    assert cfg.digest() == load(LLMSPELL_PATHS__LOG_DIR=str(tmp_path / "logs")).digest()
    assert cfg.digest() != load().digest()


def test_template_is_valid_and_lists_every_key(tmp_path, layers):
    *_, load = layers
    text = config.template()
    for section, keys in config.SCHEMA.items():
        assert f"[{section}]" in text
        for key in keys:
            assert f"# {key} = " in text
    # uncommented, the template is a valid configuration equal to the defaults
    keys = {key for table in config.SCHEMA.values() for key in table}
    uncommented = "\n".join(line[2:] if line[2:].split(" = ")[0] in keys else line
                            for line in text.splitlines())
    path = tmp_path / "full.toml"
    path.write_text(uncommented)
    assert load(path).values == config.defaults()


def test_user_home_default(monkeypatch):
    monkeypatch.delenv("LLMSPELL_HOME")
    assert config.user_home() == Path.home() / ".llmspell"
