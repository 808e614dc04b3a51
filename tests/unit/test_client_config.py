"""The client configuration file (`isctl/config.py`): its shape, its modes, atomic writes, and errors that
never quote a token."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import yaml
from isctl import config
from isctl.config import ClientConfig, ContextEntry
from isctl.errors import UserInputError

TOKEN = "ist_" + "k" * 43


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def two_contexts() -> ClientConfig:
    return ClientConfig(
        current_context="team-a/127-0-0-1:50051/alice",
        contexts=[
            ContextEntry("default/127-0-0-1:50051/alice", "127.0.0.1:50051", "default", TOKEN),
            ContextEntry(
                "team-a/127-0-0-1:50051/alice",
                "https://is.example.com:443",
                "team-a",
                TOKEN,
                certificate_authority="/etc/isctl/ca.crt",
                client_certificate="/etc/isctl/me.crt",
                client_key="/etc/isctl/me.key",
            ),
        ],
    )


def test_a_missing_file_is_an_empty_configuration(tmp_path: Path) -> None:
    loaded = config.load(tmp_path / "nope" / "config")
    assert loaded == ClientConfig()
    assert loaded.current() is None


def test_save_then_load_gives_the_same_contexts(tmp_path: Path) -> None:
    path = tmp_path / ".isctl" / "config"
    config.save(two_contexts(), path)
    assert config.load(path) == two_contexts()
    current = config.load(path).current()
    assert current is not None and current.namespace == "team-a"


def test_the_file_uses_kubeconfig_style_keys_and_leaves_out_what_a_context_does_not_set(tmp_path: Path) -> None:
    path = tmp_path / "config"
    entry = ContextEntry("plain", "127.0.0.1:50051", "default", TOKEN)
    skip = ContextEntry("skip", "10.0.0.1:443", "team", insecure_skip_tls_verify=True)
    config.save(ClientConfig("plain", [entry, skip]), path)
    assert yaml.safe_load(path.read_text()) == {
        "current-context": "plain",
        "contexts": [
            {"name": "plain", "server": "127.0.0.1:50051", "namespace": "default", "token": TOKEN},
            {"name": "skip", "server": "10.0.0.1:443", "namespace": "team", "insecure-skip-tls-verify": True},
        ],
    }
    # The keys come in a fixed order, current-context first, as kubectl writes them.
    assert path.read_text().startswith("current-context: plain\ncontexts:\n- name: plain\n  server:")


def test_a_new_directory_is_0700_and_the_file_0600_whatever_the_umask(tmp_path: Path) -> None:
    path = tmp_path / "home" / ".isctl" / "config"
    previous = os.umask(0o000)
    try:
        config.save(two_contexts(), path)
    finally:
        os.umask(previous)
    assert mode(path.parent) == 0o700
    assert mode(path) == 0o600


def test_an_existing_file_that_others_could_read_is_replaced_by_a_0600_one(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("current-context: ''\ncontexts: []\n")
    path.chmod(0o644)
    config.save(two_contexts(), path)
    assert mode(path) == 0o600


def test_an_existing_directory_named_by_isctl_config_is_left_as_it_is(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    shared.chmod(0o755)
    config.save(two_contexts(), shared / "config")
    assert mode(shared) == 0o755


def test_the_default_directory_is_tightened_to_0700(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # An older isctl made ~/.isctl for watch state files with the umask's mode.
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / ".isctl").mkdir(mode=0o755)
    (tmp_path / ".isctl").chmod(0o755)
    config.save(two_contexts(), config.config_path({}))
    assert mode(tmp_path / ".isctl") == 0o700
    assert config.config_path({}) == tmp_path / ".isctl" / "config"


def test_isctl_config_names_another_file(tmp_path: Path) -> None:
    assert config.config_path({"ISCTL_CONFIG": str(tmp_path / "c.yaml")}) == tmp_path / "c.yaml"
    assert config.config_path({"ISCTL_CONFIG": ""}) == config.DEFAULT_PATH.expanduser()


def test_writes_are_atomic_and_leave_no_temporary_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config"
    config.save(two_contexts(), path)
    before = path.read_text()

    def crash(source: str, destination: str) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", crash)
    changed = two_contexts()
    changed.current_context = "default/127-0-0-1:50051/alice"
    with pytest.raises(OSError, match="disk full"):
        config.save(changed, path)
    # The old file is intact, and the temporary one is gone.
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config"]


def test_put_replaces_a_context_of_the_same_name_in_place_and_remove_clears_current() -> None:
    configuration = two_contexts()
    configuration.put(ContextEntry("default/127-0-0-1:50051/alice", "127.0.0.1:50051", "other"))
    assert [c.namespace for c in configuration.contexts] == ["other", "team-a"]
    configuration.put(ContextEntry("new", "h:1", "ns"))
    assert [c.name for c in configuration.contexts][-1] == "new"
    assert configuration.remove("team-a/127-0-0-1:50051/alice")
    assert configuration.current_context == "" and configuration.current() is None
    assert not configuration.remove("team-a/127-0-0-1:50051/alice")


def test_no_repr_shows_a_token() -> None:
    assert TOKEN not in repr(two_contexts())


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("- just\n- a list\n", "the file must be a mapping"),
        ("contexts: {name: x}\n", "contexts must be a list"),
        ("current-context: [x]\n", "current-context must be a string"),
        ("contexts:\n- server: h:1\n", "every context needs a name"),
        ("contexts:\n- name: a\n  cluster: h\n", "unknown key 'cluster'"),
        ("contexts:\n- name: a\n  insecure-skip-tls-verify: 'yes'\n", "insecure-skip-tls-verify must be a boolean"),
        ("contexts:\n- name: a\n- name: a\n", 'context "a" is defined twice'),
    ],
)
def test_a_file_of_the_wrong_shape_is_refused_saying_what_is_wrong(tmp_path: Path, text: str, problem: str) -> None:
    path = tmp_path / "config"
    path.write_text(text)
    with pytest.raises(UserInputError) as raised:
        config.load(path)
    assert str(raised.value).startswith(f"invalid client configuration {path}: ")
    assert problem in str(raised.value)


def test_errors_never_quote_a_token(tmp_path: Path) -> None:
    path = tmp_path / "config"
    # Broken YAML on the token's own line: PyYAML's message would quote that line.
    path.write_text(f"contexts:\n- name: a\n  token: {TOKEN}: [\n")
    with pytest.raises(UserInputError) as raised:
        config.load(path)
    assert "invalid YAML at line 3" in str(raised.value)
    assert TOKEN not in str(raised.value)
    # A token of the wrong type is not quoted either.
    path.write_text(f"contexts:\n- name: a\n  token: [{TOKEN}]\n")
    with pytest.raises(UserInputError) as raised:
        config.load(path)
    assert "token must be a string" in str(raised.value) and TOKEN not in str(raised.value)
