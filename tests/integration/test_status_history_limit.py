"""The status history limit (`--max-status-history`) over gRPC, on both stores: a move that makes a tag's
status history longer than the limit trims the oldest entries in the same change, as pruning trims them;
ListTagHistory and reads of the past still see every move."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from imagestreams.v1 import image_stream_service_pb2 as api

from tests.support.builders import digest, istag, push, tag
from tests.support.server import TestServer, running_server

LIMIT = 3


@pytest.fixture
def server(store_config) -> Iterator[TestServer]:  # type: ignore[no-untyped-def]
    with running_server(store_config, max_status_history=LIMIT) as running:
        yield running


def status(stub, stream: str, tag: str, **as_of) -> list[str]:  # type: ignore[no-untyped-def]
    """The tag's status history, newest first (images), as describe lists it."""
    request = api.GetImageStreamRequest(namespace="team", name=stream, **as_of)
    tags = {t.tag: t for t in stub.GetImageStream(request).image_stream.status_tags}
    return [item.image for item in tags[tag].items] if tag in tags else []


def test_a_move_beyond_the_limit_trims_the_oldest_entries_in_the_same_change(stub) -> None:
    for seed in "abc":
        push(stub, "ruby", "prod", seed)
    assert status(stub, "ruby", "prod") == [digest(s) for s in "cba"]
    moved = push(stub, "ruby", "prod", "d")
    assert status(stub, "ruby", "prod") == [digest(s) for s in "dcb"]
    # The trim is part of the move's own save: read as of the position the push answered, it is done.
    assert status(stub, "ruby", "prod", as_of=api.AsOf(position=moved.position)) == [digest(s) for s in "dcb"]
    for seed in "ef01":
        push(stub, "ruby", "prod", seed)
    assert status(stub, "ruby", "prod") == [digest(s) for s in "10f"]
    # Another tag of the stream is trimmed by its own moves only.
    push(stub, "ruby", "dev", "9")
    assert status(stub, "ruby", "dev") == [digest("9")]
    assert status(stub, "ruby", "prod") == [digest(s) for s in "10f"]


def test_history_and_the_past_keep_every_entry(stub) -> None:
    positions = [push(stub, "ruby", "prod", seed).position for seed in "abcdef"]
    request = api.ListTagHistoryRequest(namespace="team", stream="ruby", tag="prod")
    entries = stub.ListTagHistory(request).entries
    assert [e.event.image for e in entries if e.change == "moved"] == [digest(s) for s in "abcdef"]
    # The trims add no history rows: every row is a move of its own.
    assert {e.change for e in entries} == {"moved"}
    # Read as of a position, the status is what it was then: already trimmed to the limit.
    at = api.AsOf(position=positions[3])
    assert status(stub, "ruby", "prod", as_of=at) == [digest(s) for s in "dcb"]
    at = api.AsOf(position=positions[1])
    assert status(stub, "ruby", "prod", as_of=at) == [digest(s) for s in "ba"]
    tag = stub.GetImageStreamTag(
        api.GetImageStreamTagRequest(namespace="team", stream="ruby", tag="prod", as_of=api.AsOf(position=positions[0]))
    ).image_stream_tag
    assert tag.image.name == digest("a")


def test_a_tag_that_follows_another_is_trimmed_in_the_same_change(stub) -> None:
    push(stub, "ruby", "prod", "a")
    tag(stub, istag("ruby:prod"), "ruby:latest", alias=True)
    for seed in "bcde":
        push(stub, "ruby", "prod", seed)
    # The alias's own status moved with each follow, and is held to the limit too.
    assert status(stub, "ruby", "latest") == [digest(s) for s in "edc"]
    assert status(stub, "ruby", "prod") == [digest(s) for s in "edc"]
