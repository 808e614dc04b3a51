"""Reads answered from memory (store/read_cache.py) answer what the read models would: a write is seen at once by
the replica that made it, and by another replica as soon as a read names its position (`min_position`), even
while that replica's follower of the log has not met the write yet."""

from __future__ import annotations

import asyncio

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams_server.application.commands import Destination, TagInput
from imagestreams_server.application.service import Service
from imagestreams_server.domain.tags import Source, SourceKind
from imagestreams_server.store.app import EventLog

from tests.support.builders import digest, pinned, push
from tests.support.server import TestServer, postgres_store, running_server


def current_image(server: TestServer, min_position: int = 0, stream: str = "app") -> str:
    request = api.GetImageStreamTagRequest(namespace="team", stream=stream, tag="t", min_position=min_position)
    return server.stub.GetImageStreamTag(request, timeout=10).image_stream_tag.image.name


def tag_input(image: str) -> TagInput:
    return TagInput(
        namespace="team", source=Source(SourceKind.DOCKER_IMAGE, image), destinations=[Destination("team", "ruby", "t")]
    )


def stream_image(server: TestServer, min_position: int = 0) -> str:
    request = api.GetImageStreamRequest(namespace="team", name="app", min_position=min_position)
    stream = server.stub.GetImageStream(request, timeout=10).image_stream
    (tag,) = [t for t in stream.status_tags if t.tag == "t"]
    return tag.items[0].image


def stop_following(server: TestServer) -> None:
    """The server's follower of the log stops reading it, as if every wake-up were lost (its NOTIFY connection
    and its poll gone): what its hub last reported is all it knows of other replicas' writes."""
    hub = server.running.hub
    asyncio.run_coroutine_threadsafe(hub.stop(), hub._loop).result(10)


def test_another_replicas_write_is_read_at_its_position_even_before_the_follower_meets_it(postgres_url: str) -> None:
    store = postgres_store(postgres_url)
    with running_server(store) as one, running_server(store, watch_poll_interval=60) as two:
        first = push(one.stub, "app", "t", 1).position
        assert current_image(two, first) == digest(1)
        assert stream_image(two, first) == digest(1)
        stop_following(two)
        # Answered from memory from now on, until a read asks for a position the replica has not followed to.
        assert current_image(two) == digest(1)
        second = push(one.stub, "app", "t", 2).position
        assert current_image(two, second) == digest(2)
        assert stream_image(two, second) == digest(2)


def test_a_write_is_read_at_once_on_the_replica_that_made_it_even_without_a_position(postgres_url: str) -> None:
    with running_server(postgres_store(postgres_url)) as server:
        push(server.stub, "app", "t", 1)
        assert current_image(server) == digest(1)
        assert stream_image(server) == digest(1)
        stop_following(server)
        for seed in range(2, 6):
            push(server.stub, "app", "t", seed)
            assert current_image(server) == digest(seed)
            assert stream_image(server) == digest(seed)


def test_a_position_past_the_log_is_still_out_of_range(postgres_url: str) -> None:
    with running_server(postgres_store(postgres_url)) as server:
        position = push(server.stub, "app", "t", 1).position
        assert current_image(server) == digest(1)
        try:
            current_image(server, position + 1000)
        except grpc.RpcError as error:
            assert error.code() == grpc.StatusCode.OUT_OF_RANGE
        else:
            raise AssertionError("a position the log has not reached was answered")


def test_commands_and_the_servers_own_reads_never_read_from_memory(postgres_url: str) -> None:
    """Only the reads a client asks for may be as stale as the replica's follower; what a command or an import
    reads to decide is the database's current state."""
    store = postgres_store(postgres_url)
    log, other = EventLog(store), EventLog(store)
    try:
        service = Service(log)
        service.commands.tag(tag_input(pinned("a")))
        service.queries.cache.follow(log.max_position)  # a follower that reports no other replica's write
        with service.queries.memory_allowed():
            assert service.queries.tag("team", "ruby", "t").image.digest == digest("a")
        Service(other).commands.tag(tag_input(pinned("b")))  # another replica moves the tag
        assert service.queries.tag("team", "ruby", "t").image.digest == digest("b")
        assert service.queries.stream("team", "ruby").state.current("t").image == digest("b")
    finally:
        other.close()
        log.close()
