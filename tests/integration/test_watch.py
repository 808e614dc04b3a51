"""Watch over gRPC, on SQLite and PostgreSQL: resume, snapshot then tail, filters, progress, slow consumers."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams_server.application.watching import WatchSettings

from tests.support.builders import dest, digest, docker, failure, istag, pinned, push, tag
from tests.support.server import running_server
from tests.support.watch import Watcher

W = watch_api


def kinds_and_tags(responses: list[W.WatchResponse]) -> list[tuple[int, str]]:
    return [(r.kind, r.tag) for r in responses]


def test_from_now_delivers_each_change_once_in_order(server) -> None:
    push(server.stub, "ruby", "2.0", "a")  # before the watch: not delivered
    watcher = Watcher(server.channel, namespace="team")
    try:
        first = tag(server.stub, istag("ruby:2.0"), "ruby:latest")
        tag(server.stub, istag("ruby:2.0"), "ruby:latest")  # a no-op: no change, no event
        push(server.stub, "ruby", "2.0", "b")
        received = watcher.changes(3)
        assert kinds_and_tags(received) == [
            (W.CHANGE_KIND_SPEC_CHANGED, "latest"),
            (W.CHANGE_KIND_TAG_UPDATED, "latest"),
            (W.CHANGE_KIND_TAG_UPDATED, "2.0"),
        ]
        assert received[1].position == first.position
        assert received[1].current.image == digest("a") and not received[1].HasField("previous")
        assert received[2].previous.image == digest("a") and received[2].current.image == digest("b")
        assert received[2].actor == "admin"  # the authenticated caller
        positions = [r.position for r in received]
        assert positions == sorted(set(positions))
        assert [r for r in watcher.quiet(0.5) if r.marker != W.MARKER_PROGRESS] == []
    finally:
        watcher.cancel()


def test_resume_after_a_position_gets_exactly_what_was_missed(server) -> None:
    positions = [push(server.stub, "app", str(i), "a").position for i in range(5)]
    watcher = Watcher(server.channel, namespace="team", after_position=positions[1])
    try:
        received = watcher.changes(3)
        assert [r.tag for r in received] == ["2", "3", "4"]
        assert [r.position for r in received] == positions[2:]
    finally:
        watcher.cancel()
    replay = Watcher(server.channel, namespace="team", after_position=0, kinds=[W.CHANGE_KIND_STREAM_CREATED])
    try:
        (created,) = replay.changes(1)
        assert created.stream == "app" and created.position < positions[0]
    finally:
        replay.cancel()


def test_a_position_the_log_has_not_reached_is_out_of_range(server) -> None:
    top = push(server.stub, "app", "1", "a").position
    watcher = Watcher(server.channel, namespace="team", after_position=top + 100, established=False)
    with pytest.raises(grpc.RpcError) as raised:
        watcher.next()
    assert raised.value.code() == grpc.StatusCode.OUT_OF_RANGE
    watcher.cancel()


def test_snapshot_then_tail_has_no_gap_and_no_duplicate(server) -> None:
    push(server.stub, "ruby", "2.0", "a")
    tag(server.stub, istag("ruby:2.0"), "ruby:latest")
    tag(server.stub, docker("quay.io/team/ruby:3"), "ruby:waiting")  # no image yet: not in the snapshot
    push(server.stub, "python", "3.12", "c")
    watcher = Watcher(server.channel, namespace="team", snapshot=True)
    try:
        snapshot = [watcher.next() for _ in range(3)]
        assert all(r.synthetic and r.kind == W.CHANGE_KIND_TAG_UPDATED for r in snapshot)
        assert sorted((r.stream, r.tag, r.current.image) for r in snapshot) == [
            ("python", "3.12", digest("c")),
            ("ruby", "2.0", digest("a")),
            ("ruby", "latest", digest("a")),
        ]
        end = watcher.next()
        assert end.marker == W.MARKER_SNAPSHOT_END
        assert {r.position for r in snapshot} == {end.position}
        moved = push(server.stub, "ruby", "2.0", "b")
        (live,) = watcher.changes(1)
        assert (live.tag, live.position, live.synthetic) == ("2.0", moved.position, False)
    finally:
        watcher.cancel()


def test_filters_by_stream_tag_and_kind(server) -> None:
    by_tag = Watcher(server.channel, namespace="team", stream="ruby", tag="prod", kinds=[W.CHANGE_KIND_TAG_UPDATED])
    by_stream = Watcher(server.channel, namespace="team", stream="ruby")
    other_namespace = Watcher(server.channel, namespace="elsewhere")
    try:
        push(server.stub, "python", "prod", "a")
        push(server.stub, "ruby", "dev", "b")
        push(server.stub, "ruby", "prod", "c")
        (only,) = by_tag.changes(1)
        assert (only.stream, only.tag, only.current.image) == ("ruby", "prod", digest("c"))
        stream_changes = by_stream.changes(3)
        assert kinds_and_tags(stream_changes) == [
            (W.CHANGE_KIND_STREAM_CREATED, ""),
            (W.CHANGE_KIND_TAG_UPDATED, "dev"),
            (W.CHANGE_KIND_TAG_UPDATED, "prod"),
        ]
        stub = server.stub
        stub.DeleteImageStream(api.DeleteImageStreamRequest(namespace="team", name="ruby"))
        assert [r.kind for r in by_stream.changes(1)] == [W.CHANGE_KIND_STREAM_DELETED]
        assert [r for r in other_namespace.quiet(0.5) if r.marker != W.MARKER_PROGRESS] == []
    finally:
        for watcher in (by_tag, by_stream, other_namespace):
            watcher.cancel()


def test_tag_watch_needs_a_stream_and_names_bad_fields(server) -> None:
    for request, field in (
        ({"namespace": "team", "tag": "latest"}, "tag"),
        ({"namespace": ""}, "namespace"),
        ({"namespace": "team", "stream": "Bad"}, "stream"),
        ({"namespace": "team", "progress_interval_seconds": 100000}, "progress_interval_seconds"),
        ({"namespace": "team", "kinds": [42]}, "kinds[0]"),
    ):
        watcher = Watcher(server.channel, established=False, **request)
        error = failure(watcher.next)
        assert error.code == grpc.StatusCode.INVALID_ARGUMENT and field in error.fields, (request, error)
        watcher.cancel()


def test_idle_watch_sends_progress_markers_with_a_resumable_position(server) -> None:
    last = push(server.stub, "app", "1", "a").position
    watcher = Watcher(server.channel, namespace="quiet", progress_interval_seconds=1)
    try:
        marker = watcher.next(timeout=5)
        assert marker.marker == W.MARKER_PROGRESS
        assert marker.position >= last
    finally:
        watcher.cancel()


def test_a_slow_watcher_is_ended_with_the_position_to_resume_after(store_config) -> None:
    with running_server(store_config, watch=WatchSettings(capacity=5)) as server:
        watcher = Watcher(server.channel, namespace="team")
        try:
            # Far more changes than the transport window and the watcher's buffer hold, while it reads nothing.
            tag(server.stub, docker(pinned("a")), "flood:x")
            destinations = [f"flood:t{i}" for i in range(150)]
            for seed in "bcd":
                server.stub.Tag(
                    api.TagRequest(
                        namespace="team", source=docker(pinned(seed)), destinations=[dest(d) for d in destinations]
                    )
                )
            seen: list[W.WatchResponse] = []
            with pytest.raises(grpc.RpcError) as raised:
                while True:
                    seen.append(watcher.next(timeout=30))
            error = raised.value
            assert error.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
            status = rpc_status.from_call(error)
            info = error_details_pb2.ErrorInfo()
            assert status is not None and status.details[0].Unpack(info)
            resume_after = int(info.metadata["last_position"])
            changes = [r for r in seen if r.marker == W.MARKER_UNSPECIFIED]
            assert changes and resume_after == changes[-1].position
        finally:
            watcher.cancel()
        # Resuming after that position delivers the rest, from the next change on.
        resumed = Watcher(server.channel, namespace="team", after_position=resume_after)
        try:
            rest = resumed.changes(1)
            assert rest[0].position > resume_after
        finally:
            resumed.cancel()


def test_a_change_written_through_one_replica_reaches_watchers_on_another(postgres_url: str, tmp_path: Path) -> None:
    from tests.support.server import postgres_store

    store = postgres_store(postgres_url)
    # A long poll interval: only the database notification can wake the second replica in time.
    with (
        running_server(store, watch_poll_interval=60) as first,
        running_server(store, watch_poll_interval=60) as second,
    ):
        watcher = Watcher(second.channel, namespace="team", stream="ruby", kinds=[W.CHANGE_KIND_TAG_UPDATED])
        try:
            moved = push(first.stub, "ruby", "2.0", "a")
            (change,) = watcher.changes(1, timeout=10)
            assert (change.tag, change.position) == ("2.0", moved.position)
        finally:
            watcher.cancel()


def test_watchers_are_ended_at_shutdown_with_the_position_to_resume_after(store_config) -> None:
    with running_server(store_config) as server:
        channel = server.open_channel(server.admin_token)  # outlives the test server's own channel
        watcher = Watcher(channel, namespace="team")
        moved = push(server.stub, "ruby", "1", "a")
        watcher.changes(2)  # stream created, tag moved
    with pytest.raises(grpc.RpcError) as raised:
        watcher.quiet(5)
        watcher.next(timeout=5)
    error = raised.value
    assert error.code() == grpc.StatusCode.UNAVAILABLE
    status = rpc_status.from_call(error)
    info = error_details_pb2.ErrorInfo()
    assert status is not None and status.details[0].Unpack(info)
    assert info.reason == "SHUTTING_DOWN" and int(info.metadata["last_position"]) >= moved.position
    channel.close()
