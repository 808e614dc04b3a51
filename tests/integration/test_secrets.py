"""Pull secrets over gRPC on both stores: create, read, delete, link; imports that use them against real
registries (Basic and token auth); and the password never stored, logged or answered in clear text."""

from __future__ import annotations

import base64
import json
import logging
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams.v1 import secret_service_pb2 as api
from imagestreams.v1 import secret_service_pb2_grpc as secret_grpc
from imagestreams_server.store import readmodel
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.config import StoreConfig
from imagestreams_server.store.crypto import SecretKeyConfig
from imagestreams_server.store.sql import transaction

from tests.support import registry as support
from tests.support import server as server_support
from tests.support.builders import failure
from tests.support.registry import PASSWORD, USERNAME, RunningRegistry, build_image
from tests.support.server import running_server

basic_registry = support.basic_registry
token_registry = support.token_registry

# A password of our own for the secrets that no registry checks; the registries' one is support.PASSWORD.
OTHER_PASSWORD = "Zq9-not-in-clear-text"
KEY = base64.b64encode(bytes(range(32))).decode()


def key_for(store: StoreConfig, key: str = KEY) -> SecretKeyConfig:
    """PostgreSQL needs a key given; SQLite generates its own (tested below), unless one is given."""
    return SecretKeyConfig(key=key) if store.is_postgres else SecretKeyConfig()


@pytest.fixture
def server(store_config: StoreConfig) -> Iterator[server_support.TestServer]:
    with running_server(store_config, secret_key=key_for(store_config)) as running:
        yield running


def secrets(server: server_support.TestServer) -> secret_grpc.SecretServiceStub:
    return secret_grpc.SecretServiceStub(server.channel)


def importer(server: server_support.TestServer) -> import_grpc.ImportServiceStub:
    return import_grpc.ImportServiceStub(server.channel)


def create(
    server: server_support.TestServer,
    name: str,
    server_name: str,
    username: str,
    password: str,
    namespace: str = "team",
):  # type: ignore[no-untyped-def]
    credential = api.RegistryCredential(server=server_name, username=username, password=password)
    return secrets(server).CreateSecret(api.CreateSecretRequest(namespace=namespace, name=name, credential=credential))


def dockerconfigjson(auths: dict[str, tuple[str, str]]) -> bytes:
    entries = {host: {"auth": base64.b64encode(f"{u}:{p}".encode()).decode()} for host, (u, p) in auths.items()}
    return json.dumps({"auths": entries}).encode()


def import_request(source: str, *, tag: str = "latest", confirm: bool = False) -> import_api.ImportImageRequest:
    message = import_api.ImportImageRequest(namespace="team", name="app", tag=tag, confirm=confirm, insecure=True)
    setattr(message, "from", source)
    return message


def listed(server: server_support.TestServer, namespace: str = "team") -> dict[str, api.Secret]:
    return {s.name: s for s in secrets(server).ListSecrets(api.ListSecretsRequest(namespace=namespace)).secrets}


# -- create, read, delete --------------------------------------------------------------------------------------


def test_create_from_credentials_and_read_it_back_without_the_password(server: server_support.TestServer) -> None:
    created = create(server, "quay", "https://Quay.io/", "alice", OTHER_PASSWORD)
    assert created.position > 0
    secret = created.secret
    assert (secret.namespace, secret.name, secret.type) == ("team", "quay", api.SECRET_TYPE_DOCKERCFG)
    assert [(r.server, r.username) for r in secret.registries] == [("quay.io", "alice")]
    assert secret.used_for_imports and secret.uid and secret.created.seconds > 0
    got = secrets(server).GetSecret(api.GetSecretRequest(namespace="team", name="quay")).secret
    assert got == secret
    assert listed(server) == {"quay": secret}
    for message in (created, got):
        assert OTHER_PASSWORD.encode() not in message.SerializeToString()


def test_create_from_documents(server: server_support.TestServer) -> None:
    hub = base64.b64encode(f"bob:{OTHER_PASSWORD}".encode()).decode()
    dockercfg = json.dumps({"https://index.docker.io/v1/": {"auth": hub, "email": "bob@example.com"}}).encode()
    legacy = secrets(server).CreateSecret(api.CreateSecretRequest(namespace="team", name="hub", dockercfg=dockercfg))
    assert legacy.secret.type == api.SECRET_TYPE_DOCKERCFG
    assert [(r.server, r.username, r.email) for r in legacy.secret.registries] == [
        ("docker.io", "bob", "bob@example.com")
    ]
    document = dockerconfigjson({"ghcr.io": ("carol", OTHER_PASSWORD), "localhost:5000": ("dave", OTHER_PASSWORD)})
    modern = secrets(server).CreateSecret(
        api.CreateSecretRequest(namespace="team", name="many", dockerconfigjson=document)
    )
    assert modern.secret.type == api.SECRET_TYPE_DOCKER_CONFIG_JSON
    assert [r.server for r in modern.secret.registries] == ["ghcr.io", "localhost:5000"]
    assert list(listed(server)) == ["hub", "many"]


def test_bad_input_names_the_field_and_never_echoes_the_password(server: server_support.TestServer) -> None:
    stub = secrets(server)
    cases = [
        (api.CreateSecretRequest(namespace="team", name="Bad_Name"), "name"),
        (api.CreateSecretRequest(namespace="team", name="x"), "source"),
        (
            api.CreateSecretRequest(
                namespace="team",
                name="x",
                credential=api.RegistryCredential(server="quay.io/team", username="a", password=OTHER_PASSWORD),
            ),
            "credential.server",
        ),
        (
            api.CreateSecretRequest(
                namespace="team", name="x", dockerconfigjson=b'{"auths": {"q.io": {"auth": "' + OTHER_PASSWORD.encode()
            ),
            "dockerconfigjson",
        ),
        (
            api.CreateSecretRequest(
                namespace="team",
                name="x",
                dockerconfigjson=b'{"auths": {"q.io": {"auth": "' + OTHER_PASSWORD.encode() + b'"}}}',
            ),
            "dockerconfigjson",
        ),
    ]
    for request, field in cases:
        error = failure(lambda r=request: stub.CreateSecret(r))  # type: ignore[misc]
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT, error
        assert list(error.fields) == [field], error
        assert OTHER_PASSWORD not in error.message and OTHER_PASSWORD not in str(error.fields)
    assert listed(server) == {}


def test_already_exists_delete_and_create_again(server: server_support.TestServer) -> None:
    first = create(server, "quay", "quay.io", "alice", OTHER_PASSWORD).secret
    error = failure(lambda: create(server, "quay", "quay.io", "alice", OTHER_PASSWORD))
    assert (error.code, error.reason) == (grpc.StatusCode.ALREADY_EXISTS, "ALREADY_EXISTS")
    assert error.message == 'secret "team/quay" already exists'

    deleted = secrets(server).DeleteSecret(api.DeleteSecretRequest(namespace="team", name="quay"))
    assert deleted.position > first.position
    missing = failure(lambda: secrets(server).GetSecret(api.GetSecretRequest(namespace="team", name="quay")))
    assert (missing.code, missing.message) == (grpc.StatusCode.NOT_FOUND, 'secret "team/quay" not found')
    again = failure(lambda: secrets(server).DeleteSecret(api.DeleteSecretRequest(namespace="team", name="quay")))
    assert again.code == grpc.StatusCode.NOT_FOUND
    assert listed(server) == {}

    second = create(server, "quay", "ghcr.io", "bob", OTHER_PASSWORD).secret
    assert second.uid != first.uid and [r.server for r in second.registries] == ["ghcr.io"]


def test_list_pages_and_namespaces(server: server_support.TestServer) -> None:
    for namespace, name in [("team", "b"), ("team", "a"), ("ops", "c"), ("team", "d")]:
        create(server, name, "quay.io", "u", OTHER_PASSWORD, namespace=namespace)
    stub = secrets(server)
    first = stub.ListSecrets(api.ListSecretsRequest(namespace="team", page_size=2))
    assert [s.name for s in first.secrets] == ["a", "b"] and first.next_page_token
    rest = stub.ListSecrets(api.ListSecretsRequest(namespace="team", page_size=2, page_token=first.next_page_token))
    assert [s.name for s in rest.secrets] == ["d"] and not rest.next_page_token
    everything = stub.ListSecrets(api.ListSecretsRequest())
    assert [(s.namespace, s.name) for s in everything.secrets] == [
        ("ops", "c"),
        ("team", "a"),
        ("team", "b"),
        ("team", "d"),
    ]


def test_link_and_unlink(server: server_support.TestServer) -> None:
    created = create(server, "quay", "quay.io", "alice", OTHER_PASSWORD)
    stub = secrets(server)
    # New secrets are linked already: linking records nothing and answers the current position.
    linked = stub.LinkSecret(api.LinkSecretRequest(namespace="team", service_account="default", name="quay"))
    assert linked.position == created.position and linked.secret.used_for_imports
    unlinked = stub.UnlinkSecret(api.UnlinkSecretRequest(namespace="team", service_account="default", name="quay"))
    assert unlinked.position > created.position and not unlinked.secret.used_for_imports
    assert unlinked.secret.position == unlinked.position
    again = stub.UnlinkSecret(api.UnlinkSecretRequest(namespace="team", service_account="default", name="quay"))
    assert again.position == unlinked.position
    relinked = stub.LinkSecret(
        api.LinkSecretRequest(
            namespace="team", service_account="default", name="quay", purposes=[api.SECRET_LINK_PURPOSE_PULL]
        )
    )
    assert relinked.secret.used_for_imports and relinked.position > unlinked.position

    # Every project has `builder` and `deployer` too: a link to them is recorded (a new log position) and
    # does not change what imports use, nor does an unlink.
    builder = stub.LinkSecret(api.LinkSecretRequest(namespace="team", service_account="builder", name="quay"))
    assert builder.position > relinked.position and builder.secret.used_for_imports
    same = stub.LinkSecret(api.LinkSecretRequest(namespace="team", service_account="builder", name="quay"))
    assert same.position == builder.position
    off = stub.UnlinkSecret(api.UnlinkSecretRequest(namespace="team", service_account="builder", name="quay"))
    assert off.position > builder.position and off.secret.used_for_imports
    never = stub.UnlinkSecret(api.UnlinkSecretRequest(namespace="team", service_account="deployer", name="quay"))
    assert never.position == off.position and never.secret.used_for_imports
    assert listed(server)["quay"].used_for_imports
    robot = failure(
        lambda: stub.LinkSecret(api.LinkSecretRequest(namespace="team", service_account="robot", name="quay"))
    )
    assert robot.code == grpc.StatusCode.NOT_FOUND
    assert robot.message == 'serviceaccount "robot" not found in project "team"'
    mount = failure(
        lambda: stub.LinkSecret(
            api.LinkSecretRequest(
                namespace="team",
                service_account="default",
                name="quay",
                purposes=[api.SECRET_LINK_PURPOSE_PULL, api.SECRET_LINK_PURPOSE_MOUNT],
            )
        )
    )
    assert mount.code == grpc.StatusCode.INVALID_ARGUMENT and "purposes[1]" in mount.fields
    missing = failure(
        lambda: stub.UnlinkSecret(api.UnlinkSecretRequest(namespace="team", service_account="default", name="nope"))
    )
    assert missing.code == grpc.StatusCode.NOT_FOUND


# -- rule 9: never in clear text -------------------------------------------------------------------------------


def stored_text(store: StoreConfig) -> dict[str, bytes]:
    """Every row of every table of the store, raw, by table: the events table and the read models."""
    log = EventLog(store)
    try:
        with transaction(log.recorder, commit=False) as sql:
            if sql.is_sqlite:
                tables = [
                    r["name"] for r in sql.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
                ]
            else:
                tables = [
                    r["table_name"]
                    for r in sql.execute(
                        "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                    ).fetchall()
                ]
            events = log.recorder.events_table_name  # type: ignore[attr-defined]
            assert events in tables and set(readmodel.TABLES) <= set(tables), tables
            dump: dict[str, bytes] = {}
            for table in tables:
                rows = sql.execute(f"SELECT * FROM {table}").fetchall()
                dump[table] = b"\n".join(
                    b"|".join(
                        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for v in dict(r).values()
                    )
                    for r in rows
                )
            # The events themselves, read as stored: the secret's events are there, sealed.
            states = [
                bytes(r["state"])
                for r in sql.execute(
                    f"SELECT state FROM {events} WHERE originator_id LIKE %s", ("secret:%",)
                ).fetchall()
            ]
            assert len(states) >= 3 and any(b'"sealed":"v1.' in s for s in states), states
            dump["secret events"] = b"\n".join(states)
        return dump
    finally:
        log.close()


def clear_forms(password: str) -> list[bytes]:
    pair = f"{USERNAME}:{password}"
    return [password.encode(), pair.encode(), base64.b64encode(pair.encode()), base64.b64encode(password.encode())]


def test_passwords_are_absent_from_the_events_the_read_models_and_the_logs(
    store_config: StoreConfig, basic_registry: RunningRegistry, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    repo = f"private/{uuid.uuid4().hex[:8]}"
    with basic_registry.pusher() as pusher:
        pusher.image(repo, "latest", build_image(layer_texts=[repo]))
    with running_server(store_config, secret_key=key_for(store_config)) as server:
        document = dockerconfigjson({basic_registry.host: (USERNAME, PASSWORD), "quay.io": ("other", OTHER_PASSWORD)})
        secrets(server).CreateSecret(api.CreateSecretRequest(namespace="team", name="basic", dockerconfigjson=document))
        create(server, "wrong", basic_registry.host, USERNAME, OTHER_PASSWORD, namespace="ops")
        result = importer(server).ImportImage(import_request(f"{basic_registry.host}/{repo}:latest", confirm=True))
        assert result.tags[0].succeeded, result.tags[0].message
        # A refused password: the failure's message and the log lines must not carry it either.
        message = import_request(f"{basic_registry.host}/{repo}:latest")
        message.namespace = "ops"
        refused = importer(server).ImportImage(message).tags[0]
        assert refused.reason == "Unauthorized" and OTHER_PASSWORD not in refused.message
        secrets(server).UnlinkSecret(api.UnlinkSecretRequest(namespace="team", service_account="default", name="basic"))
        secrets(server).DeleteSecret(api.DeleteSecretRequest(namespace="ops", name="wrong"))
    dump = stored_text(store_config)
    assert b'"secret_type":"kubernetes.io/dockerconfigjson"' in dump["secret events"]
    for table, text in dump.items():
        for password in (PASSWORD, OTHER_PASSWORD):
            for form in clear_forms(password):
                assert form not in text, f"{form!r} found in {table}"
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert logged  # the server did log (requests, imports)
    for password in (PASSWORD, OTHER_PASSWORD):
        for form in clear_forms(password):
            assert form.decode() not in logged


def test_read_models_rebuilt_from_the_log_give_the_same_secrets(store_config: StoreConfig) -> None:
    key = key_for(store_config)
    with running_server(store_config, secret_key=key) as server:
        create(server, "a", "quay.io", "alice", OTHER_PASSWORD)
        create(server, "b", "ghcr.io", "bob", OTHER_PASSWORD)
        create(server, "gone", "ghcr.io", "bob", OTHER_PASSWORD)
        secrets(server).DeleteSecret(api.DeleteSecretRequest(namespace="team", name="gone"))
        secrets(server).UnlinkSecret(api.UnlinkSecretRequest(namespace="team", service_account="default", name="b"))
        before = listed(server)
    log = EventLog(store_config)
    with transaction(log.recorder, commit=True) as sql:
        readmodel.drop_tables(sql)
    log.close()
    with running_server(store_config, secret_key=key) as server:
        assert listed(server) == before
        assert not before["b"].used_for_imports and "gone" not in before


# -- the key ---------------------------------------------------------------------------------------------------


def test_postgres_without_a_key_answers_failed_precondition_saying_how_to_configure_one(postgres_url: str) -> None:
    with running_server(StoreConfig(database_url=postgres_url)) as server:
        error = failure(lambda: create(server, "quay", "quay.io", "alice", OTHER_PASSWORD))
        assert (error.code, error.reason) == (grpc.StatusCode.FAILED_PRECONDITION, "SECRET_KEY_NOT_CONFIGURED")
        assert "--secret-key-file" in error.message and "IMAGESTREAMS_SECRET_KEY" in error.message
        assert "every replica must use the same key" in error.message
        listing = failure(lambda: secrets(server).ListSecrets(api.ListSecretsRequest(namespace="team")))
        assert listing.reason == "SECRET_KEY_NOT_CONFIGURED"


def test_sqlite_generates_its_key_once_and_secrets_survive_a_restart(
    tmp_path: Path, basic_registry: RunningRegistry
) -> None:
    store = StoreConfig(data_dir=tmp_path / "data")
    repo = f"private/{uuid.uuid4().hex[:8]}"
    with basic_registry.pusher() as pusher:
        pusher.image(repo, "latest", build_image(layer_texts=[repo]))
    with running_server(store) as server:
        create(server, "basic", basic_registry.host, USERNAME, PASSWORD)
    key_file = tmp_path / "data" / "secret.key"
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    with running_server(store) as server:
        result = importer(server).ImportImage(import_request(f"{basic_registry.host}/{repo}:latest"))
        assert result.tags[0].succeeded, result.tags[0].message

    # Started with another key, the secret cannot be opened: the import says so on the tag, and nothing leaks.
    other = SecretKeyConfig(key=base64.b64encode(os.urandom(32)).decode())
    with running_server(store, secret_key=other) as server:
        outcome = importer(server).ImportImage(import_request(f"{basic_registry.host}/{repo}:latest")).tags[0]
        assert not outcome.succeeded and outcome.reason == "Unauthorized"
        assert 'pull secret "team/basic" cannot be decrypted' in outcome.message
        # Other reads still work (listing needs no decryption).
        assert list(listed(server)) == ["basic"]


# -- imports with pull secrets against real registries -----------------------------------------------------------


def push_private(registry: RunningRegistry) -> tuple[str, str]:
    repo = f"private/{uuid.uuid4().hex[:8]}"
    with registry.pusher() as pusher:
        digest = pusher.image(repo, "latest", build_image(layer_texts=[repo])).digest
    return f"{registry.host}/{repo}:latest", digest


@pytest.mark.parametrize("flavour", ["basic", "token"])
def test_import_fails_unauthorized_without_a_secret_and_succeeds_with_one(
    server: server_support.TestServer, flavour: str, request: pytest.FixtureRequest
) -> None:
    registry: RunningRegistry = request.getfixturevalue(f"{flavour}_registry")
    source, digest = push_private(registry)
    without = importer(server).ImportImage(import_request(source)).tags[0]
    assert not without.succeeded and without.reason == "Unauthorized", without

    create(server, "creds", registry.host, USERNAME, PASSWORD)
    confirmed = importer(server).ImportImage(import_request(source, confirm=True))
    assert confirmed.tags[0].succeeded, confirmed.tags[0].message
    assert confirmed.tags[0].image.name == digest

    # Unlinked, the secret is not used; linked again, it is.
    secrets(server).UnlinkSecret(api.UnlinkSecretRequest(namespace="team", service_account="default", name="creds"))
    assert importer(server).ImportImage(import_request(source)).tags[0].reason == "Unauthorized"
    secrets(server).LinkSecret(api.LinkSecretRequest(namespace="team", service_account="default", name="creds"))
    assert importer(server).ImportImage(import_request(source)).tags[0].succeeded
    # Links to builder and deployer do not decide what imports use: unlinked from them, it is still used.
    for account in ("builder", "deployer"):
        stub = secrets(server)
        stub.LinkSecret(api.LinkSecretRequest(namespace="team", service_account=account, name="creds"))
        stub.UnlinkSecret(api.UnlinkSecretRequest(namespace="team", service_account=account, name="creds"))
    assert importer(server).ImportImage(import_request(source)).tags[0].succeeded

    # Secrets are per namespace.
    elsewhere = import_request(source)
    elsewhere.namespace = "ops"
    assert importer(server).ImportImage(elsewhere).tags[0].reason == "Unauthorized"


def test_exact_host_and_port_wins_then_the_host_alone(
    server: server_support.TestServer, basic_registry: RunningRegistry
) -> None:
    source, _ = push_private(basic_registry)
    host = basic_registry.host.rsplit(":", 1)[0]
    # Only the host, no port: used for any port of that host.
    create(server, "bare", host, USERNAME, PASSWORD)
    assert importer(server).ImportImage(import_request(source)).tags[0].succeeded
    # A wrong password for the exact host:port wins over the right one for the host alone (first match only,
    # no fallback), even though "bare" sorts first.
    create(server, "exact", basic_registry.host, USERNAME, OTHER_PASSWORD)
    refused = importer(server).ImportImage(import_request(source)).tags[0]
    assert refused.reason == "Unauthorized" and "incorrect username or password" in refused.message
    # Between two secrets for the same host, the first by name wins.
    secrets(server).DeleteSecret(api.DeleteSecretRequest(namespace="team", name="exact"))
    create(server, "aaa-wrong", host, USERNAME, OTHER_PASSWORD)
    assert importer(server).ImportImage(import_request(source)).tags[0].reason == "Unauthorized"
