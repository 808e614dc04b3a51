"""Large answers built cheaply, to the same bytes: `convert.set_timestamp` sets what protobuf's
`Timestamp.FromDatetime` sets, for every kind of datetime the service may hold; history entries and streams
built in place serialize as when every part was made apart and passed in."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb
from imagestreams_server.api import convert
from imagestreams_server.domain.history import TagCondition, TagEvent
from imagestreams_server.domain.state import StreamState, TagStatus
from imagestreams_server.domain.tags import Source, SourceKind, TagSpec

ZONES = [
    None,
    UTC,
    timezone(timedelta(hours=2)),
    timezone(-timedelta(hours=9, minutes=30)),
    timezone(timedelta(hours=5, seconds=17, microseconds=250_001)),
    timezone(-timedelta(seconds=1, microseconds=1)),
]


def wire(message: Message) -> bytes:
    """A message's bytes with map entries (annotations, labels) in key order: without it their order may
    differ between two equal messages."""
    return message.SerializeToString(deterministic=True)


def from_datetime(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def expected(value: datetime) -> tuple[int, int]:
    ts = from_datetime(value)
    return ts.seconds, ts.nanos


def converted(value: datetime) -> tuple[int, int]:
    ts = Timestamp()
    convert.set_timestamp(ts, value)
    return ts.seconds, ts.nanos


def sample(rng: random.Random) -> datetime:
    moment = datetime(2, 1, 1) + timedelta(seconds=rng.uniform(0, 9_997 * 365.25 * 86_400))
    return moment.replace(microsecond=rng.randrange(1_000_000), tzinfo=rng.choice(ZONES))


def test_the_same_seconds_and_nanos_as_from_datetime() -> None:
    rng = random.Random(7)
    edges = [
        datetime(1970, 1, 1, tzinfo=zone) + timedelta(microseconds=delta)
        for zone in ZONES
        for delta in (-1_000_001, -1, 0, 1, 999_999, 1_000_000)
    ]
    for value in edges + [sample(rng) for _ in range(20_000)]:
        assert converted(value) == expected(value), value


@pytest.mark.parametrize(
    "value",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))),
        datetime(9999, 12, 31, 23, 59, 59, tzinfo=timezone(-timedelta(hours=1))),
    ],
)
def test_out_of_range_fails_as_from_datetime_does(value: datetime) -> None:
    with pytest.raises(Exception) as wanted:
        expected(value)
    with pytest.raises(wanted.type):
        converted(value)


def tag_event_as_before(event: TagEvent) -> pb.TagEvent:
    """A status entry as it was built before: Timestamp.FromDatetime through the constructor."""
    return pb.TagEvent(
        create_time=from_datetime(event.created),
        docker_image_reference=event.docker_image_reference,
        image=event.image,
        generation=event.generation,
    )


def test_a_history_converts_to_the_same_bytes_as_message_by_message() -> None:
    rng = random.Random(3)
    items = [
        TagEvent(sample(rng), f"registry.example.com/team/app@sha256:{i:064x}", f"sha256:{i:064x}", i % 4)
        for i in range(50)
    ]
    items.append(TagEvent(datetime(1970, 1, 1, tzinfo=UTC), "", "", 0))
    condition = TagCondition("ImportSuccess", "False", sample(rng), "NotFound", "gone", 2)
    status = TagStatus(items=items, conditions=[condition])

    def as_before_condition(value: TagCondition) -> pb.TagEventCondition:
        return pb.TagEventCondition(
            type=value.type,
            status=value.status,
            last_transition_time=from_datetime(value.last_transition_time),
            reason=value.reason,
            message=value.message,
            generation=value.generation,
        )

    before = pb.NamedTagEventList(
        tag="latest", items=[tag_event_as_before(i) for i in items], conditions=[as_before_condition(condition)]
    )
    assert wire(convert.named_tag_event_list("latest", status)) == wire(before)
    assert all(wire(convert.tag_event(i)) == wire(tag_event_as_before(i)) for i in items)


def stream_as_before(state: StreamState, position: int, repository: str, public: str) -> pb.ImageStream:
    """The stream as it was built before: every part made apart and passed to the constructor."""

    return pb.ImageStream(
        image_repository=repository,
        public_docker_image_repository=public,
        namespace=state.namespace,
        name=state.name,
        uid=state.uid,
        create_time=from_datetime(state.created) if state.created else None,
        generation=state.generation,
        annotations=state.annotations,
        docker_image_repository=state.docker_image_repository,
        lookup_local=state.lookup_local,
        spec_tags=[convert.tag_reference(state.spec_tags[t]) for t in sorted(state.spec_tags)],
        status_tags=[
            pb.NamedTagEventList(
                tag=t,
                items=[tag_event_as_before(i) for i in state.status_tags[t].items],
                conditions=[convert.condition(c) for c in state.status_tags[t].conditions],
            )
            for t in sorted(state.status_tags)
        ],
        position=position,
    )


@pytest.mark.parametrize("created", [None, datetime(2026, 3, 4, 5, 6, 7, 890_123, tzinfo=UTC)])
def test_a_stream_built_in_place_has_the_same_bytes(created: datetime | None) -> None:
    rng = random.Random(5)
    state = StreamState(
        "team",
        "app",
        uid="u-1",
        created=created,
        generation=4,
        annotations={"b": "2", "a": "1", "openshift.io/display-name": "App"},
        docker_image_repository="registry.example.com/team/app",
        lookup_local=True,
        spec_tags={
            name: TagSpec(name, Source(SourceKind.DOCKER_IMAGE, f"registry.example.com/team/app:{name}"), {"k": name})
            for name in ("latest", "v1", "a")
        },
        status_tags={
            name: TagStatus(
                items=[TagEvent(sample(rng), f"r/{name}@sha256:{i:064x}", f"sha256:{i:064x}", i) for i in range(n)],
                conditions=[TagCondition("ImportSuccess", "False", sample(rng), "x", "y", 1)] if n == 1 else [],
            )
            for name, n in (("latest", 20), ("v1", 1), ("empty", 0))
        },
    )
    want = wire(stream_as_before(state, 42, "reg/team/app", "pub/team/app"))
    assert wire(convert.image_stream(state, 42, "reg/team/app", "pub/team/app")) == want
    answer = api.ListImageStreamsResponse(next_page_token="n")
    convert.image_stream(state, 42, "reg/team/app", "pub/team/app", into=answer.image_streams.add())
    before = api.ListImageStreamsResponse(
        image_streams=[stream_as_before(state, 42, "reg/team/app", "pub/team/app")], next_page_token="n"
    )
    assert wire(answer) == wire(before)
    lists = convert.status_event_lists(state)
    assert wire(convert.image_stream(state, 42, "reg/team/app", "pub/team/app", lists)) == want
