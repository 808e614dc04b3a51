"""Pull secrets' pure parts: reading credential documents, the keyring's host lookup, sealing, the aggregate."""

from __future__ import annotations

import base64
import json
import os
import stat
from pathlib import Path

import pytest
from imagestreams_server.application.keyring import Keyring, KeyringEntry, UnreadableSecret
from imagestreams_server.domain.dockercfg import (
    DockerCredential,
    credential,
    normalize_server,
    parse_dockercfg,
    parse_dockerconfigjson,
    without_port,
)
from imagestreams_server.domain.errors import InvalidField
from imagestreams_server.domain.secret import RegistryEntry, Sealed, Secret, SecretType, validate_secret_name
from imagestreams_server.store.config import StoreConfig
from imagestreams_server.store.crypto import (
    KEY_FILE_NAME,
    SealError,
    SecretBox,
    SecretKeyConfig,
    SecretKeyError,
    load_secret_box,
)

from .builders import ACTOR, LATER, NOW

PASSWORD = "pa55-Very-secret"


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# -- servers ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "normalized"),
    [
        ("quay.io", "quay.io"),
        ("Quay.IO", "quay.io"),
        ("https://quay.io", "quay.io"),
        ("https://quay.io/", "quay.io"),
        ("http://localhost:5000/v2/", "localhost:5000"),
        ("https://index.docker.io/v1/", "docker.io"),
        ("index.docker.io", "docker.io"),
        ("registry-1.docker.io", "docker.io"),
        ("127.0.0.1:5000", "127.0.0.1:5000"),
        ("[::1]:5000", "[::1]:5000"),
    ],
)
def test_servers_are_normalised_to_a_host(written: str, normalized: str) -> None:
    assert normalize_server(written, "f") == normalized


@pytest.mark.parametrize(
    ("written", "message"),
    [
        ("", "registry server is required"),
        ("quay.io/team", "a repository path is not supported"),
        ("quay.io:port", "expected HOST or HOST:PORT"),
        ("bad host", "expected HOST or HOST:PORT"),
    ],
)
def test_bad_servers(written: str, message: str) -> None:
    with pytest.raises(InvalidField, match=message) as caught:
        normalize_server(written, "credential.server")
    assert caught.value.field == "credential.server"


@pytest.mark.parametrize(
    ("host", "bare"), [("quay.io:443", "quay.io"), ("quay.io", "quay.io"), ("[::1]:5000", "[::1]"), ("[::1]", "[::1]")]
)
def test_without_port(host: str, bare: str) -> None:
    assert without_port(host) == bare


# -- documents -------------------------------------------------------------------------------------------------


def test_one_credential() -> None:
    found = credential("https://quay.io", "alice", PASSWORD, "a@example.com", "credential")
    assert found == DockerCredential("quay.io", "alice", PASSWORD, "a@example.com")
    assert PASSWORD not in repr(found)


@pytest.mark.parametrize(
    ("user", "password", "field", "message"),
    [
        ("", PASSWORD, "credential.username", "username is required"),
        ("a:b", PASSWORD, "credential.username", "may not contain ':'"),
        ("alice", "", "credential.password", "password is required"),
    ],
)
def test_incomplete_credential(user: str, password: str, field: str, message: str) -> None:
    with pytest.raises(InvalidField, match=message) as caught:
        credential("quay.io", user, password, "", "credential")
    assert caught.value.field == field


def test_dockercfg_with_auth_and_with_fields_in_document_order() -> None:
    document = {
        "https://index.docker.io/v1/": {"auth": b64(f"alice:{PASSWORD}"), "email": "a@example.com"},
        "quay.io": {"username": "bob", "password": "other-password"},
        # Docker Hub again under another name: the first entry wins, as a keyring's first match would.
        "docker.io": {"auth": b64("carol:third-password")},
    }
    assert parse_dockercfg(json.dumps(document).encode(), "dockercfg") == [
        DockerCredential("docker.io", "alice", PASSWORD, "a@example.com"),
        DockerCredential("quay.io", "bob", "other-password"),
    ]


def test_auth_wins_over_username_and_password_and_may_hold_colons_in_the_password() -> None:
    document = {"auths": {"quay.io": {"auth": b64("alice:pa:ss"), "username": "x", "password": "y"}}}
    assert parse_dockerconfigjson(json.dumps(document).encode(), "f") == [DockerCredential("quay.io", "alice", "pa:ss")]


@pytest.mark.parametrize(
    ("document", "message"),
    [
        (b"", "the document is empty"),
        (b"[1]", "must be a JSON object"),
        (b'{"auths": {"quay.io": {"auth": "' + PASSWORD.encode() + b'"', "invalid JSON: "),
        (b"\xff\xfe", "not UTF-8"),
        (b'{"credsStore": "desktop"}', 'no "auths" (its credentials are kept by the credential helper "desktop")'),
        (b'{"auths": {"quay.io": {}}, "credsStore": "osxkeychain"}', 'credential helper "osxkeychain"'),
        (b'{"auths": {"quay.io": {"auth": "' + PASSWORD.encode() + b'"}}}', '"auth" is not base64'),
        (b'{"auths": {"quay.io": {"auth": "' + b64(PASSWORD).encode() + b'"}}}', '"auth" is not base64 of'),
        (b'{"auths": {"quay.io/team": {"auth": "eDp5"}}}', "repository path is not supported"),
        (b'{"auths": {}}', "holds no registry credentials"),
        (b'{"auths": []}', '"auths" must be an object'),
        (b'{"auths": {"quay.io": "x"}}', 'entry "quay.io" must be an object'),
        (b'{"auths": {"quay.io": {"username": "alice"}}}', 'entry "quay.io" has no username and password'),
    ],
)
def test_bad_config_json_is_named_and_never_quoted(document: bytes, message: str) -> None:
    with pytest.raises(InvalidField) as caught:
        parse_dockerconfigjson(document, "dockerconfigjson")
    assert message in caught.value.message
    assert caught.value.field == "dockerconfigjson"
    assert PASSWORD not in caught.value.message
    assert b64(PASSWORD) not in caught.value.message


def test_a_config_json_given_as_dockercfg_says_so() -> None:
    document = json.dumps({"auths": {"quay.io": {"auth": b64(f"a:{PASSWORD}")}}}).encode()
    with pytest.raises(InvalidField, match=r"give it as \.dockerconfigjson"):
        parse_dockercfg(document, "dockercfg")


def test_oversized_documents_are_refused() -> None:
    with pytest.raises(InvalidField, match="larger than"):
        parse_dockercfg(b"{" + b" " * (1 << 20) + b"}", "dockercfg")


# -- the keyring -----------------------------------------------------------------------------------------------


def keyring(*entries: tuple[str, str]) -> Keyring:
    """Entries of (server, username); the password is `<username>-pw`."""
    return Keyring([KeyringEntry(server, lambda s=server, u=user: {s: (u, f"{u}-pw")}) for server, user in entries])


def test_exact_host_and_port_wins_over_the_host_alone_whatever_the_order() -> None:
    ring = keyring(("quay.io", "bare"), ("quay.io:443", "ported"))
    assert ring("quay.io:443") == ("ported", "ported-pw")
    assert ring("quay.io") == ("bare", "bare-pw")
    assert ring("quay.io:8443") == ("bare", "bare-pw")
    assert ring("QUAY.io") == ("bare", "bare-pw")


def test_an_entry_with_a_port_does_not_answer_for_the_host_alone() -> None:
    assert keyring(("localhost:5000", "a"))("localhost") is None
    assert keyring(("localhost:5000", "a"))("localhost:5001") is None


def test_first_match_wins() -> None:
    assert keyring(("quay.io", "first"), ("quay.io", "second"))("quay.io") == ("first", "first-pw")


@pytest.mark.parametrize("host", ["docker.io", "index.docker.io", "registry-1.docker.io"])
def test_docker_hub_under_any_name(host: str) -> None:
    assert keyring(("docker.io", "hub"))(host) == ("hub", "hub-pw")


def test_an_unreadable_secret_fails_only_the_lookups_that_need_it() -> None:
    def unreadable() -> dict[str, tuple[str, str]]:
        raise UnreadableSecret('pull secret "team/x" cannot be decrypted')

    ring = Keyring([KeyringEntry("quay.io", unreadable), KeyringEntry("ghcr.io", lambda: {"ghcr.io": ("u", "p")})])
    assert ring("ghcr.io") == ("u", "p")
    assert ring("example.com") is None
    with pytest.raises(UnreadableSecret) as caught:
        ring("quay.io")
    assert caught.value.reason == "Unauthorized"
    assert "quay.io" in repr(ring) and "p'" not in repr(ring)


# -- sealing ---------------------------------------------------------------------------------------------------


def test_seal_and_open() -> None:
    box = SecretBox(os.urandom(32))
    sealed = box.seal(PASSWORD.encode(), "secret:team/a#1")
    assert PASSWORD not in sealed.text and sealed.key_id == box.key_id
    assert box.open(sealed, "secret:team/a#1") == PASSWORD.encode()
    # A fresh nonce each time: the same password never seals to the same text.
    assert box.seal(PASSWORD.encode(), "secret:team/a#1").text != sealed.text


def test_sealed_text_is_bound_to_its_secret_and_key() -> None:
    box = SecretBox(os.urandom(32))
    sealed = box.seal(PASSWORD.encode(), "secret:team/a#1")
    with pytest.raises(SealError, match="does not verify"):
        box.open(sealed, "secret:team/b#1")
    with pytest.raises(SealError, match="sealed with key"):
        SecretBox(os.urandom(32)).open(sealed, "secret:team/a#1")
    tampered = Sealed(sealed.text[:-4] + ("AAAA" if not sealed.text.endswith("AAAA") else "BBBB"), sealed.key_id)
    with pytest.raises(SealError):
        box.open(tampered, "secret:team/a#1")


def test_keys_come_from_a_file_or_the_environment_value(tmp_path: Path) -> None:
    key = os.urandom(32)
    path = tmp_path / "key"
    path.write_text(base64.b64encode(key).decode() + "\n")
    path.chmod(0o600)
    store = StoreConfig(database_url="postgresql://u@h/db")
    from_file = load_secret_box(SecretKeyConfig(key_file=path), store)
    from_env = load_secret_box(SecretKeyConfig(key=base64.b64encode(key).decode()), store)
    assert from_file is not None and from_env is not None
    assert from_file.key_id == from_env.key_id == SecretBox(key).key_id
    assert base64.b64encode(key).decode() not in repr(SecretKeyConfig(key=base64.b64encode(key).decode()))


def test_postgres_without_a_key_has_no_box() -> None:
    assert load_secret_box(SecretKeyConfig(), StoreConfig(database_url="postgresql://u@h/db")) is None


def test_sqlite_without_a_key_generates_one_once_with_mode_0600(tmp_path: Path) -> None:
    store = StoreConfig(data_dir=tmp_path / "data")
    first = load_secret_box(SecretKeyConfig(), store)
    path = tmp_path / "data" / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again = load_secret_box(SecretKeyConfig(), store)
    assert first is not None and again is not None and first.key_id == again.key_id
    assert [p.name for p in path.parent.iterdir()] == [KEY_FILE_NAME]


@pytest.mark.parametrize(
    ("content", "message"),
    [("not base64!", "is not base64"), (base64.b64encode(b"short").decode(), "holds 5 bytes")],
)
def test_unusable_keys_are_refused_without_showing_them(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "key"
    path.write_text(content)
    with pytest.raises(SecretKeyError, match=message) as caught:
        load_secret_box(SecretKeyConfig(key_file=path), StoreConfig())
    assert content not in str(caught.value)
    with pytest.raises(SecretKeyError, match="cannot read"):
        load_secret_box(SecretKeyConfig(key_file=tmp_path / "missing"), StoreConfig())


# -- the aggregate ---------------------------------------------------------------------------------------------


def make_secret() -> Secret:
    return Secret.create(
        "team",
        "quay",
        uid="u1",
        secret_type=SecretType.DOCKERCFG,
        registries=[RegistryEntry("quay.io", "alice")],
        sealed=Sealed("v1.xyz", "k1"),
        now=NOW,
        actor=ACTOR,
    )


def test_a_new_secret_is_used_for_imports_and_linking_it_again_records_nothing() -> None:
    secret = make_secret()
    assert secret.used_for_imports and secret.id == "secret:team/quay"
    assert not secret.set_used_for_imports(True, service_account="default", now=LATER, actor=ACTOR)
    assert len(secret.collect_events()) == 1
    assert secret.set_used_for_imports(False, service_account="default", now=LATER, actor=ACTOR)
    assert not secret.used_for_imports
    assert not secret.set_used_for_imports(False, service_account="default", now=LATER, actor=ACTOR)
    assert len(secret.collect_events()) == 1


def test_links_to_builder_and_deployer_are_recorded_and_do_not_change_what_imports_use() -> None:
    secret = make_secret()
    assert not secret.is_linked("builder") and secret.is_linked("default")
    assert secret.set_linked("builder", True, now=LATER, actor=ACTOR)
    assert not secret.set_linked("builder", True, now=LATER, actor=ACTOR)
    assert secret.set_linked("deployer", True, now=LATER, actor=ACTOR)
    assert secret.linked_service_accounts == {"builder", "deployer"} and secret.used_for_imports
    assert secret.set_linked("builder", False, now=LATER, actor=ACTOR)
    assert secret.is_linked("deployer") and not secret.is_linked("builder") and secret.used_for_imports
    # `default` is what imports use.
    assert secret.set_linked("default", False, now=LATER, actor=ACTOR)
    assert not secret.used_for_imports and secret.is_linked("deployer")
    events = secret.collect_events()
    assert [type(e).__name__ for e in events[1:]] == [
        "ServiceAccountLinkChanged",
        "ServiceAccountLinkChanged",
        "ServiceAccountLinkChanged",
        "ImportUseChanged",
    ]
    replayed = None
    for event in events:
        replayed = event.mutate(replayed)
    assert replayed is not None
    assert (replayed.linked_service_accounts, replayed.used_for_imports) == (frozenset({"deployer"}), False)
    # The same name created again is a new secret: linked to `default` only.
    secret.delete(now=LATER, actor=ACTOR)
    secret.recreate(
        uid="u2",
        secret_type=SecretType.DOCKERCFG,
        registries=[RegistryEntry("quay.io", "alice")],
        sealed=Sealed("v1.abc", "k1"),
        now=LATER,
        actor=ACTOR,
    )
    assert secret.linked_service_accounts == frozenset() and secret.used_for_imports


def test_delete_forgets_the_sealed_credentials_and_recreate_starts_afresh() -> None:
    secret = make_secret()
    secret.set_used_for_imports(False, service_account="default", now=LATER, actor=ACTOR)
    secret.delete(now=LATER, actor=ACTOR)
    assert secret.deleted and secret.sealed.text == "" and secret.registries == []
    secret.recreate(
        uid="u2",
        secret_type=SecretType.DOCKER_CONFIG_JSON,
        registries=[RegistryEntry("ghcr.io", "bob")],
        sealed=Sealed("v1.abc", "k1"),
        now=LATER,
        actor=ACTOR,
    )
    assert (secret.uid, secret.used_for_imports, secret.deleted) == ("u2", True, False)
    # Replaying the log gives the same secret.
    replayed = None
    for event in secret.collect_events():
        replayed = event.mutate(replayed)
    assert replayed is not None and (replayed.uid, replayed.registries, replayed.sealed) == (
        "u2",
        [RegistryEntry("ghcr.io", "bob")],
        Sealed("v1.abc", "k1"),
    )


@pytest.mark.parametrize(
    ("namespace", "name", "field"),
    [("team", "", "name"), ("team", "Quay", "name"), ("team", "-x", "name"), ("Team", "x", "namespace")],
)
def test_secret_names(namespace: str, name: str, field: str) -> None:
    with pytest.raises(InvalidField) as caught:
        validate_secret_name(namespace, name)
    assert caught.value.field == field
    validate_secret_name("team", "docker.io-creds")


def test_a_deeply_nested_document_is_a_bad_request_not_a_crash() -> None:
    nested = b'{"auths": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    with pytest.raises(InvalidField, match="nests too deeply"):
        parse_dockerconfigjson(nested, "dockerconfigjson")


@pytest.mark.parametrize("server", ["quay.io:65536", "quay.io:99999", "quay.io:0", "https://quay.io:70000/"])
def test_a_port_out_of_range_is_refused(server: str) -> None:
    with pytest.raises(InvalidField, match="not between 1 and 65535"):
        normalize_server(server, "credential.server")


@pytest.mark.parametrize("server", ["quay.io:65535", "quay.io:1", "[::1]:5000", "[::1]"])
def test_ports_in_range_are_kept(server: str) -> None:
    assert normalize_server(server, "credential.server") == server
