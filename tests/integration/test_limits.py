"""Request limits: one past each is INVALID_ARGUMENT naming the field, and nothing of the request is written;
at the limit the request succeeds (the largest ones, timed, are in test_large_writes.py)."""

from __future__ import annotations

from typing import Any

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb
from imagestreams_server.domain import limits

from tests.support.builders import docker, failure, pinned


def tag_request(destinations: int, prefix: str = "s", **fields: Any) -> api.TagRequest:
    return api.TagRequest(
        namespace="team",
        source=docker(pinned("a")),
        destinations=[api.TagDestination(stream=f"{prefix}{i}", tag="latest") for i in range(destinations)],
        **fields,
    )


def stream_request(name: str, spec_tags: int = 0, **fields: Any) -> api.CreateImageStreamRequest:
    tags = [pb.TagReference(name=f"v{i}", **{"from": docker(pinned("b"))}) for i in range(spec_tags)]
    return api.CreateImageStreamRequest(
        image_stream=pb.ImageStream(namespace="team", name=name, spec_tags=tags, **fields)
    )


def assert_refused(call: Any, field: str) -> None:
    error = failure(call)
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT, error
    assert field in error.fields, (field, error.fields)


def assert_missing(stub: Any, *names: str) -> None:
    for name in names:
        error = failure(lambda name=name: stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name=name)))
        assert error.code == grpc.StatusCode.NOT_FOUND, name


def test_a_tag_past_the_destination_limit_writes_nothing(stub) -> None:
    too_many = limits.MAX_TAG_DESTINATIONS + 1
    assert_refused(lambda: stub.Tag(tag_request(too_many)), "destinations")
    assert_missing(stub, "s0", f"s{too_many - 1}")


def test_a_tag_whose_annotation_copies_pass_the_budget_writes_nothing(stub) -> None:
    # Each object's annotations are within their own limits; written to 9 destinations they are not.
    value = "v" * (limits.MAX_ANNOTATIONS_BYTES // 4 - 2)
    notes = {f"k{i}": value for i in range(4)}
    assert limits.annotations_bytes(notes) <= limits.MAX_ANNOTATIONS_BYTES
    copies = limits.MAX_TAG_ANNOTATION_COPIES_BYTES // limits.annotations_bytes(notes)
    assert_refused(lambda: stub.Tag(tag_request(copies + 1, annotations=notes)), "annotations")
    assert_missing(stub, "s0")
    response = stub.Tag(tag_request(copies, annotations=notes))
    assert len(response.tags) == copies


def test_a_stream_past_the_spec_tag_limit_is_refused_and_a_full_stream_takes_no_new_tag(stub) -> None:
    assert_refused(
        lambda: stub.CreateImageStream(stream_request("big", limits.MAX_SPEC_TAGS + 1)), "image_stream.spec_tags"
    )
    assert_missing(stub, "big")

    stub.CreateImageStream(stream_request("full", limits.MAX_SPEC_TAGS))
    before = stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="full")).image_stream
    request = api.TagRequest(
        namespace="team",
        source=docker(pinned("c")),
        destinations=[api.TagDestination(stream="other", tag="latest"), api.TagDestination(stream="full", tag="new")],
    )
    assert_refused(lambda: stub.Tag(request), "destinations[1]")
    assert_missing(stub, "other")
    after = stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="full")).image_stream
    assert after.position == before.position
    # A tag it already has can still move.
    request = api.TagRequest(
        namespace="team", source=docker(pinned("c")), destinations=[api.TagDestination(stream="full", tag="v0")]
    )
    stub.Tag(request)


def test_annotations_past_each_limit_are_refused_and_at_it_accepted(stub) -> None:
    key_at_limit = "a" * 253 + "/" + "b" * 63
    value_at_limit = "v" * limits.MAX_ANNOTATION_VALUE_BYTES
    cases = {
        "count": ({f"k{i}": "v" for i in range(limits.MAX_ANNOTATIONS + 1)}, "image_stream.annotations"),
        "key": ({key_at_limit + "c": "v"}, "image_stream.annotations"),
        "value": ({"k": value_at_limit + "v"}, "image_stream.annotations[k]"),
        "total": ({f"k{i}": "v" * (60 * 1024) for i in range(5)}, "image_stream.annotations"),
    }
    for name, (given, field) in cases.items():
        assert_refused(lambda a=given, n=name: stub.CreateImageStream(stream_request(n, annotations=a)), field)
        assert_missing(stub, name)
    spec = pb.TagReference(name="v1", annotations={"k": value_at_limit + "v"}, **{"from": docker(pinned("b"))})
    request = api.CreateImageStreamRequest(image_stream=pb.ImageStream(namespace="team", name="spec", spec_tags=[spec]))
    assert_refused(lambda: stub.CreateImageStream(request), "image_stream.spec_tags[0].annotations[k]")
    assert_missing(stub, "spec")

    at_limit = {f"k{i}": "v" for i in range(limits.MAX_ANNOTATIONS - 2)}
    at_limit[key_at_limit] = "v"
    at_limit["big"] = value_at_limit
    stub.CreateImageStream(stream_request("fits", annotations=at_limit))
    update = api.UpdateImageStreamRequest(
        image_stream=pb.ImageStream(namespace="team", name="fits", annotations={"k": value_at_limit + "v"})
    )
    assert_refused(lambda: stub.UpdateImageStream(update), "image_stream.annotations[k]")
    got = stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="fits")).image_stream
    assert dict(got.annotations) == at_limit


def test_names_past_their_limits_are_refused(stub) -> None:
    assert_refused(lambda: stub.Tag(tag_request(1, prefix="s" * 250)), "destinations[0].stream")
    request = api.TagRequest(
        namespace="team", source=docker(pinned("a")), destinations=[api.TagDestination(stream="s", tag="t" * 129)]
    )
    assert_refused(lambda: stub.Tag(request), "destinations[0].tag")
    assert_refused(lambda: stub.CreateImageStream(stream_request("n" * 64 + "x" * 200)), "image_stream.name")
    assert_missing(stub, "s")


def test_a_request_past_the_message_size_limit_is_resource_exhausted(stub) -> None:
    note = "n" * (limits.MAX_REQUEST_BYTES + 1)
    error = failure(lambda: stub.CreateImageStream(stream_request("huge", annotations={"note": note})))
    assert error.code == grpc.StatusCode.RESOURCE_EXHAUSTED, error
    assert_missing(stub, "huge")
