"""Writes with a request id (`x-request-id`): a repeat gets the first answer and changes nothing, even when
the first attempt committed after its caller had given up; the same id with other content is refused; the
Python client retries an ambiguous failure with the same id."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import grpc
import pytest
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import resources_pb2 as pb
from imagestreams_client import Client, ImageStreamsError, RetryPolicy
from imagestreams_server.application import aggregate_locks
from imagestreams_server.domain.imagestream import stream_id
from imagestreams_server.store.app import EventLog

from tests.support.builders import dest, docker, failure, pinned
from tests.support.server import running_server


def rid(value: str) -> tuple[tuple[str, str], ...]:
    return (("x-request-id", value),)


def events_of(server, namespace: str, name: str) -> list[tuple[int, str]]:  # type: ignore[no-untyped-def]
    """The (position, kind) of every event of one stream in the log."""
    log = EventLog(server.store)
    try:
        wanted = stream_id(namespace, name)
        return [(p, type(e).__name__) for p, e in log.replay() if e.originator_id == wanted]
    finally:
        log.close()


def log_position(server) -> int:  # type: ignore[no-untyped-def]
    log = EventLog(server.store)
    try:
        return log.max_position()
    finally:
        log.close()


def tag_request(stream: str, tag: str, seed: str) -> api.TagRequest:
    return api.TagRequest(namespace="team", source=docker(pinned(seed)), destinations=[dest(f"{stream}:{tag}")])


@contextmanager
def stream_held(namespace: str, name: str) -> Iterator[threading.Event]:
    """Holds the stream's in-process lock (the server runs in this process) until the event is set, so a
    write to it waits in the server after it was accepted: its caller's deadline passes first."""
    release = threading.Event()
    lock = aggregate_locks._locks[aggregate_locks.stripe(stream_id(namespace, name))]
    lock.acquire()
    try:
        yield release
    finally:
        lock.release()


def test_the_same_request_twice_answers_the_same_and_changes_once(server) -> None:
    stub = server.stub
    create = api.CreateImageStreamRequest(image_stream=pb.ImageStream(namespace="team", name="once"))
    first = stub.CreateImageStream(create, metadata=rid("create-once"))
    # Without the id this is ALREADY_EXISTS: the stream was created by the first call.
    again = stub.CreateImageStream(create, metadata=rid("create-once"))
    assert again.SerializeToString(deterministic=True) == first.SerializeToString(deterministic=True)

    tagged = stub.Tag(tag_request("once", "v1", "a1"), metadata=rid("tag-once"))
    deleting = api.DeleteTagRequest(namespace="team", stream="once", tag="v1")
    deleted = stub.DeleteTag(deleting, metadata=rid("delete-once"))
    # Without the id the delete is NOT_FOUND, and the tag again would set it a second time.
    assert stub.DeleteTag(deleting, metadata=rid("delete-once")) == deleted
    assert stub.Tag(tag_request("once", "v1", "a1"), metadata=rid("tag-once")) == tagged
    assert failure(lambda: stub.DeleteTag(deleting)).code == grpc.StatusCode.NOT_FOUND

    kinds = [kind for _, kind in events_of(server, "team", "once")]
    assert kinds == ["Created", "TagSpecSet", "TagStatusChanged", "TagDeleted"]
    assert deleted.position == events_of(server, "team", "once")[-1][0]


def test_the_same_id_with_other_content_is_refused(server) -> None:
    stub = server.stub
    stub.Tag(tag_request("reused", "v1", "a1"), metadata=rid("reused-id"))
    refused = failure(lambda: stub.Tag(tag_request("reused", "v1", "b2"), metadata=rid("reused-id")))
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "x-request-id" in refused.fields and "already used for a different request" in refused.message
    # Another method with the same id is other content too.
    other = api.DeleteTagRequest(namespace="team", stream="reused", tag="v1")
    assert failure(lambda: stub.DeleteTag(other, metadata=rid("reused-id"))).code == grpc.StatusCode.INVALID_ARGUMENT
    assert [k for _, k in events_of(server, "team", "reused")] == ["Created", "TagSpecSet", "TagStatusChanged"]


@pytest.mark.parametrize(
    ("value", "says"), [("x" * 129, "at most 128 characters (it has 129)"), ("two words", "letters, digits")]
)
def test_a_malformed_request_id_is_invalid_argument_naming_it(server, value: str, says: str) -> None:
    refused = failure(lambda: server.stub.Tag(tag_request("bad", "v1", "a1"), metadata=rid(value)))
    assert refused.code == grpc.StatusCode.INVALID_ARGUMENT
    assert says in refused.fields["x-request-id"]
    missing = failure(lambda: server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="bad")))
    assert missing.code == grpc.StatusCode.NOT_FOUND


def wait_for_events(server, namespace: str, name: str, count: int) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + 30
    while len(events_of(server, namespace, name)) < count:
        assert time.monotonic() < deadline, "the first attempt never committed"
        time.sleep(0.05)


def test_a_write_that_committed_after_its_caller_went_away_is_answered_once_on_retry(server) -> None:
    # Without the id, a second create is ALREADY_EXISTS: the caller would never learn its write was applied.
    request = api.CreateImageStreamRequest(image_stream=pb.ImageStream(namespace="team", name="gone"))
    with stream_held("team", "gone"):
        with server.open_channel(server.admin_token) as channel:
            first = api_grpc.ImageStreamServiceStub(channel).CreateImageStream.future(request, metadata=rid("gone-1"))
            time.sleep(0.3)  # accepted: the server waits for the stream
        # The connection dropped before any answer.
        assert first.code() == grpc.StatusCode.CANCELLED
    wait_for_events(server, "team", "gone", 1)
    answers = [server.stub.CreateImageStream(request, metadata=rid("gone-1"), timeout=30) for _ in range(2)]
    events = events_of(server, "team", "gone")
    assert [k for _, k in events] == ["Created"]
    assert [a.position for a in answers] == [events[0][0]] * 2
    assert answers[0] == answers[1] and answers[0].image_stream.uid


def test_a_retry_racing_its_first_attempt_gets_the_same_answer(server) -> None:
    stub = server.stub
    request = api.CreateImageStreamRequest(image_stream=pb.ImageStream(namespace="team", name="race"))
    answers: list[api.CreateImageStreamResponse] = []
    with stream_held("team", "race"):
        # Both attempts are accepted and wait for the stream; either may go first.
        attempts = [
            threading.Thread(
                target=lambda: answers.append(stub.CreateImageStream(request, metadata=rid("race-1"), timeout=30))
            )
            for _ in range(2)
        ]
        for attempt in attempts:
            attempt.start()
        time.sleep(0.3)
    for attempt in attempts:
        attempt.join(30)
    events = events_of(server, "team", "race")
    assert [k for _, k in events] == ["Created"]
    assert len(answers) == 2 and answers[0] == answers[1] and answers[0].position == events[0][0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_client_retries_a_write_across_a_server_restart(store_config) -> None:
    address = f"127.0.0.1:{free_port()}"
    with running_server(store_config, listen=address) as first:
        token = first.admin_token
    outcome: list[object] = []
    policy = RetryPolicy(attempts=10, first_pause=0.2, max_pause=1.0)

    def write() -> None:
        with Client(address, token=token, timeout=5, retry=policy) as client:
            try:
                outcome.append(client.create_image_stream(pb.ImageStream(namespace="team", name="restarted")))
            except ImageStreamsError as error:
                outcome.append(error)

    writer = threading.Thread(target=write)
    writer.start()
    time.sleep(0.5)  # the first attempts find no server: UNAVAILABLE
    with running_server(store_config, listen=address) as second:
        writer.join(60)
        assert len(outcome) == 1 and not isinstance(outcome[0], ImageStreamsError), outcome
        assert [k for _, k in events_of(second, "team", "restarted")] == ["Created"]


def test_the_client_retries_a_write_whose_deadline_passed_and_it_is_applied_once(server) -> None:
    with Client(server.address, token=server.admin_token, timeout=0.5, retry=RetryPolicy(attempts=10)) as client:
        with stream_held("team", "late"):
            answers: list[api.CreateImageStreamResponse] = []
            writer = threading.Thread(
                target=lambda: answers.append(client.create_image_stream(pb.ImageStream(namespace="team", name="late")))
            )
            writer.start()
            time.sleep(1.2)  # two attempts or more time out while the stream is held
        writer.join(30)
    events = events_of(server, "team", "late")
    assert [k for _, k in events] == ["Created"]
    assert answers and answers[0].position == events[0][0]
