"""What imports ask of a registry, counted on the wire by a proxy in front of the real registry, and what they
record on the stream: an unchanged tag costs one HEAD and no manifest GET on every import path, and
`openshift.io/image.dockerRepositoryCheck` says when an import last checked, without a write per unchanged
check."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams.v1 import resources_pb2 as pb
from imagestreams_server.application.importing import REPOSITORY_CHECK, Importing, ImportInput
from imagestreams_server.application.scheduling import ScheduledImports
from imagestreams_server.application.service import Service, new_uid
from imagestreams_server.importer import RegistryClient
from imagestreams_server.store.app import EventLog

from tests.support import registry as registry_support
from tests.support.counting_proxy import CountingProxy, counting_proxy
from tests.support.registry import RunningRegistry, build_image

plain_registry = registry_support.plain_registry

RFC3339 = "%Y-%m-%dT%H:%M:%SZ"


@pytest.fixture
def proxy(plain_registry: RunningRegistry) -> Iterator[CountingProxy]:
    with counting_proxy(plain_registry.url) as running:
        yield running


def push(registry: RunningRegistry, repo: str, tag_name: str, text: str) -> str:
    with registry.pusher() as pusher:
        return pusher.image(repo, tag_name, build_image(layer_texts=[text])).digest


def push_list(registry: RunningRegistry, repo: str, tag_name: str, text: str) -> tuple[str, str]:
    """A manifest list (amd64, arm64) at the tag: (the list's digest, the amd64 child's)."""
    with registry.pusher() as pusher:
        amd64 = pusher.image(repo, None, build_image("amd64", layer_texts=[f"{text} amd64"]))
        arm64 = pusher.image(repo, None, build_image("arm64", variant="v8", layer_texts=[f"{text} arm64"]))
        digest, _ = pusher.image_list(repo, tag_name, [amd64.entry(), arm64.entry()])
    return digest, amd64.digest


def import_image(server, **fields) -> import_api.ImportImageResponse:  # type: ignore[no-untyped-def]
    source = fields.pop("source", "")
    message = import_api.ImportImageRequest(namespace="team", confirm=True, insecure=True, **fields)
    setattr(message, "from", source)
    return import_grpc.ImportServiceStub(server.channel).ImportImage(message)


def stream(server, name: str):  # type: ignore[no-untyped-def]
    return server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name=name)).image_stream


def checked_at(server, name: str) -> datetime:  # type: ignore[no-untyped-def]
    return datetime.strptime(stream(server, name).annotations[REPOSITORY_CHECK], RFC3339).replace(tzinfo=UTC)


def test_an_unchanged_reimport_costs_one_head_and_no_manifest_get(  # type: ignore[no-untyped-def]
    server, plain_registry: RunningRegistry, proxy: CountingProxy
) -> None:
    repo = f"count/{uuid.uuid4().hex[:8]}"
    first = push(plain_registry, repo, "v1", "one")
    source = f"{proxy.host}/{repo}:v1"
    imported = import_image(server, name="app", tag="v1", source=source)
    assert imported.tags[0].changed and imported.tags[0].image.name == first
    assert proxy.count("GET", f"/v2/{repo}/manifests/") == 1

    proxy.reset()
    again = import_image(server, name="app", tag="v1")  # `isctl import-image app:v1`: the source from the spec
    assert proxy.count("HEAD", f"/v2/{repo}/manifests/v1") == 1
    assert proxy.count("GET", f"/v2/{repo}/manifests/") == 0 and proxy.count("GET", f"/v2/{repo}/blobs/") == 0
    (outcome,) = again.tags
    assert outcome.succeeded and not outcome.changed
    # The answer is the image as recorded, metadata included, as if it had been read again.
    assert outcome.image.name == first and outcome.image.metadata_known
    assert outcome.image.metadata.architecture == "amd64"
    assert outcome.image.docker_image_reference == f"{proxy.host}/{repo}@{first}"
    assert again.position == imported.position  # nothing recorded

    # A new digest upstream: the HEAD says so, and the manifest is read.
    second = push(plain_registry, repo, "v1", "two")
    proxy.reset()
    moved = import_image(server, name="app", tag="v1")
    assert proxy.count("HEAD", f"/v2/{repo}/manifests/v1") == 1
    assert proxy.count("GET", f"/v2/{repo}/manifests/") == 1
    assert moved.tags[0].changed and moved.tags[0].image.name == second


def test_an_unchanged_manifest_list_reimport_costs_one_head(  # type: ignore[no-untyped-def]
    server, plain_registry: RunningRegistry, proxy: CountingProxy
) -> None:
    repo = f"count/{uuid.uuid4().hex[:8]}"
    _, amd64 = push_list(plain_registry, repo, "multi", "one")
    imported = import_image(server, name="app", tag="multi", source=f"{proxy.host}/{repo}:multi")
    assert imported.tags[0].image.name == amd64  # Legacy: one platform of the list

    proxy.reset()
    again = import_image(server, name="app", tag="multi")
    assert proxy.count("HEAD", f"/v2/{repo}/manifests/multi") == 1
    assert proxy.count("GET", f"/v2/{repo}/") == 0
    assert again.tags[0].succeeded and not again.tags[0].changed and again.tags[0].image.name == amd64


def test_an_import_in_another_mode_reads_the_manifest(  # type: ignore[no-untyped-def]
    server, plain_registry: RunningRegistry, proxy: CountingProxy
) -> None:
    repo = f"count/{uuid.uuid4().hex[:8]}"
    list_digest, _ = push_list(plain_registry, repo, "multi", "one")
    import_image(server, name="app", tag="multi", source=f"{proxy.host}/{repo}:multi")

    # PreserveOriginal records the list itself: the same upstream digest is not the same answer.
    proxy.reset()
    preserved = import_image(server, name="app", tag="multi", import_mode=pb.IMPORT_MODE_PRESERVE_ORIGINAL)
    assert proxy.count("GET", f"/v2/{repo}/manifests/") >= 1
    assert preserved.tags[0].changed and preserved.tags[0].image.name == list_digest


def test_the_repository_check_annotation_is_set_by_imports_that_record_something(  # type: ignore[no-untyped-def]
    server, plain_registry: RunningRegistry, proxy: CountingProxy
) -> None:
    repo = f"check/{uuid.uuid4().hex[:8]}"
    push(plain_registry, repo, "v1", "one")
    before = datetime.now(UTC).replace(microsecond=0)
    first = import_image(server, name="app", tag="v1", source=f"{proxy.host}/{repo}:v1")
    first_check = checked_at(server, "app")
    assert before <= first_check <= datetime.now(UTC)
    assert first.image_stream.annotations[REPOSITORY_CHECK] == first_check.strftime(RFC3339)

    # Unchanged: nothing is written, so the annotation keeps the time of the import that changed something.
    again = import_image(server, name="app", tag="v1")
    assert again.position == first.position
    assert checked_at(server, "app") == first_check

    # A failure is recorded (a condition), and so is the check.
    failed = import_image(server, name="app", tag="gone", source=f"{proxy.host}/{repo}:gone")
    assert not failed.tags[0].succeeded and failed.position > first.position
    assert checked_at(server, "app") >= first_check
    # The same failure again records nothing.
    assert import_image(server, name="app", tag="gone").position == failed.position

    # A stream whose other annotations are edited keeps the check with them.
    current = stream(server, "app")
    edited = server.stub.UpdateImageStream(
        api.UpdateImageStreamRequest(
            image_stream=_with_annotation(current, "team.example.com/owner", "ops"),
        )
    ).image_stream
    assert REPOSITORY_CHECK in edited.annotations


def _with_annotation(image_stream, key: str, value: str):  # type: ignore[no-untyped-def]
    copy = type(image_stream)()
    copy.CopyFrom(image_stream)
    copy.annotations[key] = value
    return copy


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def test_scheduled_checks_head_only_and_write_the_annotation_only_when_something_moves(
    store_config, plain_registry: RunningRegistry, proxy: CountingProxy
) -> None:  # type: ignore[no-untyped-def]
    interval = timedelta(minutes=15)
    clock = Clock()
    log = EventLog(store_config)
    registry = RegistryClient()
    try:
        service = Service(log, clock=clock)
        importing = Importing(log, service.queries, registry, service.context, new_uid)
        scheduler = ScheduledImports(log, importing, registry, clock, interval)
        repo = f"sched/{uuid.uuid4().hex[:8]}"
        push(plain_registry, repo, "1", "one")
        importing.import_image(
            ImportInput("team", "app", tag="1", source=f"{proxy.host}/{repo}:1", confirm=True, insecure=True)
        )
        stamp = service.queries.stream("team", "app").state.annotations[REPOSITORY_CHECK]
        assert stamp == "2026-01-01T00:00:00Z"

        # A scheduled tag that upstream did not change: one HEAD, no GET, nothing appended.
        importing.import_image(ImportInput("team", "app", tag="1", confirm=True, insecure=True, scheduled=True))
        position = log.max_position()
        proxy.reset()
        clock.now += interval
        summary = scheduler.run_once()
        assert (summary.checked, summary.unchanged) == (1, 1)
        assert proxy.count("HEAD", f"/v2/{repo}/manifests/1") == 1 and proxy.count("GET", f"/v2/{repo}/") == 0
        assert log.max_position() == position

        # Upstream moved: the tag moves, and the check is recorded with it.
        second = push(plain_registry, repo, "1", "two")
        clock.now += interval
        assert scheduler.run_once().moved == 1
        state = service.queries.stream("team", "app").state
        assert state.current("1").image == second
        assert state.annotations[REPOSITORY_CHECK] == clock.now.strftime(RFC3339)
    finally:
        registry.close()
        log.close()


def test_a_tag_moved_by_a_push_since_its_import_is_read_again(  # type: ignore[no-untyped-def]
    server, plain_registry: RunningRegistry, proxy: CountingProxy
) -> None:
    repo = f"count/{uuid.uuid4().hex[:8]}"
    upstream = push(plain_registry, repo, "v1", "one")
    import_image(server, name="app", tag="v1", source=f"{proxy.host}/{repo}:v1")
    # A registry push (an image stream mapping) moves the tag to another image; upstream still has the first.
    pushed = build_image(layer_texts=["pushed"])
    mapping = pb.Image(
        name=pushed.digest,
        docker_image_reference=f"registry.example.com/team/app@{pushed.digest}",
        metadata=pb.ImageMetadata(architecture="amd64", os="linux"),
        manifest_media_type=pushed.media_type,
    )
    server.stub.CreateImageStreamMapping(
        api.CreateImageStreamMappingRequest(namespace="team", name="app", tag="v1", image=mapping)
    )

    again = import_image(server, name="app", tag="v1")
    (outcome,) = again.tags
    assert outcome.changed and outcome.image.name == upstream
    assert stream(server, "app").status_tags[0].items[0].image == upstream
