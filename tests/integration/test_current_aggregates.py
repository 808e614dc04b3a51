"""Commands load the aggregates this replica saved last from memory (store/current_aggregates.py): another
replica's write to one of them is never lost, even while this replica's follower of the log has not met it."""

from __future__ import annotations

import asyncio

from imagestreams.v1 import image_stream_service_pb2 as api

from tests.support.builders import digest, push
from tests.support.server import TestServer, postgres_store, running_server


def stop_following(server: TestServer) -> None:
    """The server's follower of the log stops, as if every wake-up from the other replica were lost."""
    hub = server.running.hub
    asyncio.run_coroutine_threadsafe(hub.stop(), hub._loop).result(10)


def tags_of(server: TestServer) -> dict[str, str]:
    stream = server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="app"), timeout=10)
    return {t.tag: t.items[0].image for t in stream.image_stream.status_tags}


def test_a_write_on_a_stream_another_replica_changed_unseen_keeps_that_change(postgres_url: str) -> None:
    store = postgres_store(postgres_url)
    with running_server(store) as one, running_server(store, watch_poll_interval=60) as two:
        push(two.stub, "app", "a", 1)  # two saved the stream last: its copy is current
        stop_following(two)
        push(one.stub, "app", "b", 2)  # two does not learn of it
        position = push(two.stub, "app", "c", 3).position  # on a copy that is one move behind: collides, retried
        expected = {"a": digest(1), "b": digest(2), "c": digest(3)}
        assert tags_of(one) == expected
        request = api.GetImageStreamRequest(namespace="team", name="app", min_position=position)
        stream = two.stub.GetImageStream(request, timeout=10).image_stream
        assert {t.tag: t.items[0].image for t in stream.status_tags} == expected


def test_a_replica_keeps_writing_a_stream_the_other_keeps_writing(postgres_url: str) -> None:
    store = postgres_store(postgres_url)
    with running_server(store) as one, running_server(store) as two:
        for n in range(10):
            push(one.stub, "app", f"one{n}", n)
            push(two.stub, "app", f"two{n}", 100 + n)
        tags = tags_of(one)
        assert tags == {**{f"one{n}": digest(n) for n in range(10)}, **{f"two{n}": digest(100 + n) for n in range(10)}}
