"""State: the scoped key/value store, its atomic JSON file, and persistence across engines."""

from __future__ import annotations

import json
import os
import stat

import pytest

from llmspell.kernel.state import StateError, StateStore

pytestmark = pytest.mark.usefixtures("llmspell_home")


def leftovers(directory):
    return sorted(p.name for p in directory.iterdir() if p.name.endswith(".tmp"))


def test_set_get_delete_keys_and_scopes(tmp_path):
    store = StateStore(tmp_path / "s.json")
    store.set("b", [1, {"x": None}])
    store.set("a", "text")
    store.set("a", 2, scope="other")
    assert store.get("b") == [1, {"x": None}]
    assert store.keys() == ["a", "b"]
    assert store.get("a", "other") == 2 and store.keys("other") == ["a"]
    assert store.delete("a") is True and store.delete("a") is False
    assert store.get("a") is None and store.get("a", "other") == 2
    store.set("b", None)  # None deletes
    assert store.keys() == []


@pytest.mark.parametrize("key", ["", None, 3])
def test_keys_must_be_non_empty_strings(tmp_path, key):
    with pytest.raises(StateError, match="non-empty string"):
        StateStore(None).set(key, 1)


def test_values_must_be_json(tmp_path):
    with pytest.raises(StateError, match="not storable"):
        StateStore(None).set("k", {1, 2})


def test_save_is_atomic_private_and_only_when_dirty(tmp_path):
    path = tmp_path / "state" / "inst.json"
    store = StateStore(path)
    assert store.save() is False and not path.exists()      # nothing changed yet
    store.set("k", {"n": 1})
    assert store.save() is True
    data = json.loads(path.read_text())
    assert data["scopes"] == {"global": {"k": {"n": 1}}} and data["version"] == 1
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert leftovers(path.parent) == []
    mtime = path.stat().st_mtime_ns
    assert store.save() is False and path.stat().st_mtime_ns == mtime
    assert store.save(force=True) is True


def test_failed_write_keeps_the_old_file_and_leaves_no_temp(tmp_path, monkeypatch):
    path = tmp_path / "inst.json"
    store = StateStore(path)
    store.set("k", "old")
    store.save()
    before = path.read_bytes()
    store.set("k", "new")

    def broken_fsync(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", broken_fsync)
    with pytest.raises(OSError):
        store.save()
    monkeypatch.undo()
    assert path.read_bytes() == before
    assert leftovers(tmp_path) == []
    assert StateStore(path).get("k") == "old"


@pytest.mark.parametrize("content", ["{not json", '{"no_scopes": {}}', '{"scopes": []}', "[]"])
def test_unreadable_state_file_is_an_error_naming_it(tmp_path, content):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(StateError) as caught:
        StateStore(path)
    assert str(path) in str(caught.value)


def test_state_persists_across_engines_with_the_same_instance(make_engine, recording_io,
                                                               tmp_path):
    state_dir = tmp_path / "state-dir"
    env = {"LLMSPELL_PATHS__STATE_DIR": str(state_dir)}
    first = make_engine(persist_state=True, instance_id="nb1", **env)
    result = first.execute("State.set('counter', 41) State.set('doc', {tags = {'a', 'b'}, n = 1.5})"
                           " State.set('x', 'scoped', 'mine')", io=recording_io()).result
    assert result.ok, result.failure
    first.execute("return 1", io=recording_io())
    assert first.save_state() is True
    files = sorted(p.name for p in state_dir.iterdir())
    assert files == ["nb1.json"]                       # no temp files left behind
    data = json.loads((state_dir / "nb1.json").read_text())
    assert data["scopes"]["global"]["counter"] == 41
    assert data["scopes"]["mine"] == {"x": "scoped"}
    assert data["meta"]["execution_count"] == 2

    second = make_engine(persist_state=True, instance_id="nb1", **env)
    assert second.execution_count == 2
    again = second.execute("return State.get('counter') + 1, State.get('doc').tags[2], "
                           "State.get('doc').n, State.get('x', 'mine'), State.get('x')",
                           io=recording_io()).result
    assert again.values == (42, "b", 1.5, "scoped", None)
    assert again.ok and second.execution_count == 3

    other = make_engine(persist_state=True, instance_id="nb2", **env)
    assert other.execute("return State.get('counter')", io=recording_io()).result.values == (None,)


def test_state_defaults_to_the_home_state_dir(make_engine, recording_io, llmspell_home):
    engine = make_engine(persist_state=True, instance_id="home")
    engine.execute("State.set('k', true)", io=recording_io())
    engine.save_state()
    assert json.loads((llmspell_home / "state" / "home.json").read_text())["scopes"] == {
        "global": {"k": True}}


def test_state_keys_and_delete_from_lua(run_lua):
    result = run_lua("State.set('b', 1) State.set('a', 2) local had = State.delete('b') "
                     "return table.concat(State.keys(), ','), had, State.delete('zz')")
    assert result.values == ("a", True, False)
    stored_nil = run_lua("State.set('a', nil) return #State.keys()")
    assert stored_nil.values == (0,)
