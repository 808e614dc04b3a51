"""Image stream CRUD over gRPC, on SQLite and PostgreSQL."""

from __future__ import annotations

import grpc
from google.protobuf import field_mask_pb2
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from tests.support.builders import docker, failure, istag, pinned, push, tag


def create(stub, name: str = "ruby", namespace: str = "team", **fields):  # type: ignore[no-untyped-def]
    return stub.CreateImageStream(
        api.CreateImageStreamRequest(image_stream=pb.ImageStream(namespace=namespace, name=name, **fields))
    )


def test_create_then_get_reads_own_write(stub) -> None:
    created = create(stub, annotations={"description": "Ruby images"}, lookup_local=True)
    assert created.position > 0
    assert created.image_stream.generation == 1
    assert created.image_stream.position == created.position
    got = stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="ruby", min_position=created.position))
    stream = got.image_stream
    assert (stream.namespace, stream.name, stream.uid) == ("team", "ruby", created.image_stream.uid)
    assert dict(stream.annotations) == {"description": "Ruby images"}
    assert stream.lookup_local is True
    assert stream.create_time.seconds > 0


def test_create_twice_is_already_exists(stub) -> None:
    create(stub)
    error = failure(lambda: create(stub))
    assert error.code == grpc.StatusCode.ALREADY_EXISTS
    assert error.message == 'imagestream "team/ruby" already exists'
    assert error.reason == "ALREADY_EXISTS"


def test_create_with_spec_tags_resolves_them(stub) -> None:
    created = create(
        stub,
        spec_tags=[
            pb.TagReference(name="2.0", **{"from": docker(pinned("a"))}),
            pb.TagReference(name="latest", **{"from": istag("2.0")}),
        ],
    )
    status = {t.tag: t for t in created.image_stream.status_tags}
    assert status["2.0"].items[0].image == status["latest"].items[0].image
    assert status["latest"].items[0].docker_image_reference == pinned("a")


def test_bad_stream_names_are_invalid_argument_naming_the_field(stub) -> None:
    cases = {
        "Ruby": "image_stream.name",
        "a--b": "image_stream.name",
        "..": "image_stream.name",
        "a/b": "image_stream.name",
        "": "image_stream.name",
    }
    for name, field in cases.items():
        error = failure(lambda name=name: create(stub, name=name))
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT, name
        assert field in error.fields, (name, error)
    error = failure(lambda: create(stub, namespace="Team"))
    assert "image_stream.namespace" in error.fields
    error = failure(lambda: create(stub, docker_image_repository="quay.io/team/ruby:2.0"))
    assert list(error.fields) == ["image_stream.docker_image_repository"]
    assert "may not contain a tag" in error.message
    # Nothing was written by the failed calls.
    listed = stub.ListImageStreams(api.ListImageStreamsRequest(namespace="team"))
    assert list(listed.image_streams) == []


def test_list_pages_through_every_stream_in_order(stub) -> None:
    names = [f"s{i:02d}" for i in range(7)]
    for name in reversed(names):
        create(stub, name=name)
    create(stub, name="other", namespace="elsewhere")
    seen, token = [], ""
    while True:
        page = stub.ListImageStreams(api.ListImageStreamsRequest(namespace="team", page_size=3, page_token=token))
        seen.extend(s.name for s in page.image_streams)
        token = page.next_page_token
        if not token:
            break
    assert seen == names
    everything = stub.ListImageStreams(api.ListImageStreamsRequest())
    first = everything.image_streams[0]
    assert (first.namespace, first.name) == ("elsewhere", "other")
    error = failure(lambda: stub.ListImageStreams(api.ListImageStreamsRequest(page_token="not-a-token")))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in error.fields
    error = failure(lambda: stub.ListImageStreams(api.ListImageStreamsRequest(page_size=-1)))
    assert "page_size" in error.fields


def test_update_annotations_keeps_generation_spec_change_bumps_it(stub) -> None:
    create(stub)
    updated = stub.UpdateImageStream(
        api.UpdateImageStreamRequest(
            image_stream=pb.ImageStream(namespace="team", name="ruby", annotations={"owner": "platform"}),
            update_mask=field_mask_pb2.FieldMask(paths=["annotations"]),
        )
    )
    assert dict(updated.image_stream.annotations) == {"owner": "platform"}
    assert updated.image_stream.generation == 1
    updated = stub.UpdateImageStream(
        api.UpdateImageStreamRequest(
            image_stream=pb.ImageStream(namespace="team", name="ruby", lookup_local=True),
            update_mask=field_mask_pb2.FieldMask(paths=["lookup_local"]),
        )
    )
    assert updated.image_stream.lookup_local is True
    assert updated.image_stream.generation == 2
    assert dict(updated.image_stream.annotations) == {"owner": "platform"}
    # The same values again change nothing: same position, no new event.
    again = stub.UpdateImageStream(
        api.UpdateImageStreamRequest(
            image_stream=pb.ImageStream(namespace="team", name="ruby", lookup_local=True),
            update_mask=field_mask_pb2.FieldMask(paths=["lookup_local"]),
        )
    )
    assert again.image_stream.generation == 2
    assert again.position == updated.position


def test_update_errors(stub) -> None:
    created = create(stub)
    error = failure(
        lambda: stub.UpdateImageStream(
            api.UpdateImageStreamRequest(
                image_stream=pb.ImageStream(namespace="team", name="ruby"),
                update_mask=field_mask_pb2.FieldMask(paths=["spec_tags"]),
            )
        )
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "update_mask.paths[0]" in error.fields
    error = failure(
        lambda: stub.UpdateImageStream(
            api.UpdateImageStreamRequest(image_stream=pb.ImageStream(namespace="team", name="nope"))
        )
    )
    assert error.code == grpc.StatusCode.NOT_FOUND and error.message == 'imagestream "team/nope" not found'
    push(stub, "ruby", "2.0", "a")  # moves the stream past the position the caller saw
    error = failure(
        lambda: stub.UpdateImageStream(
            api.UpdateImageStreamRequest(
                image_stream=pb.ImageStream(namespace="team", name="ruby", annotations={"a": "b"}),
                expected_position=created.position,
            )
        )
    )
    assert error.code == grpc.StatusCode.ABORTED and error.reason == "CONCURRENT_UPDATE"


def test_delete_then_create_again_starts_a_new_stream(stub) -> None:
    first = create(stub)
    tag(stub, docker(pinned("a")), "ruby:2.0")
    deleted = stub.DeleteImageStream(api.DeleteImageStreamRequest(namespace="team", name="ruby"))
    assert deleted.position > first.position
    error = failure(lambda: stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="ruby")))
    assert error.code == grpc.StatusCode.NOT_FOUND
    error = failure(lambda: stub.DeleteImageStream(api.DeleteImageStreamRequest(namespace="team", name="ruby")))
    assert error.code == grpc.StatusCode.NOT_FOUND
    # The log keeps the stream's tag moves, and records that deleting the stream removed its tags.
    moves = stub.ListTagHistory(api.ListTagHistoryRequest(namespace="team", stream="ruby")).entries
    assert [(m.tag, m.change) for m in moves] == [("2.0", "moved"), ("2.0", "deleted")]
    assert moves[1].position == deleted.position
    again = create(stub)
    assert again.image_stream.uid != first.image_stream.uid
    assert list(again.image_stream.spec_tags) == [] and list(again.image_stream.status_tags) == []


def test_read_of_a_position_not_reached_is_out_of_range(stub) -> None:
    created = create(stub)
    error = failure(
        lambda: stub.GetImageStream(
            api.GetImageStreamRequest(namespace="team", name="ruby", min_position=created.position + 1000)
        )
    )
    assert error.code == grpc.StatusCode.OUT_OF_RANGE
    assert error.reason == "POSITION_NOT_REACHED"
    assert error.metadata["current"] == str(created.position)


def test_spec_tag_errors_name_the_spec_tag_field(stub) -> None:
    error = failure(lambda: create(stub, spec_tags=[pb.TagReference(name="a", **{"from": istag("other:1:2")})]))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert list(error.fields) == ["image_stream.spec_tags[0].from.name"]
    error = failure(lambda: create(stub, spec_tags=[pb.TagReference(name="b", **{"from": docker("Bad Spec")})]))
    assert list(error.fields) == ["image_stream.spec_tags[0].from.name"]
