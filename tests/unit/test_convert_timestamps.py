"""Times in answers: `convert.set_timestamp` sets what protobuf's `Timestamp.FromDatetime` sets, for every kind
of datetime the service may hold, and history entries convert to the same bytes either way."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta, timezone

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from imagestreams.v1 import resources_pb2 as pb
from imagestreams_server.api import convert
from imagestreams_server.domain.history import TagCondition, TagEvent
from imagestreams_server.domain.state import TagStatus

ZONES = [
    None,
    UTC,
    timezone(timedelta(hours=2)),
    timezone(-timedelta(hours=9, minutes=30)),
    timezone(timedelta(hours=5, seconds=17, microseconds=250_001)),
    timezone(-timedelta(seconds=1, microseconds=1)),
]


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


def test_a_history_converts_to_the_same_bytes_as_message_by_message() -> None:
    rng = random.Random(3)
    items = [
        TagEvent(sample(rng), f"registry.example.com/team/app@sha256:{i:064x}", f"sha256:{i:064x}", i % 4)
        for i in range(50)
    ]
    items.append(TagEvent(datetime(1970, 1, 1, tzinfo=UTC), "", "", 0))
    condition = TagCondition("ImportSuccess", "False", sample(rng), "NotFound", "gone", 2)
    status = TagStatus(items=items, conditions=[condition])

    def as_before(event: TagEvent) -> pb.TagEvent:
        return pb.TagEvent(
            create_time=from_datetime(event.created),
            docker_image_reference=event.docker_image_reference,
            image=event.image,
            generation=event.generation,
        )

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
        tag="latest", items=[as_before(i) for i in items], conditions=[as_before_condition(condition)]
    )
    assert convert.named_tag_event_list("latest", status).SerializeToString() == before.SerializeToString()
    assert all(convert.tag_event(i).SerializeToString() == as_before(i).SerializeToString() for i in items)
