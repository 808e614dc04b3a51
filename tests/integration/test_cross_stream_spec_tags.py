"""Spec tags whose source is a tag or an image of another stream or project, the shape of every OpenShift
template (`from: {kind: ImageStreamTag, namespace: openshift, name: ruby:2.0}`), on both stores: written as
given, the source's current image copied once, and the source project's pull right checked."""

from __future__ import annotations

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from tests.support.access import Admin, Stubs, bearer, denied, outcome, user
from tests.support.builders import REGISTRY, dest, digest, failure, isimage, istag, push
from tests.support.server import TestServer

PERMISSION_DENIED = grpc.StatusCode.PERMISSION_DENIED


def from_(source: pb.ObjectReference) -> dict[str, pb.ObjectReference]:
    return {"from": source}


def create(stub, name: str, *tags: pb.TagReference, namespace: str = "team"):  # type: ignore[no-untyped-def]
    stream = pb.ImageStream(namespace=namespace, name=name, spec_tags=list(tags))
    return stub.CreateImageStream(api.CreateImageStreamRequest(image_stream=stream), timeout=30)


def get_istag(stub, name: str, namespace: str = "team") -> pb.ImageStreamTag:  # type: ignore[no-untyped-def]
    stream, _, tag = name.partition(":")
    request = api.GetImageStreamTagRequest(namespace=namespace, stream=stream, tag=tag)
    return stub.GetImageStreamTag(request, timeout=30).image_stream_tag


def openshift_ruby(server: TestServer) -> None:
    """An `openshift` project with `ruby:2.0` (image a1) and `ruby:2.7` (image a2), as a cluster has."""
    server.create_project("openshift")
    push(server.stub, "ruby", "2.0", "a1", namespace="openshift")
    push(server.stub, "ruby", "2.7", "a2", namespace="openshift")


def test_a_spec_tag_of_another_projects_tag_copies_its_current_image_once(server: TestServer) -> None:
    openshift_ruby(server)
    stub = server.stub
    created = create(
        stub,
        "app",
        pb.TagReference(name="2.0", **from_(istag("ruby:2.0", "openshift"))),
        pb.TagReference(name="latest", **from_(istag("2.0"))),
        pb.TagReference(name="by-id", **from_(isimage(f"ruby@{digest('a2')[:20]}", "openshift"))),
    ).image_stream
    specs = {t.name: getattr(t, "from") for t in created.spec_tags}
    # Written as given: the kind, the other project and the tag name.
    assert specs["2.0"] == istag("ruby:2.0", "openshift")
    status = {t.tag: t.items for t in created.status_tags}
    assert [i.image for i in status["2.0"]] == [digest("a1")]
    assert status["2.0"][0].docker_image_reference == f"{REGISTRY}/openshift/ruby@{digest('a1')}"
    # A tag of the same stream tracks the copy; an image of another stream is recorded as well.
    assert [i.image for i in status["latest"]] == [digest("a1")]
    assert [i.image for i in status["by-id"]] == [digest("a2")]

    # A copy: the source moving on does not move the tag.
    push(stub, "ruby", "2.0", "b1", namespace="openshift")
    assert get_istag(stub, "app:2.0").image.name == digest("a1")
    described = stub.DescribeImageStream(api.DescribeImageStreamRequest(namespace="team", name="app"))
    lines = {t.tag: t.source_description for t in described.tags}
    assert lines["2.0"] == "tagged from openshift/ruby:2.0"


def test_a_source_stream_that_does_not_exist_is_not_found_and_nothing_is_written(server: TestServer) -> None:
    server.create_project("openshift")
    stub = server.stub
    error = failure(lambda: create(stub, "app", pb.TagReference(name="2.0", **from_(istag("ruby:2.0", "openshift")))))
    assert error.code == grpc.StatusCode.NOT_FOUND
    assert error.message == 'imagestream "openshift/ruby" not found'
    missing = failure(lambda: stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="app")))
    assert missing.code == grpc.StatusCode.NOT_FOUND


def test_a_source_tag_without_an_image_is_accepted_with_no_status_as_on_openshift(server: TestServer) -> None:
    openshift_ruby(server)
    created = create(server.stub, "app", pb.TagReference(name="3.0", **from_(istag("ruby:3.0", "openshift"))))
    assert [t.name for t in created.image_stream.spec_tags] == ["3.0"]
    assert list(created.image_stream.status_tags) == []


def test_apply_keeps_the_source_as_given_through_tag(server: TestServer) -> None:
    """`isctl apply -f` changes an existing stream's tags with Tag and `keep_source`."""
    openshift_ruby(server)
    stub = server.stub
    create(stub, "app")
    request = api.TagRequest(
        namespace="team", source=istag("ruby:2.7", "openshift"), destinations=[dest("app:2.7")], keep_source=True
    )
    first = stub.Tag(request, timeout=30)
    assert getattr(first.tags[0], "from") == istag("ruby:2.7", "openshift")
    assert first.messages == ["Tag app:2.7 set to openshift/ruby:2.7."]
    assert get_istag(stub, "app:2.7").image.name == digest("a2")
    # The same spec again changes nothing, even after the source moved (a copy is made when the spec changes).
    push(stub, "ruby", "2.7", "b2", namespace="openshift")
    stub.Tag(request, timeout=30)
    after = get_istag(stub, "app:2.7")
    assert after.image.name == digest("a2")
    assert after.position == first.position, "an unchanged spec records nothing"
    # Without it, a plain tag records the image (as `oc tag` does); an alias across streams stays refused.
    plain = stub.Tag(
        api.TagRequest(namespace="team", source=istag("ruby:2.7", "openshift"), destinations=[dest("app:copy")]),
        timeout=30,
    )
    assert getattr(plain.tags[0], "from") == isimage(f"ruby@{digest('b2')}", "openshift")
    alias = failure(
        lambda: stub.Tag(
            api.TagRequest(
                namespace="team",
                source=istag("ruby:2.7", "openshift"),
                destinations=[dest("app:alias")],
                alias=True,
                keep_source=True,
            ),
            timeout=30,
        )
    )
    assert alias.code == grpc.StatusCode.INVALID_ARGUMENT and "across different image streams" in alias.message


def developer(server: TestServer, admin: Admin) -> tuple[Stubs, str]:
    """`dev`, an editor of `team` with no rights in `openshift`, calling with a token of its own."""
    admin.create_user("dev")
    admin.bind("team", "edit", user("dev"))
    return Stubs(bearer(server.address, admin.token(user("dev")))), 'user "dev"'


def test_a_spec_tag_from_another_project_needs_the_pull_right_there(server: TestServer) -> None:
    openshift_ruby(server)
    admin = Admin(server)
    dev, who = developer(server, admin)
    try:
        for source in (istag("ruby:2.0", "openshift"), isimage(f"ruby@{digest('a1')}", "openshift")):
            refused = outcome(lambda s=source: create(dev.streams, "app", pb.TagReference(name="t", **from_(s))))
            assert refused.code == PERMISSION_DENIED
            assert refused.message == denied(who, "get", "imagestreams/layers", "openshift")
            assert refused.metadata == {"verb": "get", "resource": "imagestreams/layers", "namespace": "openshift"}
        nothing = outcome(lambda: dev.streams.GetImageStream(api.GetImageStreamRequest(namespace="team", name="app")))
        assert nothing.code == grpc.StatusCode.NOT_FOUND, "a refused create writes nothing"
        # The apply path (Tag) is checked the same way.
        create(dev.streams, "app")
        tag = api.TagRequest(
            namespace="team", source=istag("ruby:2.0", "openshift"), destinations=[dest("app:2.0")], keep_source=True
        )
        assert outcome(lambda: dev.streams.Tag(tag, timeout=30)).code == PERMISSION_DENIED

        admin.bind("openshift", "system:image-puller", user("dev"))
        created = create(dev.streams, "app2", pb.TagReference(name="2.0", **from_(istag("ruby:2.0", "openshift"))))
        assert [t.items[0].image for t in created.image_stream.status_tags] == [digest("a1")]
        dev.streams.Tag(tag, timeout=30)
        assert get_istag(dev.streams, "app:2.0").image.name == digest("a1")
        # Another stream of the same project needs no more than the create itself (as on OpenShift).
        create(dev.streams, "app3", pb.TagReference(name="x", **from_(istag("app:2.0"))))
        assert get_istag(dev.streams, "app3:x").image.name == digest("a1")
    finally:
        dev.channel.close()
