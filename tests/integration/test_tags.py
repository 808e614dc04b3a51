"""Tagging as the OpenShift documentation shows it, over gRPC, on SQLite and PostgreSQL."""

from __future__ import annotations

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from tests.support.builders import (
    dest,
    digest,
    docker,
    failure,
    get_istag,
    isimage,
    istag,
    pinned,
    push,
    tag,
)


def history(stub, stream: str, tag_name: str = "", namespace: str = "team"):  # type: ignore[no-untyped-def]
    return list(
        stub.ListTagHistory(api.ListTagHistoryRequest(namespace=namespace, stream=stream, tag=tag_name)).entries
    )


def test_plain_tag_copies_the_current_image_and_never_follows(stub) -> None:
    push(stub, "ruby", "2.0", "a")
    result = tag(stub, istag("ruby:2.0"), "ruby:latest")
    assert list(result.messages) == [f"Tag ruby:latest set to ruby@{digest('a')}."]
    assert getattr(result.tags[0], "from").name == f"ruby@{digest('a')}"
    push(stub, "ruby", "2.0", "b")
    assert get_istag(stub, "ruby:2.0").image.name == digest("b")
    assert get_istag(stub, "ruby:latest").image.name == digest("a")


def test_alias_tracks_its_source_in_the_same_transaction(stub) -> None:
    push(stub, "ruby", "2.0", "a")
    result = tag(stub, istag("ruby:2.0"), "ruby:latest", alias=True)
    assert list(result.messages) == ["Tag ruby:latest set up to track ruby:2.0."]
    assert get_istag(stub, "ruby:latest").image.name == digest("a")
    moved = push(stub, "ruby", "2.0", "b")
    # Both moves carry positions of the one save: the alias moved with its source.
    moves = [e for e in history(stub, "ruby") if e.position > moved.position - 2]
    assert [(e.tag, e.event.image) for e in moves[-2:]] == [("2.0", digest("b")), ("latest", digest("b"))]
    assert get_istag(stub, "ruby:latest").image.name == digest("b")


def test_alias_chains_resolve_transitively(stub) -> None:
    push(stub, "app", "1.0", "a")
    tag(stub, istag("app:1.0"), "app:stable", alias=True)
    tag(stub, istag("app:stable"), "app:prod", alias=True)
    tag(stub, istag("app:prod"), "app:prod-eu", "app:prod-us", alias=True)
    push(stub, "app", "1.0", "b")
    for name in ("stable", "prod", "prod-eu", "prod-us"):
        assert get_istag(stub, f"app:{name}").image.name == digest("b"), name
    described = stub.DescribeImageStream(api.DescribeImageStreamRequest(namespace="team", name="app"))
    # Every alias of the chain is listed on the tag the chain ends at.
    assert {t.tag: list(t.aliases) for t in described.tags} == {"1.0": ["prod", "prod-eu", "prod-us", "stable"]}


def test_alias_cycles_are_rejected_and_nothing_is_written(stub) -> None:
    push(stub, "app", "1.0", "a")
    tag(stub, istag("app:1.0"), "app:a", alias=True)
    tag(stub, istag("app:a"), "app:b", alias=True)
    before = len(history(stub, "app"))
    error = failure(lambda: tag(stub, istag("app:b"), "app:a", alias=True))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "alias cycle" in error.message
    error = failure(lambda: tag(stub, istag("app:self"), "app:self", alias=True))
    assert "alias cycle" in error.message
    assert len(history(stub, "app")) == before
    assert getattr(get_istag(stub, "app:a").spec, "from").name == "app:1.0"


def test_cross_stream_alias_is_invalid_argument(stub) -> None:
    push(stub, "ruby", "2.0", "a")
    error = failure(lambda: tag(stub, istag("ruby:2.0"), "python:latest", alias=True))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "destinations[0]" in error.fields
    assert "across different image streams" in error.message


def test_tag_from_another_namespace_is_recorded_with_it(stub) -> None:
    push(stub, "ruby", "2.0", "a", namespace="shared")
    result = tag(stub, istag("ruby:2.0", namespace="shared"), "ruby:2.0")
    spec_from = getattr(result.tags[0], "from")
    assert (spec_from.namespace, spec_from.name) == ("shared", f"ruby@{digest('a')}")
    assert list(result.messages) == [f"Tag ruby:2.0 set to shared/ruby@{digest('a')}."]
    assert get_istag(stub, "ruby:2.0").image.name == digest("a")


def test_one_source_many_destinations_in_one_change(stub) -> None:
    push(stub, "ruby", "2.0", "a")
    result = tag(stub, istag("ruby:2.0"), "ruby:stage", "web:prod", "ops/ruby:audit")
    assert [t.name for t in result.tags] == ["stage", "prod", "audit"]
    assert result.messages[2] == f"Tag ops/ruby:audit set to team/ruby@{digest('a')}."
    assert get_istag(stub, "web:prod").image.name == digest("a")
    assert get_istag(stub, "ruby:audit", namespace="ops").image.name == digest("a")
    # One bad destination rejects the whole call: nothing half-written.
    error = failure(lambda: tag(stub, istag("ruby:2.0"), "ruby:ok", "web:bad!tag"))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "destinations[1].tag" in error.fields
    assert failure(lambda: get_istag(stub, "ruby:ok")).code == grpc.StatusCode.NOT_FOUND


def test_digest_pinned_docker_source_is_recorded_without_a_registry(stub) -> None:
    result = tag(stub, docker(pinned("c", "team/ruby")), "ruby:2.0")
    assert list(result.messages) == [f"Tag ruby:2.0 set to {pinned('c', 'team/ruby')}."]
    current = get_istag(stub, "ruby:2.0")
    assert current.image.name == digest("c")
    assert current.pull_spec == pinned("c", "team/ruby")
    assert current.image.metadata_known is False
    image = stub.GetImage(api.GetImageRequest(name=digest("c"))).image
    assert image.docker_image_reference == pinned("c", "team/ruby")


def test_docker_source_by_tag_waits_for_import(stub) -> None:
    tag(stub, docker("quay.io/team/ruby:3.3"), "ruby:3.3")
    described = stub.DescribeImageStream(api.DescribeImageStreamRequest(namespace="team", name="ruby"))
    (only,) = described.tags
    assert only.import_pending is True
    assert list(only.status.items) == []
    assert only.source_description == "tagged from quay.io/team/ruby:3.3"
    view = get_istag(stub, "ruby:3.3")
    # No image yet: the pull spec is the registry's, from the spec (OpenShift's ResolvePullSpecForTag).
    assert view.pull_spec == "quay.io/team/ruby:3.3" and not view.HasField("image")


def test_reference_tag_records_the_pull_spec_as_is(stub) -> None:
    tag(stub, docker("quay.io/team/ruby:3.3"), "ruby:ref", reference=True)
    view = get_istag(stub, "ruby:ref")
    assert view.pull_spec == "quay.io/team/ruby:3.3"
    assert not view.HasField("image")
    described = stub.DescribeImageStream(api.DescribeImageStreamRequest(namespace="team", name="ruby"))
    assert described.tags[0].source_description == "reference to registry quay.io/team/ruby:3.3"


def test_image_stream_image_source_by_unique_prefix(stub) -> None:
    push(stub, "ruby", "2.0", "ab1")
    push(stub, "ruby", "2.1", "ab2")
    result = tag(stub, isimage("ruby@ab1"), "ruby:pinned")
    assert getattr(result.tags[0], "from").name == f"ruby@{digest('ab1')}"
    assert get_istag(stub, "ruby:pinned").image.name == digest("ab1")
    error = failure(lambda: tag(stub, isimage("ruby@ab"), "ruby:ambiguous"))
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION
    assert error.reason == "AMBIGUOUS_IMAGE_PREFIX" and error.metadata["matches"] == "2"
    assert error.message.startswith('2 images of imagestream "team/ruby" match the prefix "ab"')
    error = failure(lambda: tag(stub, isimage("ruby@ff"), "ruby:none"))
    assert error.code == grpc.StatusCode.NOT_FOUND
    assert error.message == 'imagestreamimage "team/ruby@ff" not found'


def test_retag_same_image_is_a_no_op(stub) -> None:
    push(stub, "ruby", "2.0", "a")
    first = tag(stub, istag("ruby:2.0"), "ruby:latest")
    again = tag(stub, istag("ruby:2.0"), "ruby:latest")
    assert again.position == first.position
    assert len(history(stub, "ruby", "latest")) == 1


def test_generations_follow_spec_changes(stub) -> None:
    tag(stub, docker(pinned("a")), "app:1")
    first = get_istag(stub, "app:1")
    tag(stub, docker(pinned("a")), "app:2")
    assert first.spec.generation == first.generation == 2
    # Only the reference policy changes: as `oc tag` (which sends generation 0), a registry tag re-tagged with
    # any change takes the new generation and is imported again; a pinned one is recorded again at once.
    tag(stub, docker(pinned("a")), "app:1", reference_policy=2)
    stream = stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="app")).image_stream
    spec = {t.name: t for t in stream.spec_tags}
    assert stream.generation == 4
    assert spec["1"].generation == 4
    assert spec["2"].generation == 3
    again = get_istag(stub, "app:1")
    assert again.generation == 4 and again.image.name == first.image.name
    assert [e.change for e in history(stub, "app", "1")] == ["moved", "updated"]
    # A new source is a new generation for the tag and its status entry.
    tag(stub, docker(pinned("b")), "app:1")
    moved = get_istag(stub, "app:1")
    assert moved.spec.generation == 5 and moved.generation == 5


def test_delete_tag_removes_spec_and_status_and_keeps_the_log(stub) -> None:
    push(stub, "ruby", "2.0", "a")
    tag(stub, istag("ruby:2.0"), "ruby:latest")
    deleted = stub.DeleteTag(api.DeleteTagRequest(namespace="team", stream="ruby", tag="latest"))
    assert deleted.position > 0
    error = failure(lambda: get_istag(stub, "ruby:latest"))
    assert error.code == grpc.StatusCode.NOT_FOUND
    assert error.message == 'imagestreamtag "team/ruby:latest" not found'
    stream = stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="ruby")).image_stream
    assert [t.name for t in stream.spec_tags] == [] and [t.tag for t in stream.status_tags] == ["2.0"]
    assert [e.change for e in history(stub, "ruby", "latest")] == ["moved", "deleted"]
    error = failure(lambda: stub.DeleteTag(api.DeleteTagRequest(namespace="team", stream="ruby", tag="latest")))
    assert error.code == grpc.StatusCode.NOT_FOUND


def test_status_view_collapses_but_the_log_keeps_every_move(stub) -> None:
    push(stub, "ruby", "2.0", "a")
    # Same image under a new pull spec: the status view updates its entry in place.
    stub.CreateImageStreamMapping(
        api.CreateImageStreamMappingRequest(
            namespace="team",
            name="ruby",
            tag="2.0",
            image=pb.Image(name=digest("a"), docker_image_reference=f"mirror.example.com/team/ruby@{digest('a')}"),
        )
    )
    stream = stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="ruby")).image_stream
    (status,) = stream.status_tags
    assert len(status.items) == 1
    assert status.items[0].docker_image_reference.startswith("mirror.example.com/")
    log = history(stub, "ruby", "2.0")
    assert [e.change for e in log] == ["moved", "updated"]
    assert log[1].previous.docker_image_reference.startswith("registry.example.com/")


def test_tag_input_errors_name_the_field(stub) -> None:
    def request(source=None, dests=("a:b",), namespace="team", **flags):  # type: ignore[no-untyped-def]
        return api.TagRequest(namespace=namespace, source=source, destinations=[dest(d) for d in dests], **flags)

    cases = [
        (request(), "source"),
        (request(docker(pinned("a")), dests=()), "destinations"),
        (request(docker("https://quay.io/ruby")), "source.name"),
        (request(istag("nocolon")), "source.name"),
        (request(istag("a:b"), ("a:c",), scheduled=True), "scheduled"),
        (request(docker(pinned("a")), ("a:c",), alias=True), "alias"),
        (request(docker(pinned("a")), ("a:.bad",)), "destinations[0].tag"),
        (request(docker(pinned("a")), ("A:x",)), "destinations[0].stream"),
        (request(docker(pinned("a")), namespace="bad_ns"), "namespace"),
        (request(docker(pinned("a")), reference_policy=9), "reference_policy"),
    ]
    for request, field in cases:
        error = failure(lambda request=request: stub.Tag(request))
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT, (field, error)
        assert field in error.fields, (field, error)
    error = failure(lambda: tag(stub, istag("missing:2.0"), "ruby:latest"))
    assert error.code == grpc.StatusCode.NOT_FOUND and error.message == 'imagestream "team/missing" not found'
    tag(stub, docker("quay.io/a/b:1"), "waiting:1")
    error = failure(lambda: tag(stub, istag("waiting:1"), "ruby:latest"))
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION and error.reason == "SOURCE_HAS_NO_IMAGE"
    assert error.message.startswith('"team/waiting:1" is not currently pointing to an image')
    assert stub.ListImageStreams(api.ListImageStreamsRequest(namespace="team")).image_streams[0].name == "waiting"
