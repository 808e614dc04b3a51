"""Pull specs over gRPC, on both stores: tags with no image yet resolve from their spec, a spec newer than its
last image resolves from the spec, and a public registry hostname gives streams `public_docker_image_repository`
and tags a pull spec in that form."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from tests.support.builders import REGISTRY, digest, docker, push, tag
from tests.support.server import TestServer, running_server

INTERNAL = "image-registry.svc:5000"
PUBLIC = "images.example.com"
LOCAL = pb.REFERENCE_POLICY_TYPE_LOCAL


@pytest.fixture
def registry_server(store_config) -> Iterator[TestServer]:  # type: ignore[no-untyped-def]
    with running_server(store_config, registry_hostname=INTERNAL, registry_public_hostname=PUBLIC) as running:
        yield running


def get_istag(stub, name: str) -> pb.ImageStreamTag:  # type: ignore[no-untyped-def]
    stream, _, tag_name = name.partition(":")
    request = api.GetImageStreamTagRequest(namespace="team", stream=stream, tag=tag_name)
    return stub.GetImageStreamTag(request, timeout=30).image_stream_tag


def test_streams_carry_the_public_repository(registry_server: TestServer) -> None:
    stub = registry_server.stub
    created = stub.CreateImageStream(
        api.CreateImageStreamRequest(image_stream=pb.ImageStream(namespace="team", name="ruby")), timeout=30
    ).image_stream
    assert created.image_repository == f"{INTERNAL}/team/ruby"
    assert created.public_docker_image_repository == f"{PUBLIC}/team/ruby"
    got = stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="ruby")).image_stream
    listed = stub.ListImageStreams(api.ListImageStreamsRequest(namespace="team")).image_streams
    described = stub.DescribeImageStream(api.DescribeImageStreamRequest(namespace="team", name="ruby"))
    assert got.public_docker_image_repository == listed[0].public_docker_image_repository == f"{PUBLIC}/team/ruby"
    assert described.public_docker_image_repository == f"{PUBLIC}/team/ruby"
    assert described.image_stream.public_docker_image_repository == f"{PUBLIC}/team/ruby"


def test_tags_with_no_image_yet_resolve_from_their_spec(registry_server: TestServer) -> None:
    stub = registry_server.stub
    tag(stub, docker("quay.io/team/app:1"), "ruby:source")
    tag(stub, docker("quay.io/team/app:1"), "ruby:local", reference_policy=LOCAL)
    source, local = get_istag(stub, "ruby:source"), get_istag(stub, "ruby:local")
    # Under Source the registry's image; under Local through the integrated registry, by tag.
    assert (source.pull_spec, source.public_pull_spec) == ("quay.io/team/app:1", "quay.io/team/app:1")
    assert local.pull_spec == f"{INTERNAL}/team/ruby:local"
    assert local.public_pull_spec == f"{PUBLIC}/team/ruby:local"
    assert not source.HasField("image") and not local.HasField("image")
    described = stub.DescribeImageStream(api.DescribeImageStreamRequest(namespace="team", name="ruby"))
    assert {t.tag: t.pull_spec for t in described.tags} == {
        "local": f"{INTERNAL}/team/ruby:local",
        "source": "quay.io/team/app:1",
    }


def test_images_resolve_through_the_public_registry_from_outside(registry_server: TestServer) -> None:
    stub = registry_server.stub
    image = digest("a1")
    # Pushed to the integrated registry: its pull spec names the internal host.
    stub.CreateImageStreamMapping(
        api.CreateImageStreamMappingRequest(
            namespace="team",
            name="ruby",
            tag="pushed",
            image=pb.Image(name=image, docker_image_reference=f"{INTERNAL}/team/ruby@{image}"),
        )
    )
    pushed = get_istag(stub, "ruby:pushed")
    assert pushed.pull_spec == f"{INTERNAL}/team/ruby@{image}"
    assert pushed.public_pull_spec == f"{PUBLIC}/team/ruby@{image}"
    tag(stub, docker(f"{REGISTRY}/team/app@{image}"), "ruby:local", reference_policy=LOCAL)
    local = get_istag(stub, "ruby:local")
    assert (local.pull_spec, local.public_pull_spec) == (f"{INTERNAL}/team/ruby@{image}", f"{PUBLIC}/team/ruby@{image}")
    assert local.image.docker_image_reference == f"{INTERNAL}/team/ruby@{image}"


def test_a_spec_newer_than_the_tags_image_resolves_from_the_spec(server: TestServer) -> None:
    stub = server.stub
    tag(stub, docker("quay.io/team/app:1"), "ruby:t")
    push(stub, "ruby", "t", "a1")
    assert get_istag(stub, "ruby:t").pull_spec == f"{REGISTRY}/team/ruby@{digest('a1')}"
    # Tagged again from another registry image: until it is imported, the image is the old one but clients
    # are sent to the new source, not to the stale entry.
    tag(stub, docker("quay.io/team/app:2"), "ruby:t")
    view = get_istag(stub, "ruby:t")
    assert view.pull_spec == "quay.io/team/app:2"
    assert view.image.name == digest("a1")
    assert view.image.docker_image_reference == f"{REGISTRY}/team/ruby@{digest('a1')}"
    # No registry hostname: no public form, and nothing to pull a Local tag through but its source.
    assert view.public_pull_spec == ""
    tag(stub, docker("quay.io/team/app:3"), "ruby:local", reference_policy=LOCAL)
    assert get_istag(stub, "ruby:local").pull_spec == "quay.io/team/app:3"
    stream = stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="ruby")).image_stream
    assert stream.public_docker_image_repository == ""
