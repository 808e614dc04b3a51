"""Images, image stream images, mappings and tag listings over gRPC, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from tests.support.builders import digest, docker, failure, get_istag, istag, pinned, push, tag
from tests.support.server import running_server, sqlite_store


def test_mapping_records_the_image_with_its_metadata(stub) -> None:
    metadata = pb.ImageMetadata(architecture="amd64", os="linux", env=["PATH=/bin"], labels={"a": "b"}, size=1234)
    push(
        stub,
        "ruby",
        "2.0",
        "a",
        metadata=metadata,
        layers=[pb.ImageLayer(name=digest("1"), size=1000, media_type="application/x")],
        annotations={"io.example/built-by": "ci"},
    )
    image = stub.GetImage(api.GetImageRequest(name=digest("a"))).image
    assert image.metadata_known is True
    assert image.metadata.architecture == "amd64" and list(image.metadata.env) == ["PATH=/bin"]
    assert [layer.size for layer in image.layers] == [1000]
    assert dict(image.annotations) == {"io.example/built-by": "ci"}
    # The same digest pushed again under another tag is one image, and changes nothing about it.
    push(stub, "ruby", "2.0-copy", "a")
    assert stub.GetImage(api.GetImageRequest(name=digest("a"))).image == image


def test_mapping_creates_the_stream_and_follows_aliases(stub) -> None:
    push(stub, "fresh", "1.0", "a")
    tag(stub, istag("fresh:1.0"), "fresh:latest", alias=True)
    push(stub, "fresh", "1.0", "b")
    assert get_istag(stub, "fresh:latest").image.name == digest("b")


def test_mapping_errors_name_the_field(stub) -> None:
    def mapping(**fields):  # type: ignore[no-untyped-def]
        request = {
            "namespace": "team",
            "name": "ruby",
            "tag": "1",
            "image": pb.Image(name=digest("a"), docker_image_reference=pinned("a")),
        }
        request.update(fields)
        return lambda: stub.CreateImageStreamMapping(api.CreateImageStreamMappingRequest(**request))

    cases = {
        "image.name": mapping(image=pb.Image(name="sha256:short", docker_image_reference=pinned("a"))),
        "image.docker_image_reference": mapping(image=pb.Image(name=digest("a"))),
        "tag": mapping(tag=""),
        "name": mapping(name="Bad"),
        "namespace": mapping(namespace=""),
    }
    for field, call in cases.items():
        error = failure(call)
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT and field in error.fields, (field, error)
    error = failure(lambda: stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="ruby")))
    assert error.code == grpc.StatusCode.NOT_FOUND


def test_image_stream_image_by_digest_or_prefix(stub) -> None:
    push(stub, "ruby", "2.0", "abc")
    push(stub, "ruby", "2.1", "abd")
    for query in (digest("abc"), digest("abc")[:20], "abca"):
        found = stub.GetImageStreamImage(api.GetImageStreamImageRequest(namespace="team", stream="ruby", id=query))
        assert found.image_stream_image.image.name == digest("abc")
        assert found.image_stream_image.id == query
    error = failure(
        lambda: stub.GetImageStreamImage(api.GetImageStreamImageRequest(namespace="team", stream="ruby", id="ab"))
    )
    assert error.code == grpc.StatusCode.FAILED_PRECONDITION and error.metadata["matches"] == "2"
    error = failure(
        lambda: stub.GetImageStreamImage(api.GetImageStreamImageRequest(namespace="team", stream="ruby", id="ffff"))
    )
    assert error.code == grpc.StatusCode.NOT_FOUND and error.message == 'imagestreamimage "team/ruby@ffff" not found'
    error = failure(
        lambda: stub.GetImageStreamImage(api.GetImageStreamImageRequest(namespace="team", stream="ruby", id=""))
    )
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "id" in error.fields


def test_get_image_errors(stub) -> None:
    error = failure(lambda: stub.GetImage(api.GetImageRequest(name="nope")))
    assert error.code == grpc.StatusCode.INVALID_ARGUMENT and "name" in error.fields
    error = failure(lambda: stub.GetImage(api.GetImageRequest(name=digest("f"))))
    assert error.code == grpc.StatusCode.NOT_FOUND and error.message == f'image "{digest("f")}" not found'


def test_image_stream_tag_view(stub) -> None:
    push(stub, "ruby", "2.0", "a", annotations={"from-image": "1"})
    tag(stub, istag("ruby:2.0"), "ruby:latest", annotations={"description": "the newest"})
    latest = get_istag(stub, "ruby:latest")
    assert latest.image_pull_policy == "Always"
    assert get_istag(stub, "ruby:2.0").image_pull_policy == "IfNotPresent"
    assert dict(latest.image.annotations) == {"from-image": "1", "description": "the newest"}
    assert latest.spec.annotations["description"] == "the newest"
    assert latest.pull_spec == latest.image.docker_image_reference == f"registry.example.com/team/ruby@{digest('a')}"
    # Tagging again without annotations keeps the ones the tag has.
    push(stub, "ruby", "2.0", "b")
    tag(stub, istag("ruby:2.0"), "ruby:latest")
    assert get_istag(stub, "ruby:latest").spec.annotations["description"] == "the newest"


def test_list_image_stream_tags_pages_across_streams(stub) -> None:
    for stream in ("a", "b"):
        for name in ("1", "2", "3"):
            tag(stub, docker(pinned("a")), f"{stream}:{name}")
    seen, token = [], ""
    while True:
        page = stub.ListImageStreamTags(api.ListImageStreamTagsRequest(namespace="team", page_size=4, page_token=token))
        seen.extend(f"{t.stream}:{t.tag}" for t in page.image_stream_tags)
        if not (token := page.next_page_token):
            break
    assert seen == ["a:1", "a:2", "a:3", "b:1", "b:2", "b:3"]
    one = stub.ListImageStreamTags(api.ListImageStreamTagsRequest(namespace="team", stream="b"))
    assert [t.tag for t in one.image_stream_tags] == ["1", "2", "3"]
    error = failure(lambda: stub.ListImageStreamTags(api.ListImageStreamTagsRequest(namespace="team", stream="zz")))
    assert error.code == grpc.StatusCode.NOT_FOUND


def test_local_reference_policy_pulls_through_the_stream_repository(tmp_path: Path) -> None:
    with running_server(sqlite_store(tmp_path), registry_hostname="registry.local:5000") as server:
        tag(server.stub, docker(pinned("a")), "ruby:local", reference_policy=pb.REFERENCE_POLICY_TYPE_LOCAL)
        tag(server.stub, docker(pinned("a")), "ruby:source")
        assert get_istag(server.stub, "ruby:local").pull_spec == f"registry.local:5000/team/ruby@{digest('a')}"
        assert get_istag(server.stub, "ruby:source").pull_spec == pinned("a")
        described = server.stub.DescribeImageStream(api.DescribeImageStreamRequest(namespace="team", name="ruby"))
        assert described.image_repository == "registry.local:5000/team/ruby"
        stream = server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="ruby")).image_stream
        assert stream.image_repository == "registry.local:5000/team/ruby"


def test_health_and_reflection_are_served(server) -> None:
    health = health_pb2_grpc.HealthStub(server.channel)
    for service in ("", "imagestreams.v1.ImageStreamService"):
        assert (
            health.Check(health_pb2.HealthCheckRequest(service=service)).status
            == health_pb2.HealthCheckResponse.SERVING
        )
    reflection = reflection_pb2_grpc.ServerReflectionStub(server.channel)
    responses = reflection.ServerReflectionInfo(iter([reflection_pb2.ServerReflectionRequest(list_services="")]))
    names = {s.name for r in responses for s in r.list_services_response.service}
    assert "imagestreams.v1.ImageStreamService" in names
