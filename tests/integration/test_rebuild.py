"""Read models are derived: drop them, replay the log, and every answer is the same; and the rebuilt tables
are the live ones, row for row and column for column."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from google.protobuf import field_mask_pb2, json_format
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import access_service_pb2_grpc as access_grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import project_service_pb2_grpc as project_grpc
from imagestreams.v1 import resources_pb2 as pb
from imagestreams.v1 import secret_service_pb2 as secret_api
from imagestreams.v1 import secret_service_pb2_grpc as secret_grpc
from imagestreams_server.store import readmodel
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.config import StoreConfig
from imagestreams_server.store.sql import Sql, transaction

from tests.support.access import group, secret_key_for, user
from tests.support.builders import REGISTRY, digest, docker, get_istag, istag, pinned, push, tag
from tests.support.faulty_registry import FaultyRegistry
from tests.support.registry import build_image
from tests.support.server import TestServer, running_server


def make_history(stub) -> None:  # type: ignore[no-untyped-def]
    push(stub, "ruby", "2.0", "a", annotations={"k": "v"})
    tag(stub, istag("ruby:2.0"), "ruby:latest")
    tag(stub, istag("ruby:latest"), "ruby:prod", alias=True)
    push(stub, "ruby", "latest", "b")
    tag(stub, docker(pinned("c")), "web:1", "ops/web:1")
    tag(stub, docker("quay.io/team/web:2"), "web:2")
    tag(stub, docker("quay.io/team/web:3"), "web:3", reference=True)
    stub.DeleteTag(api.DeleteTagRequest(namespace="team", stream="web", tag="2"))
    push(stub, "gone", "1", "d")
    stub.DeleteImageStream(api.DeleteImageStreamRequest(namespace="team", name="gone"))
    push(stub, "back", "1", "e")
    stub.DeleteImageStream(api.DeleteImageStreamRequest(namespace="team", name="back"))
    push(stub, "back", "2", "f")


def answers(stub) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Everything a client can read, as plain data."""

    def plain(message) -> object:  # type: ignore[no-untyped-def]
        return json_format.MessageToDict(message, preserving_proto_field_name=True)

    result: dict[str, object] = {"streams": plain(stub.ListImageStreams(api.ListImageStreamsRequest()))}
    for namespace, name in (("team", "ruby"), ("team", "web"), ("ops", "web"), ("team", "back")):
        result[f"describe {namespace}/{name}"] = plain(
            stub.DescribeImageStream(api.DescribeImageStreamRequest(namespace=namespace, name=name))
        )
        result[f"tags {namespace}/{name}"] = plain(
            stub.ListImageStreamTags(api.ListImageStreamTagsRequest(namespace=namespace, stream=name))
        )
        result[f"history {namespace}/{name}"] = plain(
            stub.ListTagHistory(api.ListTagHistoryRequest(namespace=namespace, stream=name))
        )
    for seed in "abcdef":
        result[f"image {seed}"] = plain(stub.GetImage(api.GetImageRequest(name=digest(seed))))
    return result


def test_dropping_read_models_and_replaying_the_log_gives_identical_answers(store_config) -> None:
    with running_server(store_config) as server:
        make_history(server.stub)
        before = answers(server.stub)

    log = EventLog(store_config)
    with transaction(log.recorder, commit=True) as sql:
        readmodel.drop_tables(sql)
    log.close()

    with running_server(store_config) as server:  # finds the tables gone and replays the log
        after = answers(server.stub)
    assert after == before
    assert len(before["describe team/ruby"]["tags"]) == 2  # type: ignore[index]


# -- column for column ---------------------------------------------------------------------------------------


def make_varied_history(server: TestServer, registry: FaultyRegistry) -> None:
    """Every kind of event each read-model table is written from, several tags per save among them."""
    stub = server.stub
    make_history(stub)
    # Several tags in one save: a stream created with spec tags.
    stub.CreateImageStream(
        api.CreateImageStreamRequest(
            image_stream=pb.ImageStream(
                namespace="team",
                name="many",
                spec_tags=[
                    pb.TagReference(name="1", **{"from": docker(pinned("10"))}),
                    pb.TagReference(name="2", **{"from": docker(pinned("11"))}),
                    pb.TagReference(name="latest", **{"from": istag("2")}),
                ],
            )
        )
    )
    push(stub, "many", "3", "12")
    stub.UpdateImageStream(
        api.UpdateImageStreamRequest(
            image_stream=pb.ImageStream(
                namespace="team", name="many", annotations={"owner": "platform"}, lookup_local=True
            ),
            update_mask=field_mask_pb2.FieldMask(paths=["annotations", "lookup_local"]),
        )
    )
    # One tag call, several destinations: one save.
    tag(stub, docker(pinned("13")), "many:1", "many:4", "many:5")
    # Imports: a whole repository in one save, a failure (a condition), then the tag imported again.
    for name in ("v1", "v2", "v3"):
        registry.add_image("demo/app", name, build_image(layer_texts=[f"rebuild {name}\n"]))
    importer = import_grpc.ImportServiceStub(server.channel)

    def import_image(**fields: Any) -> None:
        request = import_api.ImportImageRequest(namespace="team", confirm=True, insecure=True, **fields)
        importer.ImportImage(request)

    import_image(name="app", all=True, **{"from": f"{registry.host}/demo/app"})
    import_image(name="app", tag="v2", **{"from": f"{registry.host}/demo/app:missing"})
    import_image(name="app", tag="v2", **{"from": f"{registry.host}/demo/app:v2"})
    # Pull secrets: created, linked, deleted, created again.
    secrets = secret_grpc.SecretServiceStub(server.channel)
    for name in ("quay", "hub", "quay"):
        credential = secret_api.RegistryCredential(server=f"{name}.example.com", username="me", password="pw-1234")
        secrets.CreateSecret(secret_api.CreateSecretRequest(namespace="team", name=name, credential=credential))
        if name == "hub":
            secrets.LinkSecret(secret_api.LinkSecretRequest(namespace="team", service_account="default", name="hub"))
            secrets.DeleteSecret(secret_api.DeleteSecretRequest(namespace="team", name="quay"))
    # Access: projects, users, groups, service accounts, tokens, bindings; some removed again.
    access = access_grpc.AccessServiceStub(server.channel)
    projects = project_grpc.ProjectServiceStub(server.channel)
    projects.CreateProject(project_api.CreateProjectRequest(name="short-lived"))
    projects.DeleteProject(project_api.DeleteProjectRequest(name="short-lived"))
    for name in ("alice", "bob", "carol"):
        access.CreateUser(access_api.CreateUserRequest(name=name))
    access.DeleteUser(access_api.DeleteUserRequest(name="carol"))
    access.CreateGroup(access_api.CreateGroupRequest(name="devs", users=["alice"]))
    access.AddGroupUsers(access_api.AddGroupUsersRequest(name="devs", users=["bob"]))
    access.CreateServiceAccount(access_api.CreateServiceAccountRequest(namespace="team", name="robot"))
    access.AddRoleBinding(access_api.AddRoleBindingRequest(namespace="team", role="edit", subjects=[group("devs")]))
    access.AddRoleBinding(access_api.AddRoleBindingRequest(role="system:image-auditor", subjects=[user("bob")]))
    kept = access.CreateToken(access_api.CreateTokenRequest(subject=user("alice"), description="kept"))
    revoked = access.CreateToken(access_api.CreateTokenRequest(subject=user("bob"), description="revoked"))
    assert kept.token.name
    access.DeleteToken(access_api.DeleteTokenRequest(name=revoked.token.name))


def primary_key(sql: Sql, table: str) -> list[str]:
    if sql.is_sqlite:
        rows = sql.execute("SELECT name FROM pragma_table_info(%s) WHERE pk > 0 ORDER BY pk", (table,)).fetchall()
        return [row["name"] for row in rows]
    rows = sql.execute(
        "SELECT a.attname AS name FROM pg_index i"
        " JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
        " WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY array_position(i.indkey, a.attnum)",
        (table,),
    ).fetchall()
    return [row["name"] for row in rows]


def read_model_rows(store: StoreConfig) -> dict[str, list[dict[str, Any]]]:
    """Every row of every read-model table, every column, ordered by the table's primary key."""
    log = EventLog(store)
    try:
        with log.read(consistent=True) as sql:
            tables = {}
            for table in readmodel.TABLES:
                key = primary_key(sql, table)
                assert key, f"{table} has no primary key"
                rows = sql.execute(f"SELECT * FROM {table} ORDER BY {', '.join(key)}").fetchall()
                tables[table] = [dict(row) for row in rows]
            return tables
    finally:
        log.close()


def test_a_rebuilt_read_model_equals_the_live_one_column_for_column(store_config: StoreConfig) -> None:
    with FaultyRegistry() as registry, running_server(store_config, secret_key=secret_key_for(store_config)) as server:
        make_varied_history(server, registry)
    live = read_model_rows(store_config)
    assert all(live[table] for table in readmodel.TABLES), {t: len(rows) for t, rows in live.items()}

    log = EventLog(store_config)
    try:
        replayed = log.rebuild_read_models()
    finally:
        log.close()
    rebuilt = read_model_rows(store_config)

    assert replayed > 0
    for table in readmodel.TABLES:
        assert rebuilt[table] == live[table], table
    # Tags saved together record where each of them last changed, not where their save ended.
    many = [row for row in live["is_tags"] if row["stream"] == "many"]
    assert len({row["position"] for row in many}) == len(many)


def test_a_rebuild_outlasts_the_idle_in_transaction_limit(
    store_config: StoreConfig, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild holds one transaction while it reads and decodes the whole log; on a large store, or a busy
    machine, its write connection sits idle longer than the few seconds PostgreSQL is told to allow an idle
    transaction elsewhere. Ended there, the rebuild at start would fail again at every start."""
    with running_server(store_config) as server:
        make_history(server.stub)
    monkeypatch.setenv("POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT", "1")
    log = EventLog(store_config)
    replay = log.replay_by_aggregate

    def slow_replay(sql: Sql) -> Iterator[list[tuple[int, Any]]]:
        for n, page in enumerate(replay(sql)):
            if n == 0:
                time.sleep(2.5)  # the events are slow to decode: the write connection idles meanwhile
            yield page

    monkeypatch.setattr(log, "replay_by_aggregate", slow_replay)
    try:
        assert log.rebuild_read_models() > 1
    finally:
        log.close()
    with running_server(store_config) as server:
        assert get_istag(server.stub, "ruby:latest").pull_spec


def map_image(stub, stream: str, tag_name: str, seed: str, reference: str) -> None:  # type: ignore[no-untyped-def]
    """A push that names its image's pull spec: the current image under another spec updates it in place."""
    image = pb.Image(name=digest(seed), docker_image_reference=reference)
    stub.CreateImageStreamMapping(
        api.CreateImageStreamMappingRequest(namespace="team", name=stream, tag=tag_name, image=image)
    )


def test_a_rebuild_equals_the_live_projection_through_trims_pins_and_updates_in_place(
    store_config: StoreConfig,
) -> None:
    """The status entries a rebuild keeps in memory until a stream's last event are the rows the live
    projection's statements left: entries trimmed beyond the limit, replaced in place, a pin's skipped move,
    tags and streams deleted and made again."""
    with running_server(store_config, max_status_history=3) as server:
        stub = server.stub
        make_history(stub)
        for seed in range(6):
            push(stub, "trim", "a", f"a{seed}")
            push(stub, "trim", "b", f"b{seed % 2}")
        map_image(stub, "trim", "a", "a5", f"{REGISTRY}/elsewhere/trim@{digest('a5')}")
        map_image(stub, "trim", "a", "a5", f"{REGISTRY}/again/trim@{digest('a5')}")
        stub.PinTag(api.PinTagRequest(namespace="team", stream="trim", tag="b", reason="frozen"))
        push(stub, "trim", "b", "c9")
        push(stub, "trim", "c", "c9")
        stub.UnpinTag(api.UnpinTagRequest(namespace="team", stream="trim", tag="b"))
        push(stub, "trim", "b", "c8")
        stub.DeleteTag(api.DeleteTagRequest(namespace="team", stream="trim", tag="c"))
        push(stub, "trim", "c", "c7")
        for seed in range(5):
            push(stub, "redo", "a", f"d{seed}")
        stub.DeleteImageStream(api.DeleteImageStreamRequest(namespace="team", name="redo"))
        for seed in range(5):
            push(stub, "redo", "a", f"e{seed}")
    live = read_model_rows(store_config)
    assert live["is_tag_status_items"] and live["is_tag_history"]
    assert any(row["change"] == "skipped" for row in live["is_tag_history"])
    assert any(row["change"] == "updated" for row in live["is_tag_history"])

    log = EventLog(store_config)
    try:
        log.rebuild_read_models()
    finally:
        log.close()
    rebuilt = read_model_rows(store_config)
    for table in readmodel.TABLES:
        assert rebuilt[table] == live[table], table
