"""Group commit on PostgreSQL: appends made at the same time share one transaction, and a failure in it fails
only the append it concerns.

To make a batch form, the log's table lock is held from another connection (as another replica's append
would hold it): the first append leads and waits for the lock in the database, the others queue behind it in
the process, and once the lock is released they are committed together in the next batch.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import grpc
import psycopg
import pytest
from eventsourcing.persistence import IntegrityError, OperationalError, StoredEvent
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams_server.store import deadline, request_log
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.recorders import ProjectingPostgresRecorder
from imagestreams_server.store.sql import transaction

from tests.support.builders import dest, digest, docker, pinned
from tests.support.postgres import fresh_database
from tests.support.server import postgres_store, running_server

TABLE = "imagestreams_events"
TOPIC = "tests.integration.test_group_commit:Probe"


@pytest.fixture
def database() -> Iterator[str]:
    with fresh_database() as url:
        yield url


@pytest.fixture
def log(database: str) -> Iterator[EventLog]:
    event_log = EventLog(postgres_store(database))
    try:
        yield event_log
    finally:
        event_log.close()


def recorder_of(log: EventLog) -> ProjectingPostgresRecorder:
    recorder = log.recorder
    assert isinstance(recorder, ProjectingPostgresRecorder)
    return recorder


def probe_events(stream: str, first_version: int, count: int) -> list[StoredEvent]:
    return [
        StoredEvent(originator_id=stream, originator_version=v, topic=TOPIC, state=b"{}")
        for v in range(first_version, first_version + count)
    ]


def eventually(condition: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    end = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < end, f"timed out waiting for {what}"
        time.sleep(0.01)


@contextmanager
def table_lock_held(database: str) -> Iterator[psycopg.Connection[Any]]:
    """The log's table lock, held by another connection for the block (committed at its end)."""
    with psycopg.connect(database) as conn:
        conn.execute(f"LOCK TABLE {TABLE} IN EXCLUSIVE MODE")
        yield conn
        conn.commit()


def waiting_for_lock(database: str) -> bool:
    with psycopg.connect(database, autocommit=True) as conn:
        row = conn.execute("SELECT count(*) FROM pg_locks WHERE NOT granted").fetchone()
    return bool(row and row[0])


class Appends:
    """Appends run on threads of their own, each with its answer or its error kept."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.answers: dict[str, Sequence[int] | None] = {}
        self.errors: dict[str, BaseException] = {}

    def start(self, name: str, call: Callable[[], Sequence[int] | None]) -> None:
        def run() -> None:
            try:
                self.answers[name] = call()
            except BaseException as error:
                self.errors[name] = error

        thread = threading.Thread(target=run, name=name)
        thread.start()
        self.threads.append(thread)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(60)
            assert not thread.is_alive()


def batched(
    log: EventLog, database: str, first: tuple[str, Callable[[], Any]], rest: dict[str, Callable[[], Any]]
) -> tuple[Appends, list[int]]:
    """Runs `first` alone (it leads and waits for the lock), then `rest` queued behind it: they form the next
    batch. Returns the appends and the size of every transaction committed meanwhile."""
    recorder = recorder_of(log)
    sizes: list[int] = []
    recorder.on_commit_size.append(sizes.append)
    appends = Appends()
    with table_lock_held(database):
        appends.start(*first)
        eventually(lambda: waiting_for_lock(database), "the first append to wait for the table lock")
        for name, call in rest.items():
            appends.start(name, call)
        eventually(lambda: recorder.group_commit.queued == len(rest), "the others to queue")
    appends.join()
    recorder.on_commit_size.remove(sizes.append)
    return appends, sizes


def log_rows(database: str) -> list[tuple[int, str, int]]:
    with psycopg.connect(database) as conn:
        rows = conn.execute(
            f"SELECT notification_id, originator_id::text, originator_version FROM {TABLE} ORDER BY notification_id"
        ).fetchall()
    return [(int(p), str(o), int(v)) for p, o, v in rows]


def test_concurrent_appends_commit_in_one_batch_with_gap_free_positions_in_order(log: EventLog, database: str) -> None:
    recorder = recorder_of(log)
    streams = {f"s{i}": str(uuid.uuid4()) for i in range(6)}
    counts = {name: 1 + i % 3 for i, name in enumerate(streams)}

    def append(name: str) -> Callable[[], Sequence[int] | None]:
        return lambda: recorder.insert_events(probe_events(streams[name], 1, counts[name]))

    names = list(streams)
    appends, sizes = batched(log, database, (names[0], append(names[0])), {n: append(n) for n in names[1:]})

    assert appends.errors == {}
    assert sizes == [1, 5]
    rows = log_rows(database)
    assert len(rows) == sum(counts.values())
    for name, positions in appends.answers.items():
        assert positions is not None and len(positions) == counts[name]
        # Each append's answer names exactly its own rows, in its own order.
        assert [(o, v) for p, o, v in rows if p in positions] == [
            (streams[name], v) for v in range(1, counts[name] + 1)
        ]
        assert list(positions) == sorted(positions)
    # The batch's positions: one block, strictly increasing and without a gap, each append's a run of it in
    # the order the appends were queued (the batch commits them in that order).
    batch = [p for name in names[1:] for p in appends.answers[name] or ()]
    assert batch == list(range(batch[0], batch[0] + len(batch)))
    assert batch[0] > max(appends.answers[names[0]] or ())
    # Read back by a reader of the log, in commit order.
    assert [n.id for n in recorder.select_notifications(None, 100)] == [p for p, _, _ in rows]


def test_a_conflict_with_another_replica_fails_only_its_own_append(log: EventLog, database: str) -> None:
    recorder = recorder_of(log)
    streams = {f"s{i}": str(uuid.uuid4()) for i in range(4)}
    contested = streams["s2"]

    def append(name: str) -> Callable[[], Sequence[int] | None]:
        return lambda: recorder.insert_events(probe_events(streams[name], 1, 2))

    recorder_sizes: list[int] = []
    recorder.on_commit_size.append(recorder_sizes.append)
    appends = Appends()
    with table_lock_held(database) as other:
        appends.start("s0", append("s0"))
        eventually(lambda: waiting_for_lock(database), "the first append to wait for the table lock")
        for name in ("s1", "s2", "s3"):
            appends.start(name, append(name))
        eventually(lambda: recorder.group_commit.queued == 3, "the others to queue")
        # Another replica writes version 2 of s2 first, in the transaction that holds the lock.
        other.execute(
            f"INSERT INTO {TABLE} (originator_id, originator_version, topic, state) VALUES (%s, 2, %s, %s)",
            (contested, TOPIC, b"{}"),
        )
    appends.join()

    assert set(appends.errors) == {"s2"}
    # The error it has without group commit: the library's IntegrityError, which the unit of work turns into
    # a reload and a new attempt.
    assert isinstance(appends.errors["s2"], IntegrityError)
    assert set(appends.answers) == {"s0", "s1", "s3"}
    rows = log_rows(database)
    assert [(o, v) for _, o, v in rows if o == contested] == [(contested, 2)]
    for name in ("s0", "s1", "s3"):
        positions = appends.answers[name]
        assert positions is not None
        assert [(o, v) for p, o, v in rows if p in positions] == [(streams[name], 1), (streams[name], 2)]
    # The batch of three failed and wrote nothing; its appends then ran alone.
    assert recorder_sizes == [1, 1, 1]


def request_row_for(actor: str, request_id: str) -> Callable[[int], request_log.RequestRow]:
    return lambda position: request_log.RequestRow(actor, request_id, "fingerprint", position)


def test_an_append_whose_read_model_rows_fail_fails_alone(log: EventLog, database: str) -> None:
    recorder = recorder_of(log)
    streams = {f"s{i}": str(uuid.uuid4()) for i in range(4)}
    # The request id "taken" is already in the request log: s2's row for it cannot be written.
    with transaction(recorder, commit=True) as sql:
        request_log.record(sql, request_log.RequestRow("alice", "taken", "fingerprint", 0))

    def append(name: str) -> Callable[[], Sequence[int] | None]:
        stream = streams[name]
        kwargs = {
            "projected_events": [SimpleNamespace(originator_id=stream, originator_version=1)],
            "aggregates": (),
            "request_row": request_row_for("alice", "taken" if name == "s2" else name),
        }
        return lambda: recorder.insert_events(probe_events(stream, 1, 1), **kwargs)

    appends, sizes = batched(log, database, ("s0", append("s0")), {n: append(n) for n in ("s1", "s2", "s3")})

    assert set(appends.errors) == {"s2"}
    assert isinstance(appends.errors["s2"], IntegrityError)
    rows = log_rows(database)
    assert sorted(o for _, o, _ in rows) == sorted(streams[n] for n in ("s0", "s1", "s3"))
    with transaction(recorder, commit=False) as sql:
        for name in ("s0", "s1", "s3"):
            found = request_log.find(sql, "alice", name)
            assert found is not None and [found.position] == list(appends.answers[name] or ())
    assert sizes == [1, 1, 1]


def test_a_crash_after_the_insert_leaves_nothing_of_the_batch(
    log: EventLog, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = recorder_of(log)
    streams = {f"s{i}": str(uuid.uuid4()) for i in range(4)}
    real_fetch = recorder._fetch_ids_after_insert_events
    crashed: list[list[int]] = []

    def crash_in_a_batch(curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        positions = real_fetch(curs, stored_events, **kwargs)
        # The events of several appends are in: the process fails before the COMMIT, once.
        if len({e.originator_id for e in stored_events}) > 1 and not crashed:
            crashed.append(list(positions or ()))
            raise RuntimeError("crashed in the middle of a batch")
        return positions

    monkeypatch.setattr(recorder, "_fetch_ids_after_insert_events", crash_in_a_batch)

    def append(name: str) -> Callable[[], Sequence[int] | None]:
        return lambda: recorder.insert_events(probe_events(streams[name], 1, 2))

    appends, sizes = batched(log, database, ("s0", append("s0")), {n: append(n) for n in ("s1", "s2", "s3")})

    assert len(crashed) == 1 and len(crashed[0]) == 6
    # Each append of the crashed batch ran again alone, once, and committed.
    assert appends.errors == {}
    rows = log_rows(database)
    assert len(rows) == 8
    assert not set(crashed[0]) & {p for p, _, _ in rows}
    for name, positions in appends.answers.items():
        assert positions is not None
        assert [(o, v) for p, o, v in rows if p in positions] == [(streams[name], 1), (streams[name], 2)]
    assert sizes == [1, 1, 1, 1]


def test_a_lost_connection_in_a_batch_of_one_is_retried_and_written_once(
    log: EventLog, database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorder = recorder_of(log)
    real_fetch = recorder._fetch_ids_after_insert_events
    failures: list[int] = []

    def fail_once(curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Any:
        positions = real_fetch(curs, stored_events, **kwargs)
        if not failures:
            failures.append(1)
            raise OperationalError("the connection was lost")
        return positions

    monkeypatch.setattr(recorder, "_fetch_ids_after_insert_events", fail_once)
    stream = str(uuid.uuid4())
    positions = recorder.insert_events(probe_events(stream, 1, 3))

    assert failures == [1]
    rows = log_rows(database)
    assert [(o, v) for _, o, v in rows] == [(stream, 1), (stream, 2), (stream, 3)]
    assert list(positions or ()) == [p for p, _, _ in rows]


def test_an_append_whose_deadline_passes_in_the_queue_fails_unwritten(log: EventLog, database: str) -> None:
    recorder = recorder_of(log)
    streams = {f"s{i}": str(uuid.uuid4()) for i in range(3)}

    def append(name: str, seconds: float | None) -> Callable[[], Sequence[int] | None]:
        def call() -> Sequence[int] | None:
            with deadline.deadline_at(deadline.instant_in(seconds)):
                return recorder.insert_events(probe_events(streams[name], 1, 1))

        return call

    recorder_sizes: list[int] = []
    recorder.on_commit_size.append(recorder_sizes.append)
    appends = Appends()
    with table_lock_held(database):
        appends.start("s0", append("s0", None))
        eventually(lambda: waiting_for_lock(database), "the first append to wait for the table lock")
        appends.start("s1", append("s1", 0.5))
        appends.start("s2", append("s2", 60))
        eventually(lambda: recorder.group_commit.queued == 2, "the others to queue")
        # s1 gives up at its deadline, while the batch in front of it still waits for the lock.
        eventually(lambda: "s1" in appends.errors, "s1 to fail", timeout=5)
        assert recorder.group_commit.queued == 1
    appends.join()

    assert set(appends.errors) == {"s1"}
    assert isinstance(appends.errors["s1"], deadline.DeadlineExceeded)
    assert sorted(o for _, o, _ in log_rows(database)) == sorted([streams["s0"], streams["s2"]])
    assert recorder_sizes == [1, 1]


def test_concurrent_tags_read_their_own_writes(database: str) -> None:
    clients, calls = 6, 15
    errors: list[BaseException] = []
    with running_server(postgres_store(database)) as server:

        def client(index: int) -> None:
            try:
                with server.open_channel(server.admin_token) as channel:
                    stub = api_grpc.ImageStreamServiceStub(channel)
                    for call in range(calls):
                        name = f"app{index}:t{call}"
                        answer = stub.Tag(
                            api.TagRequest(
                                namespace="team", source=docker(pinned(f"{index}e{call:x}")), destinations=[dest(name)]
                            ),
                            timeout=60,
                        )
                        got = stub.GetImageStreamTag(
                            api.GetImageStreamTagRequest(
                                namespace="team", stream=f"app{index}", tag=f"t{call}", min_position=answer.position
                            ),
                            timeout=60,
                        )
                        assert got.image_stream_tag.image.name == digest(f"{index}e{call:x}")
            except (AssertionError, grpc.RpcError) as error:
                errors.append(error)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
