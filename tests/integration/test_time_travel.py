"""Reads as of a point of the past equal a replay of the log up to that point, and what a present-day read
said at that point (property-based, on both stores); the RPCs and their errors over gRPC."""

from __future__ import annotations

import contextlib
import dataclasses
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import grpc
import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams_server.application.commands import Destination, MappingInput, RollbackInput, TagInput
from imagestreams_server.application.service import Service
from imagestreams_server.application.time_travel import AsOf, TimeTravel
from imagestreams_server.domain.errors import DomainError, NotFound
from imagestreams_server.domain.imagestream import stream_id
from imagestreams_server.domain.tags import Source, SourceKind
from imagestreams_server.store.app import EventLog

from tests.support.builders import digest, failure, push

REGISTRY = "registry.example.com"
TAGS = st.sampled_from(["1", "2", "latest", "prod"])
SEEDS = st.sampled_from(["a", "b", "c", "d"])
OPS = st.lists(
    st.one_of(
        st.tuples(st.just("push"), TAGS, SEEDS),
        st.tuples(st.just("alias"), TAGS, TAGS),
        st.tuples(st.just("delete"), TAGS),
        st.tuples(st.just("pin"), TAGS),
        st.tuples(st.just("unpin"), TAGS),
        st.tuples(st.just("rollback"), TAGS),
        st.tuples(st.just("delete_stream")),
    ),
    min_size=1,
    max_size=10,
)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@dataclass
class World:
    log: EventLog
    clock: Clock
    service: Service

    def run(self, stream: str, op: tuple[Any, ...]) -> None:
        commands = self.service.commands
        kind, *args = op
        if kind == "push":
            tag, seed = args
            ref = f"{REGISTRY}/team/{stream}@{digest(seed)}"
            commands.create_mapping(MappingInput("team", stream, tag, digest(seed), ref))
        elif kind == "alias":
            tag, target = args
            source = Source(SourceKind.IMAGE_STREAM_TAG, f"{stream}:{target}", "team")
            commands.tag(TagInput("team", source, [Destination("team", stream, tag)], alias=True))
        elif kind == "delete":
            commands.delete_tag("team", stream, args[0])
        elif kind == "pin":
            commands.pin_tag("team", stream, args[0], "held")
        elif kind == "unpin":
            commands.unpin_tag("team", stream, args[0])
        elif kind == "rollback":
            commands.rollback_tag(RollbackInput("team", stream, args[0]))
        else:
            commands.delete_stream("team", stream)


@pytest.fixture
def world(store_config) -> Iterator[World]:  # type: ignore[no-untyped-def]
    # A snapshot every 3 events of a stream, so that most reads start from one and replay what follows it.
    log = EventLog(dataclasses.replace(store_config, snapshot_interval=3))
    log.ensure_read_models()
    clock = Clock()
    try:
        yield World(log, clock, Service(log, clock=clock))
    finally:
        log.close()


def replayed(log: EventLog, aggregate_id: str, position: int) -> Any:
    """The stream as the whole log, replayed from its start up to `position`, leaves it."""
    aggregate = None
    for at, event in log.replay():
        if at > position:
            break
        if event.originator_id == aggregate_id:
            aggregate = event.mutate(aggregate)
    return None if aggregate is None or aggregate.deleted else aggregate.state


def present(world: World, stream: str) -> Any:
    try:
        return world.service.queries.describe("team", stream)
    except NotFound:
        return None


def past(travel: TimeTravel, stream: str, as_of: AsOf) -> Any:
    try:
        return travel.describe("team", stream, as_of)
    except NotFound:
        return None


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=OPS)
def test_as_of_equals_the_replay_and_what_was_read_then(world: World, ops: list[tuple[Any, ...]]) -> None:
    stream = f"s{uuid.uuid4().hex[:10]}"
    seen: list[tuple[int, datetime, Any]] = []
    for op in ops:
        world.clock.now += timedelta(seconds=1)
        # Refused (a tag that does not exist, an alias cycle...): nothing recorded.
        with contextlib.suppress(DomainError):
            world.run(stream, op)
        seen.append((world.log.max_position(), world.clock.now, present(world, stream)))
    travel = TimeTravel(world.log, world.service.queries, world.clock)
    for position, moment, then in seen:
        by_position = past(travel, stream, AsOf(position=position))
        assert by_position == then
        assert past(travel, stream, AsOf(time=moment)) == then
        state = replayed(world.log, stream_id("team", stream), position)
        assert (by_position.stream.state if by_position else None) == state


def test_reads_as_of_over_grpc(stub) -> None:
    first = push(stub, "ruby", "prod", "a").position
    push(stub, "ruby", "prod", "b")
    at = api.AsOf(position=first)
    old = stub.GetImageStreamTag(api.GetImageStreamTagRequest(namespace="team", stream="ruby", tag="prod", as_of=at))
    assert old.image_stream_tag.image.name == digest("a")
    now = stub.GetImageStreamTag(api.GetImageStreamTagRequest(namespace="team", stream="ruby", tag="prod"))
    assert now.image_stream_tag.image.name == digest("b")
    stream = stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="ruby", as_of=at)).image_stream
    assert stream.position == first and len(stream.status_tags[0].items) == 1
    described = stub.DescribeImageStream(api.DescribeImageStreamRequest(namespace="team", name="ruby", as_of=at))
    assert [e.image for e in described.tags[0].status.items] == [digest("a")]
    listed = stub.ListImageStreamTags(api.ListImageStreamTagsRequest(namespace="team", stream="ruby", as_of=at))
    assert [t.image.name for t in listed.image_stream_tags] == [digest("a")]
    stub.DeleteImageStream(api.DeleteImageStreamRequest(namespace="team", name="ruby"))
    # The log still knows what was deleted.
    again = stub.GetImageStreamTag(api.GetImageStreamTagRequest(namespace="team", stream="ruby", tag="prod", as_of=at))
    assert again.image_stream_tag.image.name == digest("a")
    long_ago = api.AsOf(time=Timestamp(seconds=1))
    gone = failure(
        lambda: stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="ruby", as_of=long_ago))
    )
    assert gone.code == grpc.StatusCode.NOT_FOUND
    ahead = failure(
        lambda: stub.GetImageStream(
            api.GetImageStreamRequest(namespace="team", name="ruby", as_of=api.AsOf(position=10**9))
        )
    )
    assert ahead.code == grpc.StatusCode.OUT_OF_RANGE
    future = api.AsOf(time=Timestamp(seconds=4_000_000_000))
    later = failure(lambda: stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="ruby", as_of=future)))
    assert later.code == grpc.StatusCode.INVALID_ARGUMENT and "as_of.time" in later.fields
    empty = failure(
        lambda: stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="ruby", as_of=api.AsOf()))
    )
    assert empty.code == grpc.StatusCode.INVALID_ARGUMENT and "as_of" in empty.fields
    no_stream = failure(lambda: stub.ListImageStreamTags(api.ListImageStreamTagsRequest(namespace="team", as_of=at)))
    assert no_stream.code == grpc.StatusCode.INVALID_ARGUMENT and "stream" in no_stream.fields
