"""Bad input gets a precise status on every RPC: never INTERNAL, never UNKNOWN, never a partial write."""

from __future__ import annotations

import grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from tests.support.builders import dest, failure, pinned, push

NAME_RPCS = {
    "GetImageStream": lambda ns, name: api.GetImageStreamRequest(namespace=ns, name=name),
    "DescribeImageStream": lambda ns, name: api.DescribeImageStreamRequest(namespace=ns, name=name),
    "DeleteImageStream": lambda ns, name: api.DeleteImageStreamRequest(namespace=ns, name=name),
    "DeleteTag": lambda ns, name: api.DeleteTagRequest(namespace=ns, stream=name, tag="t"),
    "GetImageStreamTag": lambda ns, name: api.GetImageStreamTagRequest(namespace=ns, stream=name, tag="t"),
    "ListImageStreamTags": lambda ns, name: api.ListImageStreamTagsRequest(namespace=ns, stream=name),
    "ListTagHistory": lambda ns, name: api.ListTagHistoryRequest(namespace=ns, stream=name),
    "GetImageStreamImage": lambda ns, name: api.GetImageStreamImageRequest(namespace=ns, stream=name, id="ab"),
}
STREAM_FIELD = {"GetImageStream": "name", "DescribeImageStream": "name", "DeleteImageStream": "name"}


def test_every_rpc_names_the_bad_field_and_the_missing_resource(stub) -> None:
    for rpc, build in NAME_RPCS.items():
        call = getattr(stub, rpc)
        error = failure(lambda call=call, build=build: call(build("team", "Bad Name")))
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT, rpc
        assert STREAM_FIELD.get(rpc, "stream") in error.fields, (rpc, error.fields)
        error = failure(lambda call=call, build=build: call(build("", "ruby")))
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "namespace" in error.fields, rpc
        if rpc != "ListTagHistory":  # the log outlives streams: the moves of a deleted stream stay readable
            error = failure(lambda call=call, build=build: call(build("team", "missing")))
            assert error.code == grpc.StatusCode.NOT_FOUND, rpc
            assert error.message == 'imagestream "team/missing" not found', rpc


# Arbitrary text, mixed with values that are valid or nearly so, to reach past the first check.
text = st.one_of(
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=80),
    st.sampled_from(["fuzz", "known", "1", "latest", "known:1", "known@aaaa", "sha256:", pinned("a"), "a" * 300]),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(namespace=text, stream=text, tag_name=text, source=text, kind=st.integers(0, 4), image_id=text)
def test_arbitrary_input_never_breaks_the_server(stub, namespace, stream, tag_name, source, kind, image_id) -> None:
    push(stub, "known", "1", "a", namespace="fuzz")
    before = stub.ListImageStreams(api.ListImageStreamsRequest()).image_streams
    calls = [
        lambda: stub.Tag(
            api.TagRequest(
                namespace=namespace,
                source=pb.ObjectReference(kind=kind, name=source),
                destinations=[api.TagDestination(stream=stream, tag=tag_name), dest("fuzz/known:ok")],
            )
        ),
        lambda: stub.GetImageStreamTag(api.GetImageStreamTagRequest(namespace=namespace, stream=stream, tag=tag_name)),
        lambda: stub.GetImageStreamImage(api.GetImageStreamImageRequest(namespace="fuzz", stream="known", id=image_id)),
        lambda: stub.ListImageStreams(api.ListImageStreamsRequest(namespace=namespace, page_token=source)),
        lambda: stub.CreateImageStreamMapping(
            api.CreateImageStreamMappingRequest(
                namespace=namespace,
                name=stream,
                tag=tag_name,
                image=pb.Image(name=image_id, docker_image_reference=source),
            )
        ),
        lambda: stub.GetImage(api.GetImageRequest(name=image_id)),
    ]
    for call in calls:
        try:
            call()
        except grpc.RpcError as error:
            assert error.code() not in (grpc.StatusCode.INTERNAL, grpc.StatusCode.UNKNOWN), error.details()
            assert error.details()
    # Whatever failed wrote nothing; what succeeded is well formed.
    after = stub.ListImageStreams(api.ListImageStreamsRequest()).image_streams
    assert {(s.namespace, s.name) for s in before} <= {(s.namespace, s.name) for s in after}
