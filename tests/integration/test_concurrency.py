"""Many writers on one stream: every successful call is exactly one change, and none is lost."""

from __future__ import annotations

import threading

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams_server.domain.imagestream import ImageStream
from imagestreams_server.store.app import EventLog

from tests.support.builders import dest, digest, docker, get_istag, pinned

CLIENTS = 8
CALLS = 200


def test_eight_clients_tag_one_stream_two_hundred_times_each(server) -> None:
    aborted = [0] * CLIENTS
    errors: list[BaseException] = []

    def client(index: int) -> None:
        with server.open_channel(server.admin_token) as channel:
            stub = api_grpc.ImageStreamServiceStub(channel)
            for call in range(CALLS):
                # Alternate between two images so every call really moves this client's tag.
                source = docker(pinned("ab"[call % 2] + str(index)))
                request = api.TagRequest(namespace="team", source=source, destinations=[dest(f"busy:c{index}")])
                while True:
                    try:
                        stub.Tag(request, timeout=60)
                        break
                    except grpc.RpcError as error:
                        # ABORTED is the documented answer after bounded retries: a client tries again.
                        if error.code() != grpc.StatusCode.ABORTED:
                            errors.append(error)
                            return
                        aborted[index] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []

    stream = server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="busy")).image_stream
    # Created at generation 1; every successful call changed one spec tag once.
    assert stream.generation == 1 + CLIENTS * CALLS
    for index in range(CLIENTS):
        last = pinned("ab"[(CALLS - 1) % 2] + str(index))
        current = get_istag(server.stub, f"busy:c{index}")
        assert current.pull_spec == last
        assert current.image.name == digest("ab"[(CALLS - 1) % 2] + str(index))
        (status,) = [s for s in stream.status_tags if s.tag == f"c{index}"]
        assert len(status.items) == CALLS

    log = EventLog(server.store)
    try:
        kinds: dict[str, int] = {}
        for _, event in log.replay():
            if event.originator_id == "imagestream:team/busy":
                kinds[type(event).__name__] = kinds.get(type(event).__name__, 0) + 1
    finally:
        log.close()
    assert kinds == {
        "Created": 1,
        "TagSpecSet": CLIENTS * CALLS,
        "TagStatusChanged": CLIENTS * CALLS,
    }
    assert ImageStream.TagSpecSet.__name__ == "TagSpecSet"
