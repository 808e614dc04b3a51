"""RollbackTag: a tag put back at an earlier image of its history, as a permanent tag; on both stores."""

from __future__ import annotations

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from tests.support.builders import digest, failure, get_istag, istag, push, tag


def rollback(stub, spec: str, **target):  # type: ignore[no-untyped-def]
    stream, _, tag_name = spec.partition(":")
    return stub.RollbackTag(api.RollbackTagRequest(namespace="team", stream=stream, tag=tag_name, **target))


def last_move(stub, stream: str, tag_name: str) -> pb.TagHistoryEntry:  # type: ignore[no-untyped-def]
    request = api.ListTagHistoryRequest(namespace="team", stream=stream, tag=tag_name, newest_first=True)
    return stub.ListTagHistory(request).entries[0]


def test_back_to_the_image_before_then_to_any_revision(stub) -> None:
    for seed in ("a", "b", "c"):
        push(stub, "ruby", "prod", seed)
    result = rollback(stub, "ruby:prod")
    assert (result.revision, result.image, result.stopped_tracking) == (2, digest("b"), "")
    assert result.message == f"Tag ruby:prod rolled back to revision 2 ({digest('b')})."
    spec = getattr(result.tag, "from")
    assert (spec.kind, spec.name) == (pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, f"ruby@{digest('b')}")
    assert get_istag(stub, "ruby:prod").image.name == digest("b")
    move = last_move(stub, "ruby", "prod")
    assert (move.change, move.move_cause, move.event.image, move.position) == (
        "moved",
        "rollback",
        digest("b"),
        result.position,
    )
    # The rollback is itself a revision (4); revision 1 is the first image.
    assert rollback(stub, "ruby:prod", to_revision=1).image == digest("a")
    assert rollback(stub, "ruby:prod", to_image=digest("c")[7:14]).revision == 3
    assert get_istag(stub, "ruby:prod").image.name == digest("c")
    # A push moves it again: it is a permanent tag, not a pinned one.
    push(stub, "ruby", "prod", "d")
    assert get_istag(stub, "ruby:prod").image.name == digest("d")


def test_an_alias_becomes_a_permanent_tag_and_says_so(stub) -> None:
    push(stub, "app", "2.0", "a")
    tag(stub, istag("app:2.0"), "app:latest", alias=True)
    tag(stub, istag("app:latest"), "app:prod", alias=True)
    push(stub, "app", "2.0", "b")
    result = rollback(stub, "app:latest")
    assert result.stopped_tracking == "2.0"
    assert result.message == (
        f"Tag app:latest no longer tracks app:2.0; it is a permanent tag now, rolled back to revision 1 "
        f"({digest('a')})."
    )
    # What tracks the rolled-back tag follows it, as an alias move.
    assert get_istag(stub, "app:prod").image.name == digest("a")
    assert last_move(stub, "app", "prod").move_cause == "alias"
    push(stub, "app", "2.0", "c")
    assert get_istag(stub, "app:latest").image.name == digest("a")
    assert get_istag(stub, "app:prod").image.name == digest("a")


def test_what_cannot_be_rolled_back_says_why(stub) -> None:
    push(stub, "one", "1", "a")
    push(stub, "one", "2", "b")
    push(stub, "one", "2", "c")
    only = failure(lambda: rollback(stub, "one:1"))
    assert only.code == grpc.StatusCode.FAILED_PRECONDITION and "nothing to roll back to" in only.message
    assert failure(lambda: rollback(stub, "one:nope")).code == grpc.StatusCode.NOT_FOUND
    assert failure(lambda: rollback(stub, "nope:1")).code == grpc.StatusCode.NOT_FOUND
    beyond = failure(lambda: rollback(stub, "one:2", to_revision=3))
    assert beyond.code == grpc.StatusCode.INVALID_ARGUMENT and "to_revision" in beyond.fields
    assert "revisions 1 to 2" in beyond.message
    both = failure(lambda: rollback(stub, "one:2", to_revision=1, to_image="b"))
    assert both.code == grpc.StatusCode.INVALID_ARGUMENT and "to_image" in both.fields
    other = failure(lambda: rollback(stub, "one:2", to_image=digest("a")))
    assert other.code == grpc.StatusCode.INVALID_ARGUMENT and "to_image" in other.fields
    bad_tag = failure(lambda: rollback(stub, "one:"))
    assert bad_tag.code == grpc.StatusCode.INVALID_ARGUMENT and "tag" in bad_tag.fields
    assert get_istag(stub, "one:2").image.name == digest("c")


def test_back_to_what_the_tag_had_at_a_point_of_the_past(stub) -> None:
    push(stub, "web", "prod", "a")
    then = push(stub, "web", "prod", "b").position
    push(stub, "web", "prod", "c")
    result = rollback(stub, "web:prod", as_of=api.AsOf(position=then))
    assert (result.image, result.revision) == (digest("b"), 2)
    assert get_istag(stub, "web:prod").image.name == digest("b")
    both = failure(lambda: rollback(stub, "web:prod", to_revision=1, as_of=api.AsOf(position=then)))
    assert both.code == grpc.StatusCode.INVALID_ARGUMENT and "as_of" in both.fields
    before = failure(lambda: rollback(stub, "web:other", as_of=api.AsOf(position=then)))
    assert before.code == grpc.StatusCode.FAILED_PRECONDITION and "as_of" in before.fields
