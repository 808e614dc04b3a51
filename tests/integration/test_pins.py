"""Pinned tags: imports, pushes and alias follows leave them alone (recorded as skipped moves); Tag and
RollbackTag still move them; on both stores."""

from __future__ import annotations

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import watch_service_pb2 as watch_api

from tests.support.builders import digest, docker, failure, get_istag, istag, pinned, push, tag
from tests.support.server import TestServer
from tests.support.watch import Watcher


def pin(stub, spec: str, reason: str = ""):  # type: ignore[no-untyped-def]
    stream, _, tag_name = spec.partition(":")
    return stub.PinTag(api.PinTagRequest(namespace="team", stream=stream, tag=tag_name, reason=reason))


def unpin(stub, spec: str):  # type: ignore[no-untyped-def]
    stream, _, tag_name = spec.partition(":")
    return stub.UnpinTag(api.UnpinTagRequest(namespace="team", stream=stream, tag=tag_name))


def moves(stub, stream: str, tag_name: str) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    request = api.ListTagHistoryRequest(namespace="team", stream=stream, tag=tag_name)
    return [(e.change, e.move_cause, e.event.image) for e in stub.ListTagHistory(request).entries]


def describe(stub, stream: str) -> api.DescribeImageStreamResponse:  # type: ignore[no-untyped-def]
    return stub.DescribeImageStream(api.DescribeImageStreamRequest(namespace="team", name=stream))


def test_a_pinned_tag_stays_through_pushes_and_says_what_it_skipped(server: TestServer) -> None:
    stub = server.stub
    push(stub, "ruby", "prod", "a")
    watcher = Watcher(server.channel, namespace="team", stream="ruby", tag="prod")
    answer = pin(stub, "ruby:prod", "incident 42")
    assert answer.message == "Tag ruby:prod pinned."
    assert (answer.pin.tag, answer.pin.reason) == ("prod", "incident 42") and answer.pin.actor
    push(stub, "ruby", "prod", "b")
    push(stub, "ruby", "prod", "b")  # the same move again: nothing more recorded
    push(stub, "ruby", "prod", "c")
    assert get_istag(stub, "ruby:prod").image.name == digest("a")
    assert moves(stub, "ruby", "prod") == [
        ("moved", "push", digest("a")),
        ("skipped", "push", digest("b")),
        ("skipped", "push", digest("c")),
    ]
    described = describe(stub, "ruby")
    assert [(p.tag, p.reason) for p in described.pins] == [("prod", "incident 42")]
    [skipped] = described.skipped_moves
    assert (skipped.tag, skipped.event.image, skipped.move_cause, skipped.count) == ("prod", digest("c"), "push", 2)
    assert len(described.tags[0].status.items) == 1
    seen = watcher.changes(3)
    assert [(c.kind, c.pinned, c.pin_reason) for c in seen[:1]] == [
        (watch_api.CHANGE_KIND_TAG_PIN_CHANGED, True, "incident 42")
    ]
    assert [(c.kind, c.current.image, c.move_cause) for c in seen[1:]] == [
        (watch_api.CHANGE_KIND_TAG_MOVE_SKIPPED, digest("b"), "push"),
        (watch_api.CHANGE_KIND_TAG_MOVE_SKIPPED, digest("c"), "push"),
    ]
    # Unpinned, it stays where it is until something moves it.
    assert unpin(stub, "ruby:prod").message == "Tag ruby:prod unpinned."
    assert unpin(stub, "ruby:prod").message == "Tag ruby:prod was not pinned."
    unpinned = watcher.changes(1)[0]
    assert (unpinned.kind, unpinned.pinned) == (watch_api.CHANGE_KIND_TAG_PIN_CHANGED, False)
    watcher.call.cancel()
    assert get_istag(stub, "ruby:prod").image.name == digest("a")
    assert [(s.tag, s.count) for s in describe(stub, "ruby").skipped_moves] == [("prod", 2)]
    push(stub, "ruby", "prod", "d")
    assert get_istag(stub, "ruby:prod").image.name == digest("d")
    assert not describe(stub, "ruby").skipped_moves


def test_alias_follows_stop_at_a_pinned_alias_while_tag_and_rollback_still_move_it(stub) -> None:
    push(stub, "app", "2.0", "a")
    tag(stub, istag("app:2.0"), "app:latest", alias=True)
    tag(stub, istag("app:latest"), "app:prod", alias=True)
    pin(stub, "app:latest")
    push(stub, "app", "2.0", "b")
    assert [get_istag(stub, f"app:{t}").image.name for t in ("2.0", "latest", "prod")] == [
        digest("b"),
        digest("a"),
        digest("a"),  # follows latest, which stayed
    ]
    assert moves(stub, "app", "latest")[-1] == ("skipped", "alias", digest("b"))
    # An explicit tag moves a pinned tag, and it stays pinned.
    tag(stub, docker(pinned("c", "team/app")), "app:latest")
    assert moves(stub, "app", "latest")[-1] == ("moved", "tag", digest("c"))
    assert get_istag(stub, "app:prod").image.name == digest("c")
    rolled = stub.RollbackTag(api.RollbackTagRequest(namespace="team", stream="app", tag="latest"))
    assert rolled.image == digest("a")
    assert moves(stub, "app", "latest")[-1] == ("moved", "rollback", digest("a"))
    assert [p.tag for p in describe(stub, "app").pins] == ["latest"]
    push(stub, "app", "latest", "e")
    assert get_istag(stub, "app:latest").image.name == digest("a")


def test_pins_of_what_does_not_exist_and_long_reasons_are_refused(stub) -> None:
    push(stub, "web", "1", "a")
    assert failure(lambda: pin(stub, "web:nope")).code == grpc.StatusCode.NOT_FOUND
    assert failure(lambda: pin(stub, "nope:1")).code == grpc.StatusCode.NOT_FOUND
    assert failure(lambda: unpin(stub, "web:nope")).code == grpc.StatusCode.NOT_FOUND
    long = failure(lambda: pin(stub, "web:1", "x" * 1025))
    assert long.code == grpc.StatusCode.INVALID_ARGUMENT and "reason" in long.fields
    bad = failure(lambda: pin(stub, "web:"))
    assert bad.code == grpc.StatusCode.INVALID_ARGUMENT and "tag" in bad.fields
    # Deleting a pinned tag removes its pin with it.
    pin(stub, "web:1", "hold")
    stub.DeleteTag(api.DeleteTagRequest(namespace="team", stream="web", tag="1"))
    push(stub, "web", "1", "b")
    assert get_istag(stub, "web:1").image.name == digest("b")
    assert not describe(stub, "web").pins
