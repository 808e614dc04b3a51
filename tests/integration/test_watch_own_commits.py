"""A live watch gets this process's commits as they are reported, not read back from the log: what it gets
must be exactly what the log holds, each change once and in the log's order, however commits interleave."""

from __future__ import annotations

import threading
from typing import Any

from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import watch_service_pb2 as watch_api

from tests.support.builders import docker, istag, push, tag
from tests.support.watch import Watcher


def changes_after(server, after: int, count: int) -> list[watch_api.WatchResponse]:  # type: ignore[no-untyped-def]
    replay = Watcher(server.channel, namespace="team", after_position=after)
    try:
        return replay.changes(count)
    finally:
        replay.cancel()


def same_bytes(live: list[watch_api.WatchResponse], logged: list[watch_api.WatchResponse]) -> None:
    assert [r.position for r in live] == [r.position for r in logged]
    for got, want in zip(live, logged, strict=True):
        assert got.SerializeToString(deterministic=True) == want.SerializeToString(deterministic=True), (got, want)


def test_every_kind_of_change_is_delivered_live_as_the_log_has_it(server) -> None:  # type: ignore[no-untyped-def]
    watcher = Watcher(server.channel, namespace="team")
    assert watcher.start is not None
    try:
        stub = server.stub
        push(stub, "ruby", "2.0", "a")
        tag(stub, istag("ruby:2.0"), "ruby:latest", "ruby:prod")
        push(stub, "ruby", "2.0", "b")
        tag(stub, docker("quay.io/team/ruby:3"), "ruby:waiting")
        stub.DeleteTag(api.DeleteTagRequest(namespace="team", stream="ruby", tag="prod"))
        push(stub, "python", "3.12", "c")
        last = stub.DeleteImageStream(api.DeleteImageStreamRequest(namespace="team", name="python"))
        live = []
        while not live or live[-1].position < last.position:
            live += watcher.changes(1)
    finally:
        watcher.cancel()
    same_bytes(live, changes_after(server, watcher.start.position, len(live)))
    assert {r.kind for r in live} >= {
        watch_api.CHANGE_KIND_STREAM_CREATED,
        watch_api.CHANGE_KIND_TAG_UPDATED,
        watch_api.CHANGE_KIND_SPEC_CHANGED,
        watch_api.CHANGE_KIND_TAG_DELETED,
        watch_api.CHANGE_KIND_STREAM_DELETED,
    }


def test_commits_from_many_threads_reach_a_live_watch_once_each_in_log_order(server) -> None:  # type: ignore[no-untyped-def]
    """Concurrent commands commit in batches and report from their own threads in any order: the watch still
    gets every position once, in order, with the log's content."""
    watcher = Watcher(server.channel, namespace="team")
    assert watcher.start is not None
    tops: list[int] = []
    errors: list[BaseException] = []

    def tag_many(worker: int) -> None:
        try:
            for i in range(15):
                tops.append(push(server.stub, f"s{worker}", f"t{i % 3}", worker * 100 + i).position)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    threads = [threading.Thread(target=tag_many, args=(n,)) for n in range(6)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert not errors, errors
        live = []
        while not live or live[-1].position < max(tops):
            live += watcher.changes(1)
    finally:
        watcher.cancel()
    positions = [r.position for r in live]
    assert positions == sorted(set(positions)), "a change came twice or out of order"
    assert set(tops) <= set(positions)
    same_bytes(live, changes_after(server, watcher.start.position, len(live)))


def test_own_commits_on_postgresql_are_not_read_back_while_another_replicas_still_wake_the_hub(
    postgres_url: str,
) -> None:
    """PostgreSQL notifies every listener of every commit, this process's own included: those come from the
    process's own connections and wake nobody, so its hub reads the log only for the other replica's commit."""
    from tests.support.server import postgres_store, running_server

    store = postgres_store(postgres_url)
    with (
        running_server(store, watch_poll_interval=60) as one,
        running_server(store, watch_poll_interval=60) as other,
    ):
        hub = one.running.hub
        reads: list[int] = []
        read_events = hub.read_events

        def counted(after: int, until: int | None, *args: Any) -> Any:
            if until is None:  # the hub's own reads (a watch catching up reads up to a position)
                reads.append(after)
            return read_events(after, until, *args)

        hub.read_events = counted
        watcher = Watcher(one.channel, namespace="team", kinds=[watch_api.CHANGE_KIND_TAG_UPDATED])
        try:
            for i in range(10):
                push(one.stub, "own", str(i), i)
            assert [r.tag for r in watcher.changes(10)] == [str(i) for i in range(10)]
            watcher.quiet(0.5)  # any late notification has arrived
            assert reads == [], f"the hub read its own commits back {len(reads)} times"
            moved = push(other.stub, "elsewhere", "1", "a")
            (change,) = watcher.changes(1)
            assert (change.stream, change.position) == ("elsewhere", moved.position)
            assert len(reads) >= 1
        finally:
            watcher.cancel()
