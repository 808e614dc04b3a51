"""Bearer tokens on both stores: shown once and kept nowhere (responses, errors, logs, the event log and every
read-model table are read raw), revoked with their user or service account, expiring, slowed down when
guessed; and the actor (and request id) every event records."""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterator

import grpc
import psycopg
import pytest
from google.protobuf import duration_pb2
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import secret_service_pb2 as secret_api
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams_server.store.config import StoreConfig

from tests.support.access import (
    Admin,
    Stubs,
    bearer,
    channel_with,
    hash_name,
    outcome,
    sa_username,
    secret_key_for,
    service_account,
    user,
    wait_until,
)
from tests.support.builders import dest, istag, push
from tests.support.server import TestServer, running_server
from tests.support.watch import Watcher

A = "team-a"
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED


@pytest.fixture
def server(store_config: StoreConfig) -> Iterator[TestServer]:
    with running_server(store_config, secret_key=secret_key_for(store_config)) as running:
        Admin(running).create_project(A)
        yield running


@pytest.fixture
def admin(server: TestServer) -> Admin:
    return Admin(server)


@pytest.fixture
def opened(server: TestServer) -> Iterator[list[grpc.Channel]]:
    channels: list[grpc.Channel] = []
    yield channels
    for channel in channels:
        channel.close()


def as_token(server: TestServer, opened: list[grpc.Channel], token: str, *metadata: tuple[str, str]) -> Stubs:
    channel = bearer(server.address, token, *metadata)
    opened.append(channel)
    return Stubs(channel)


def who(stubs: Stubs) -> grpc.StatusCode:
    return outcome(lambda: stubs.access.WhoAmI(access_api.WhoAmIRequest(), timeout=30)).code


def fragments(token: str, size: int = 8) -> list[str]:
    """Pieces of a token's random part: none may show up where the token must not."""
    body = token.removeprefix("ist_")
    return [body[i : i + size] for i in range(0, len(body) - size + 1, 4)]


# -- where a token may be -------------------------------------------------------------------------------------


def test_a_token_is_in_create_tokens_answer_only(server: TestServer, admin: Admin, opened: list[grpc.Channel]) -> None:
    admin.create_user("tina")
    admin.bind(A, "edit", user("tina"))
    issued = admin.stubs.access.CreateToken(
        access_api.CreateTokenRequest(subject=user("tina"), description="for the tests")
    )
    secret = issued.secret
    assert secret.startswith("ist_") and len(secret) == 4 + 43
    assert issued.token.name == hash_name(secret)
    assert issued.token.username == "tina" and issued.token.created_by == "admin"
    assert secret.encode() not in issued.token.SerializeToString()

    tina = as_token(server, opened, secret)
    answers = [
        tina.access.WhoAmI(access_api.WhoAmIRequest()),
        tina.access.ListTokens(access_api.ListTokensRequest()),
        admin.stubs.access.ListTokens(access_api.ListTokensRequest(subject=user("tina"))),
        admin.stubs.access.ListUsers(access_api.ListUsersRequest()),
        admin.stubs.access.ListRoleBindings(access_api.ListRoleBindingsRequest(namespace=A)),
        admin.stubs.access.WhoCan(access_api.WhoCanRequest(verb="update", resource="imagestreams", namespace=A)),
        tina.access.CheckAccess(access_api.CheckAccessRequest(verb="update", resource="imagestreams", namespace=A)),
        tina.projects.ListProjects(project_api.ListProjectsRequest()),
        tina.streams.CreateImageStream(api.CreateImageStreamRequest(image_stream={"namespace": A, "name": "s"})),
        tina.secrets.CreateSecret(
            secret_api.CreateSecretRequest(
                namespace=A,
                name="pull",
                credential=secret_api.RegistryCredential(server="quay.io", username="u", password="p"),
            )
        ),
    ]
    assert answers[0].token_name == issued.token.name
    assert [t.name for t in answers[1].tokens] == [issued.token.name]
    assert [t.name for t in answers[2].tokens] == [issued.token.name]
    for answer in answers:
        data = answer.SerializeToString()
        assert secret.encode() not in data, type(answer).__name__
        assert not any(piece.encode() in data for piece in fragments(secret)), type(answer).__name__


def raw_values(store: StoreConfig) -> dict[str, list[bytes]]:
    """Every value of every table of the store, as bytes, by table."""
    tables: dict[str, list[bytes]] = {}
    if store.is_postgres:
        with psycopg.connect(store.database_url) as conn:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                )
            ]
            for name in names:
                rows = conn.execute(f'SELECT * FROM "{name}"').fetchall()
                tables[name] = [_as_bytes(v) for row in rows for v in row]
    else:
        conn = sqlite3.connect(f"file:{store.sqlite_path()}?mode=ro", uri=True)
        try:
            names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
            for name in names:
                rows = conn.execute(f'SELECT * FROM "{name}"').fetchall()
                tables[name] = [_as_bytes(v) for row in rows for v in row]
        finally:
            conn.close()
    return tables


def _as_bytes(value: object) -> bytes:
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value)
    return str(value).encode()


def test_no_table_holds_a_token_only_its_hash(
    server: TestServer, admin: Admin, opened: list[grpc.Channel], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    admin.create_user("tina")
    tokens = [server.admin_token, admin.token(user("tina")), admin.token(service_account(A, "builder"), seconds=600)]
    revoked = admin.token(user("tina"))
    admin.revoke(revoked)
    tokens.append(revoked)
    for token in tokens[:3]:
        assert who(as_token(server, opened, token)) == grpc.StatusCode.OK

    tables = raw_values(server.store)
    events = [name for name in tables if name in ("stored_events", "imagestreams_events")]
    assert events and tables[events[0]], f"no event table among {sorted(tables)}"
    assert {"is_tokens", "is_users", "is_projects", "is_role_bindings"} <= set(tables)
    for name, values in tables.items():
        for token in tokens:
            assert not any(token.encode() in v for v in values), f"a token in table {name}"
            assert not any(piece.encode() in v for v in values for piece in fragments(token)), f"part of one in {name}"
    # What is kept is the hash: in the issuing events, and in the read model for the live ones.
    for token in tokens:
        assert any(hash_name(token).encode() in v for v in tables[events[0]])
    live = b"\n".join(tables["is_tokens"])
    assert all(hash_name(t).encode() in live for t in tokens[:3])
    assert hash_name(revoked).encode() not in live
    for record in caplog.records:
        assert not any(t in record.getMessage() for t in tokens), record.getMessage()


def test_refusing_a_bad_token_never_echoes_it(
    server: TestServer, admin: Admin, opened: list[grpc.Channel], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    real = admin.user_token("tina")
    unknown = "ist_" + "Q" * 43
    altered = real[:-1] + ("A" if real[-1] != "A" else "B")
    bad = [unknown, altered, "not-a-token-at-all-1234", "ist_" + "x" * 300]
    for token in bad:
        got = outcome(lambda t=token: as_token(server, opened, t).access.WhoAmI(access_api.WhoAmIRequest()))
        assert got.code == UNAUTHENTICATED
        assert token not in got.message and not any(piece in got.message for piece in fragments(token))
        assert not any(piece in str(got.metadata) for piece in fragments(token))
    # Revoking by the token itself: the answer names the hash, never what was given.
    gone = outcome(lambda: admin.stubs.access.DeleteToken(access_api.DeleteTokenRequest(name=unknown)))
    assert gone.code == grpc.StatusCode.NOT_FOUND
    assert unknown not in gone.message and not any(piece in gone.message for piece in fragments(unknown))
    assert hash_name(unknown) in gone.message
    admin.stubs.access.DeleteToken(access_api.DeleteTokenRequest(name=real))
    assert who(as_token(server, opened, real)) == UNAUTHENTICATED
    for record in caplog.records:
        assert not any(t in record.getMessage() for t in [*bad, real]), record.getMessage()


# -- when a token stops working -------------------------------------------------------------------------------


def test_deleting_a_user_revokes_its_tokens_and_a_new_user_of_that_name_gets_none(
    server: TestServer, admin: Admin, opened: list[grpc.Channel]
) -> None:
    first, second = admin.user_token("tina"), admin.token(user("tina"))
    tina = [as_token(server, opened, t) for t in (first, second)]
    assert [who(s) for s in tina] == [grpc.StatusCode.OK] * 2

    admin.stubs.access.DeleteUser(access_api.DeleteUserRequest(name="tina"))
    assert [who(s) for s in tina] == [UNAUTHENTICATED] * 2, "revoked at once"

    admin.create_user("tina")
    assert [who(s) for s in tina] == [UNAUTHENTICATED] * 2, "a new user of the name inherits nothing"
    third = admin.token(user("tina"))
    assert who(as_token(server, opened, third)) == grpc.StatusCode.OK
    listed = admin.stubs.access.ListTokens(access_api.ListTokensRequest(subject=user("tina")))
    assert [t.name for t in listed.tokens] == [hash_name(third)]


def test_deleting_a_service_account_revokes_its_tokens_and_a_new_one_of_that_name_gets_none(
    server: TestServer, admin: Admin, opened: list[grpc.Channel]
) -> None:
    admin.create_service_account(A, "robot")
    token = admin.token(service_account(A, "robot"))
    robot = as_token(server, opened, token)
    assert robot.access.WhoAmI(access_api.WhoAmIRequest()).username == sa_username(A, "robot")

    admin.stubs.access.DeleteServiceAccount(access_api.DeleteServiceAccountRequest(namespace=A, name="robot"))
    assert who(robot) == UNAUTHENTICATED

    admin.create_service_account(A, "robot")
    assert who(robot) == UNAUTHENTICATED
    assert who(as_token(server, opened, admin.token(service_account(A, "robot")))) == grpc.StatusCode.OK


def test_a_token_of_a_duration_expires(server: TestServer, admin: Admin, opened: list[grpc.Channel]) -> None:
    admin.create_user("tina")
    issued = admin.stubs.access.CreateToken(
        access_api.CreateTokenRequest(subject=user("tina"), duration=duration_pb2.Duration(seconds=1))
    )
    tina = as_token(server, opened, issued.secret)
    answer = tina.access.WhoAmI(access_api.WhoAmIRequest())
    assert answer.token_name == hash_name(issued.secret)
    lifetime = answer.token_expires.ToDatetime() - issued.token.created.ToDatetime()
    assert lifetime.total_seconds() == pytest.approx(1, abs=0.01)
    wait_until(lambda: who(tina) == UNAUTHENTICATED, timeout=10)
    time.sleep(0.2)
    assert who(tina) == UNAUTHENTICATED, "and stays so"


def test_failed_authentication_from_one_peer_gets_slower(server: TestServer, admin: Admin) -> None:
    """The throttle's defaults: 5 failures free, then 0.1 s doubling (0.1, 0.2, 0.4, 0.8, 1.6 s)."""
    bad = channel_with(server.address, ("authorization", "Bearer ist_" + "Z" * 43))
    try:
        stub = Stubs(bad).access
        took = []
        for _ in range(10):
            start = time.monotonic()
            got = outcome(lambda: stub.WhoAmI(access_api.WhoAmIRequest(), timeout=30))
            took.append(time.monotonic() - start)
            assert got.code == UNAUTHENTICATED
    finally:
        bad.close()
    assert took[0] < 0.5, took
    assert took[9] >= 1.0, took
    assert took[9] > 4 * took[0], took
    assert took[9] < 6, took
    # A good token from the same peer is not slowed down.
    start = time.monotonic()
    admin.stubs.access.WhoAmI(access_api.WhoAmIRequest())
    assert time.monotonic() - start < 0.5


# -- who did it -----------------------------------------------------------------------------------------------


def test_events_record_the_actor_and_the_request_id(
    server: TestServer, admin: Admin, opened: list[grpc.Channel]
) -> None:
    token = admin.user_token("alice")
    admin.bind(A, "edit", user("alice"))
    push(admin.stubs.streams, "src", "1", "a1", namespace=A)
    alice = as_token(server, opened, token)
    traced = as_token(server, opened, token, ("x-request-id", "abc123"))
    watcher = Watcher(server.channel, namespace=A, stream="app", kinds=[watch_api.CHANGE_KIND_TAG_UPDATED])
    try:
        plain = alice.streams.Tag(api.TagRequest(namespace=A, source=istag("src:1"), destinations=[dest("app:1")]))
        tagged = traced.streams.Tag(api.TagRequest(namespace=A, source=istag("src:1"), destinations=[dest("app:2")]))
        changes = watcher.changes(2)
    finally:
        watcher.cancel()
    history = admin.stubs.streams.ListTagHistory(api.ListTagHistoryRequest(namespace=A, stream="app")).entries
    by_tag = {entry.tag: entry for entry in history}
    assert set(by_tag) == {"1", "2"}
    assert by_tag["1"].actor == "alice" and by_tag["1"].cause.startswith("Tag")
    assert "request=" not in by_tag["1"].cause
    assert by_tag["2"].actor == "alice" and by_tag["2"].cause.startswith("Tag")
    assert "request=abc123" in by_tag["2"].cause
    assert [(c.tag, c.position) for c in changes] == [("1", plain.position), ("2", tagged.position)]
    for change in changes:
        assert (change.actor, change.cause) == (by_tag[change.tag].actor, by_tag[change.tag].cause)
