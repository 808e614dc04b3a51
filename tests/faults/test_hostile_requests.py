"""The hostile requests the fuzz test found, pinned down one by one on both stores: bytes that are no message,
strings with a NUL character, timestamps outside the range protobuf's JSON mapping can write. Each is
INVALID_ARGUMENT naming what was wrong, where it used to be UNKNOWN or INTERNAL."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams.v1 import watch_service_pb2_grpc as watch_grpc

from tests.support.access import Stubs
from tests.support.builders import dest, digest, docker, failure, pinned
from tests.support.server import TestServer

pytestmark = pytest.mark.faults


@pytest.mark.parametrize(
    ("payload", "what"),
    [
        (b"\x0a\x05ab", "a length past the end"),
        (b"\x0a\x02\xff\xfe", "a string of invalid UTF-8"),
        (b"\x08", "a truncated varint"),
    ],
)
def test_bytes_that_are_no_request_are_invalid_argument(server: TestServer, payload: bytes, what: str) -> None:
    tag = server.channel.unary_unary("/imagestreams.v1.ImageStreamService/Tag")
    error = failure(lambda: tag(payload, timeout=10))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT, (what, error)
    assert error.message == "the request is not a valid imagestreams.v1.TagRequest message: its bytes do not decode"

    watch = server.channel.unary_stream("/imagestreams.v1.WatchService/Watch")
    error = failure(lambda: list(watch(payload, timeout=10)))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT, (what, error)
    assert "imagestreams.v1.WatchRequest" in error.message


def test_a_nul_in_any_string_is_invalid_argument_naming_the_field(server: TestServer) -> None:
    stubs = Stubs(server.channel)
    # A name used as a key in the store: on PostgreSQL, text with a NUL used to fail there as INTERNAL.
    error = failure(lambda: stubs.access.DeleteUser(access_api.DeleteUserRequest(name="bob\x00"), timeout=10))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and error.fields == {
        "name": "must not contain a NUL character (U+0000)"
    }, error
    error = failure(lambda: stubs.access.DeleteGroup(access_api.DeleteGroupRequest(name="\x00"), timeout=10))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "name" in error.fields, error
    # Deep in a request: a repeated message's field, and a map's value.
    request = api.TagRequest(
        namespace="team",
        source=docker(pinned("a")),
        destinations=[dest("web:ok"), dest("web:bad\x00")],
    )
    error = failure(lambda: server.stub.Tag(request, timeout=10))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "destinations[1].tag" in error.fields, error
    request = api.TagRequest(
        namespace="team", source=docker(pinned("a")), destinations=[dest("web:ok")], annotations={"note": "a\x00"}
    )
    error = failure(lambda: server.stub.Tag(request, timeout=10))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "annotations[note]" in error.fields, error
    watch = watch_api.WatchRequest(namespace="team", stream="web\x00")
    error = failure(lambda: _watch(server, watch))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "stream" in error.fields, error
    # Nothing was written: the tag the good destination named does not exist.
    missing = failure(
        lambda: server.stub.GetImageStreamTag(api.GetImageStreamTagRequest(namespace="team", stream="web", tag="ok"))
    )
    assert missing.code == grpc.StatusCode.NOT_FOUND


def _watch(server: TestServer, request: watch_api.WatchRequest) -> list[watch_api.WatchResponse]:
    return list(watch_grpc.WatchServiceStub(server.channel).Watch(request, timeout=10))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("metadata.created", Timestamp(seconds=-(2**63))),
        ("metadata.created", Timestamp(seconds=0, nanos=-1)),
        ("create_time", Timestamp(seconds=253_402_300_800)),
    ],
)
def test_an_image_with_a_timestamp_out_of_range_is_invalid_argument(
    server: TestServer, field: str, value: Timestamp
) -> None:
    image = pb.Image(name=digest("e"), docker_image_reference=f"registry.example.com/team/web@{digest('e')}")
    request = api.CreateImageStreamMappingRequest(namespace="team", name="web", tag="t", image=image)
    target = request.image.metadata.created if field == "metadata.created" else request.image.create_time
    target.CopyFrom(value)
    error = failure(lambda: server.stub.CreateImageStreamMapping(request, timeout=10))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT, error
    assert f"image.{field}" in error.fields, error
    # The valid edge of the range is fine.
    target.CopyFrom(Timestamp(seconds=253_402_300_799, nanos=999_999_999))
    server.stub.CreateImageStreamMapping(request, timeout=10)
