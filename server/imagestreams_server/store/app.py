"""The eventsourcing application that owns the log: one aggregate per image stream, one per image."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg
from eventsourcing.application import Application, ProcessingEvent
from eventsourcing.persistence import EventStore, Recording

from ..domain.imagestream import ImageStream
from ..domain.stream_snapshot import StreamSnapshot
from . import readmodel, rebuild, snapshots
from .config import StoreConfig
from .sql import Sql, reading, transaction

# Rebuilds read the log in pages of this many events.
REPLAY_PAGE = 500


class EventLog(Application[str]):
    # Pinned: the name decides the PostgreSQL table names (`imagestreams_events`).
    name = "ImageStreams"

    def __init__(self, config: StoreConfig) -> None:
        self.config = config
        env = config.eventsourcing_env()
        # Loaded aggregates are cached and fast-forwarded from the log on each get, so a replica still sees
        # what another replica wrote.
        env.setdefault("AGGREGATE_CACHE_MAXSIZE", "1000")
        # A stream is loaded from its newest snapshot and the events after it (see _take_snapshots).
        self.snapshot_interval = config.snapshot_interval
        if self.snapshot_interval > 0:
            env["IS_SNAPSHOTTING_ENABLED"] = "y"
        # Called with no arguments after every commit of this process.
        self.on_commit: list[Callable[[], None]] = []
        # Called with the recordings of every commit of this process, before the command returns.
        self.on_recorded: list[Callable[[list[Recording[str]]], None]] = []
        self._exclusive = threading.Lock()
        super().__init__(env=env)

    def construct_snapshot_store(self) -> EventStore[str]:
        return snapshots.snapshot_store(self.mapper, self.factory.aggregate_recorder(purpose="snapshots"))

    def _take_snapshots(self, processing_event: ProcessingEvent[str]) -> None:
        """A snapshot of each stream whose version this save took to or past a multiple of the interval, as
        the save left it: the command built it with the same `apply` a replay runs, so it needs no second
        load of the stream. Its own write after the command's: lost, it costs speed, never correctness."""
        store = self.snapshots
        if not isinstance(store, snapshots.SnapshotStore) or self.snapshot_interval <= 0:
            return
        crossed = {
            e.originator_id for e in processing_event.events if e.originator_version % self.snapshot_interval == 0
        }
        streams = [a for i, a in processing_event.aggregates.items() if i in crossed and isinstance(a, ImageStream)]
        if streams:
            store.take(streams)

    def discard_outdated_snapshots(self) -> None:
        """Deletes snapshots that another version of `apply` took (see domain/stream_snapshot.py). Loads skip
        them anyway: this gives back their space."""
        if self.snapshots is None:
            return
        recorder = self.snapshots.recorder
        with transaction(self.recorder, commit=True) as sql:
            sql.execute(snapshots.outdated_statement(recorder, sql.is_sqlite), (StreamSnapshot.TOPIC,))

    def _notify(self, recordings: list[Recording[str]]) -> None:
        for observer in list(self.on_recorded):
            observer(recordings)
        # After each commit (the background importer waits on it; the watch hub takes the recordings above).
        for callback in list(self.on_commit):
            callback()

    def _record(self, processing_event: ProcessingEvent[str]) -> list[Recording[str]]:
        # The recorders project these inside the append's transaction (see recorders.py).
        processing_event.saved_kwargs["projected_events"] = list(processing_event.events)
        processing_event.saved_kwargs["aggregates"] = list(processing_event.aggregates.values())
        return super()._record(processing_event)

    @contextmanager
    def read(self, *, consistent: bool = False) -> Iterator[Sql]:
        """Reads of the read models: on PostgreSQL each statement sees a fresh snapshot (sql.reading), or with
        `consistent` every statement the same one (a REPEATABLE READ transaction); SQLite reads are snapshots."""
        if not consistent:
            with reading(self.recorder) as sql:
                yield sql
            return
        with transaction(self.recorder, commit=False) as sql:
            if not sql.is_sqlite:
                sql.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            yield sql

    @contextmanager
    def write(self) -> Iterator[Sql]:
        """A write transaction on tables beside the log that are not derived from it (importer state)."""
        with transaction(self.recorder, commit=True) as sql:
            yield sql

    @contextmanager
    def exclusive(self, name: str) -> Iterator[bool]:
        """Whether this process may do `name`'s work now, held for the block: on PostgreSQL a session advisory
        lock, so one replica at a time does it; in process, one thread at a time."""
        if not self._exclusive.acquire(blocking=False):
            yield False
            return
        try:
            if not self.config.is_postgres:
                yield True
                return
            with psycopg.connect(self.config.database_url, autocommit=True, connect_timeout=10) as conn:
                row = conn.execute("SELECT pg_try_advisory_lock(hashtext(%s))", (name,)).fetchone()
                acquired = bool(row and row[0])
                try:
                    yield acquired
                finally:
                    if acquired:
                        conn.execute("SELECT pg_advisory_unlock(hashtext(%s))", (name,))
        finally:
            self._exclusive.release()

    def max_position(self) -> int:
        return self.recorder.max_notification_id() or 0

    def replay(self) -> Iterator[tuple[int, Any]]:
        """Every event of the log in order, with its position."""
        start: int | None = None
        while True:
            page = self.recorder.select_notifications(start, REPLAY_PAGE, inclusive_of_start=False)
            for notification in page:
                yield notification.id, self.mapper.to_domain_event(notification)
            if len(page) < REPLAY_PAGE:
                return
            start = page[-1].id

    def rebuild_read_models(self) -> int:
        """Empties the read models and replays the whole log into them (store/rebuild.py), in one transaction
        that holds the log's write lock, so no append lands half inside the rebuild."""
        with transaction(self.recorder, commit=True) as sql:
            if not sql.is_sqlite:
                # The store's connections end a transaction idle for a few seconds (an abandoned one must not
                # hold locks); this one idles while the log is read and decoded, longer on a large store.
                sql.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            for statement in getattr(self.recorder, "lock_table_statements", ()):
                sql.raw(statement)
            readmodel.create_tables(sql)
            with self._log_reader(sql) as reader:
                return rebuild.rebuild(sql, self.replay_by_aggregate(reader))

    @contextmanager
    def _log_reader(self, sql: Sql) -> Iterator[Sql]:
        """Where a rebuild reads the log. On PostgreSQL another connection, so the next page is read while
        the rows of the last are written on `sql`: its transaction starts after `sql` took the log's write
        lock, so it sees every event of the log and no other can arrive. On SQLite `sql` itself."""
        if sql.is_sqlite:
            yield sql
            return
        with transaction(self.recorder, commit=False) as reader:
            reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            reader.execute("SET LOCAL idle_in_transaction_session_timeout = 0")
            yield reader

    def replay_by_aggregate(self, sql: Sql) -> Iterator[list[tuple[int, Any]]]:
        """Every event of the log with its position, in pages, each aggregate's events together in version
        order, read in the transaction of `sql`."""
        return rebuild.log_pages(sql, self.recorder, self.mapper)

    def ensure_read_models(self) -> int:
        """Creates missing read-model tables and rebuilds them when they are behind the log (after they were
        dropped, or written by an older version). Returns the number of events replayed (0 if up to date)."""
        with transaction(self.recorder, commit=True) as sql:
            readmodel.create_tables(sql)
            outdated = readmodel.schema_outdated(sql)
            if outdated:
                # Tables of an older shape cannot take the new rows: made again, then filled from the log.
                readmodel.drop_tables(sql)
                readmodel.create_tables(sql)
            behind = outdated or readmodel.tracked_position(sql) < self.max_position()
        return self.rebuild_read_models() if behind else 0
