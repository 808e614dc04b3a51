"""ImportImage against a real registry (Debian's docker-registry) with images pushed by the tests."""

from __future__ import annotations

import uuid
from pathlib import Path

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams.v1 import watch_service_pb2 as watch_api

from tests.support import registry as registry_support
from tests.support.builders import failure, get_istag, istag, tag
from tests.support.registry import RunningRegistry, build_image
from tests.support.server import running_server, sqlite_store
from tests.support.watch import Watcher

plain_registry = registry_support.plain_registry


def importer(server) -> import_grpc.ImportServiceStub:  # type: ignore[no-untyped-def]
    return import_grpc.ImportServiceStub(server.channel)


def push(registry: RunningRegistry, repo: str, tag_name: str, text: str, arch: str = "amd64") -> str:
    with registry.pusher() as pusher:
        return pusher.image(repo, tag_name, build_image(arch, layer_texts=[text])).digest


def request(**fields) -> import_api.ImportImageRequest:  # type: ignore[no-untyped-def]
    fields.setdefault("namespace", "team")
    fields.setdefault("insecure", True)  # the test registry speaks plain HTTP on loopback
    source = fields.pop("source", "")
    message = import_api.ImportImageRequest(**fields)
    setattr(message, "from", source)
    return message


def history(stub, stream: str, tag_name: str) -> list:  # type: ignore[no-untyped-def]
    return list(stub.ListTagHistory(api.ListTagHistoryRequest(namespace="team", stream=stream, tag=tag_name)).entries)


def test_dry_run_reports_and_writes_nothing(server, plain_registry: RunningRegistry) -> None:
    repo = f"demo/{uuid.uuid4().hex[:8]}"
    digest = push(plain_registry, repo, "1.0", "one")
    result = importer(server).ImportImage(request(name="app", tag="1.0", source=f"{plain_registry.host}/{repo}:1.0"))
    assert result.dry_run is True
    (outcome,) = result.tags
    assert outcome.succeeded and outcome.changed
    assert outcome.image.name == digest and outcome.image.metadata.architecture == "amd64"
    assert not result.HasField("image_stream")
    error = failure(lambda: server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="app")))
    assert error.code == grpc.StatusCode.NOT_FOUND


def test_confirmed_import_records_the_image_and_an_unchanged_reimport_records_nothing(
    server, plain_registry: RunningRegistry
) -> None:
    repo = f"demo/{uuid.uuid4().hex[:8]}"
    source = f"{plain_registry.host}/{repo}:1.0"
    first_digest = push(plain_registry, repo, "1.0", "one")
    result = importer(server).ImportImage(request(name="app", tag="1.0", source=source, confirm=True))
    assert result.dry_run is False and result.tags[0].changed
    view = get_istag(server.stub, "app:1.0")
    assert view.image.name == first_digest
    assert view.image.metadata_known and view.image.metadata.os == "linux"
    assert view.pull_spec == f"{plain_registry.host}/{repo}@{first_digest}"
    assert getattr(view.spec, "from").name == source and view.spec.import_policy.insecure
    described = server.stub.DescribeImageStream(api.DescribeImageStreamRequest(namespace="team", name="app"))
    assert described.tags[0].import_pending is False

    again = importer(server).ImportImage(request(name="app", tag="1.0", confirm=True))  # source from the spec
    assert again.tags[0].succeeded and not again.tags[0].changed
    assert again.position == result.position
    assert len(history(server.stub, "app", "1.0")) == 1

    # A new image upstream moves the tag, and an alias of it follows in the same change.
    tag(server.stub, istag("app:1.0"), "app:stable", alias=True)
    second_digest = push(plain_registry, repo, "1.0", "two")
    moved = importer(server).ImportImage(request(name="app", tag="1.0", confirm=True))
    assert moved.tags[0].changed
    assert get_istag(server.stub, "app:stable").image.name == second_digest
    assert [e.event.image for e in history(server.stub, "app", "1.0")] == [first_digest, second_digest]


def test_a_failed_import_sets_a_condition_keeps_history_and_a_success_clears_it(
    server, plain_registry: RunningRegistry
) -> None:
    repo = f"demo/{uuid.uuid4().hex[:8]}"
    source = f"{plain_registry.host}/{repo}:2.0"
    digest = push(plain_registry, repo, "2.0", "two")
    importer(server).ImportImage(request(name="app", tag="2.0", source=source, confirm=True))
    watcher = Watcher(server.channel, namespace="team", stream="app", kinds=[watch_api.CHANGE_KIND_IMPORT_FAILED])
    try:
        missing = f"{plain_registry.host}/{repo}:nope"
        failed = importer(server).ImportImage(request(name="app", tag="2.0", source=missing, confirm=True))
        (outcome,) = failed.tags
        assert not outcome.succeeded and outcome.reason == "NotFound"
        (change,) = watcher.changes(1)
        assert change.condition.reason == "NotFound" and change.condition.status == "False"
    finally:
        watcher.cancel()
    stream = server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="app")).image_stream
    (status,) = stream.status_tags
    assert [c.reason for c in status.conditions] == ["NotFound"]
    assert [i.image for i in status.items] == [digest]  # the history is kept
    position = stream.position
    again = importer(server).ImportImage(request(name="app", tag="2.0", source=missing, confirm=True))
    assert again.position == position  # the same failure again changes nothing
    importer(server).ImportImage(request(name="app", tag="2.0", source=source, confirm=True))
    stream = server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="app")).image_stream
    assert list(stream.status_tags[0].conditions) == []


def test_import_all_takes_the_first_tags_in_priority_order(tmp_path: Path, plain_registry: RunningRegistry) -> None:
    repo = f"demo/{uuid.uuid4().hex[:8]}"
    for name in ("1.0", "latest", "2.0", "misc"):
        push(plain_registry, repo, name, name)
    with running_server(sqlite_store(tmp_path), import_max_tags=3) as server:
        source = f"{plain_registry.host}/{repo}"
        result = importer(server).ImportImage(request(name="all", all=True, source=source, confirm=True))
        assert [t.tag for t in result.tags] == ["latest", "2.0", "1.0"]
        assert list(result.additional_tags) == ["misc"]
        stream = result.image_stream
        assert stream.docker_image_repository == source
        assert sorted(t.name for t in stream.spec_tags) == ["1.0", "2.0", "latest"]


def test_import_errors_are_precise(server, plain_registry: RunningRegistry) -> None:
    stub = importer(server)
    error = failure(lambda: stub.ImportImage(request(name="app", tag="1.0", all=True, source="quay.io/a/b")))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "tag" in error.fields
    error = failure(lambda: stub.ImportImage(request(name="app", tag="1.0")))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "from" in error.fields
    error = failure(lambda: stub.ImportImage(request(name="Bad", tag="1.0", source="quay.io/a/b:1")))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "name" in error.fields
    error = failure(lambda: stub.ImportImage(request(name="app", all=True, source=f"{plain_registry.host}/x/y:1")))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "from" in error.fields
    error = failure(
        lambda: stub.ImportImage(request(name="app", all=True, source=f"{plain_registry.host}/no/such-repo"))
    )
    assert error.code == grpc.StatusCode.NOT_FOUND
    repo = f"demo/{uuid.uuid4().hex[:8]}"
    push(plain_registry, repo, "1", "x")
    stub.ImportImage(request(name="app", tag="1", source=f"{plain_registry.host}/{repo}:1", confirm=True))
    tag(server.stub, istag("app:1"), "app:copy")
    error = failure(lambda: stub.ImportImage(request(name="app", tag="copy")))
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION and error.reason == "TAG_NOT_IMPORTABLE"
