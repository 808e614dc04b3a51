"""Writers of one process on one stream take turns (a lock per stream) instead of colliding: none is ABORTED.

Without the lock every writer loads, decides and saves, all but one lose, and with a few writers some lose
ten times in a row and answer ABORTED. Calls here are raw stub calls: no client retry hides an ABORTED.
"""

from __future__ import annotations

import threading
import time

import grpc
import pytest
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import resources_pb2 as pb
from imagestreams_server.application import aggregate_locks
from imagestreams_server.domain.imagestream import stream_id

from tests.support.builders import dest, docker, pinned

WRITERS = 8
WRITES = 100


def test_writers_on_one_stream_are_never_aborted(server) -> None:
    server.stub.CreateImageStream(
        api.CreateImageStreamRequest(image_stream=pb.ImageStream(namespace="team", name="shared"))
    )
    codes: list[grpc.StatusCode] = []
    start = threading.Barrier(WRITERS)

    def writer(index: int) -> None:
        with server.open_channel(server.admin_token) as channel:
            stub = api_grpc.ImageStreamServiceStub(channel)
            start.wait()
            for call in range(WRITES):
                # Alternate between two images so every call really moves this writer's tag.
                source = docker(pinned("ab"[call % 2] + str(index)))
                request = api.TagRequest(namespace="team", source=source, destinations=[dest(f"shared:w{index}")])
                try:
                    stub.Tag(request, timeout=60)
                except grpc.RpcError as error:
                    codes.append(error.code())

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not codes, f"{len(codes)} of {WRITERS * WRITES} writes failed: {sorted(set(codes))}"
    stream = server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="shared")).image_stream
    assert stream.generation == 1 + WRITERS * WRITES


def test_writers_of_several_streams_in_opposite_orders_neither_deadlock_nor_abort(server) -> None:
    streams = ("left", "middle", "right")
    codes: list[grpc.StatusCode] = []
    start = threading.Barrier(4)

    def writer(index: int) -> None:
        # Half the writers name the streams in one order, half in the other: locks taken in the order of the
        # request would wait for each other.
        order = streams if index % 2 else tuple(reversed(streams))
        with server.open_channel(server.admin_token) as channel:
            stub = api_grpc.ImageStreamServiceStub(channel)
            start.wait()
            for call in range(30):
                source = docker(pinned("ab"[call % 2] + str(index)))
                destinations = [dest(f"{name}:w{index}") for name in order]
                try:
                    stub.Tag(api.TagRequest(namespace="team", source=source, destinations=destinations), timeout=60)
                except grpc.RpcError as error:
                    codes.append(error.code())

    threads = [threading.Thread(target=writer, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not codes, f"{len(codes)} writes failed: {sorted(set(codes))}"
    for name in streams:
        stream = server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name=name)).image_stream
        assert stream.generation == 1 + 4 * 30


def test_a_writer_waits_for_the_stream_no_longer_than_its_deadline_and_then_does_nothing(server) -> None:
    lock = aggregate_locks._locks[aggregate_locks.stripe(stream_id("team", "waited"))]
    request = api.CreateImageStreamRequest(image_stream=pb.ImageStream(namespace="team", name="waited"))
    with lock:
        started = time.monotonic()
        with pytest.raises(grpc.RpcError) as raised:
            server.stub.CreateImageStream(request, timeout=0.5)
        assert raised.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert time.monotonic() - started < 5
        # The server gave up too: once the stream is free, its worker has not created it late.
        time.sleep(0.5)
    time.sleep(0.5)
    missing = server.stub.ListImageStreams(api.ListImageStreamsRequest(namespace="team")).image_streams
    assert "waited" not in [s.name for s in missing]
