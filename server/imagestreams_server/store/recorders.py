"""Application recorders that update the read models in the same transaction as the append.

The application passes the domain events and the saved aggregates down with the stored events
(`EventLog._record`); once the database has handed out the positions, the read models are written with them.
On PostgreSQL the events table is locked for the transaction, so projections run in commit order.

On PostgreSQL the append does not use the library's pipelined insert: `Pipeline.sync()` in psycopg stops
sending once it has queued its Sync and then only waits to read, so when the one INSERT that carries a batch
is larger than the socket's send buffer (a few MB: a Tag into a thousand new streams) the rest of it stays in
the client's buffer while the server waits for it, holding the events table's lock, and neither side ever
moves again. Each statement here is sent in full before its answer is awaited.

On PostgreSQL, appends made at the same time by threads of this process are committed together, one
transaction for a batch of them (group_commit.py): the table lock, the NOTIFY, the INSERT and the COMMIT are
shared, and each append's read-model rows are written with its own positions.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import retry

from . import deadline, readmodel, request_log
from .group_commit import Append, GroupCommit
from .sql import Sql

# How long after its last append a connection's server process still counts as this recorder's (its NOTIFY
# arrives right after the commit); PostgreSQL could give the number to another session only after it closes.
OWN_BACKEND_SECONDS = 60.0

log = logging.getLogger(__name__)


def _project(sql: Sql, positions: Sequence[int] | None, kwargs: dict[str, Any]) -> None:
    domain_events = kwargs.get("projected_events")
    if domain_events is None or positions is None:
        return
    assert len(positions) == len(domain_events), "one position per event"
    readmodel.project(sql, list(zip(positions, domain_events, strict=True)), kwargs.get("aggregates", ()))
    # The client's request id, in the same transaction as its events: a committed write is never applied twice.
    request_row = kwargs.get("request_row")
    if request_row is not None:
        request_log.record(sql, request_row(positions[-1]))


class ProjectingPostgresRecorder(PostgresApplicationRecorder):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.group_commit = GroupCommit(self._insert_batch)
        # Called with the number of appends of each committed transaction (1 for an append run alone).
        self.on_commit_size: list[Callable[[int], None]] = []
        # The server processes (PIDs) of the connections this recorder appended through, and when: their
        # NOTIFYs announce this process's own commits, which its watch hub is handed directly.
        self._own_backends: dict[int, float] = {}

    def _create_table(self, curs: Any) -> None:
        super()._create_table(curs)
        readmodel.create_tables(Sql(curs, sqlite=False))
        request_log.create_table(Sql(curs, sqlite=False))

    # The library's own retry of a lost connection or a lock timeout, kept as it is: a failed attempt (a batch
    # or an append alone) wrote nothing, and each attempt queues the append again.
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """The events and their read-model rows in one transaction, shared with the appends other threads make
        at the same time; an error anywhere rolls all of it back, and then each append runs alone."""
        if not stored_events:
            return None
        request = Append(stored_events, kwargs, deadline.instant())
        if self.group_commit.submit(request):
            return request.positions
        return self._insert_alone(stored_events, kwargs)

    def _note_own_backend(self, pid: int) -> None:
        now = time.monotonic()
        self._own_backends[pid] = now
        if len(self._own_backends) > 256:  # connections the pool replaced over time
            self._own_backends = {p: t for p, t in self._own_backends.items() if now - t <= OWN_BACKEND_SECONDS}

    def is_own_backend(self, pid: int) -> bool:
        """Whether a notification from server process `pid` announces an append of this recorder: one of its
        connections appended within OWN_BACKEND_SECONDS (so a process number PostgreSQL gives again, long
        after that connection closed, is another's)."""
        noted = self._own_backends.get(pid)
        if noted is None:
            return False
        if time.monotonic() - noted <= OWN_BACKEND_SECONDS:
            return True
        self._own_backends.pop(pid, None)
        return False

    def _insert_alone(self, stored_events: Sequence[StoredEvent], kwargs: dict[str, Any]) -> Sequence[int] | None:
        positions = self._insert_batch([Append(stored_events, kwargs, None)])
        return positions[0]

    def _insert_batch(self, batch: list[Append]) -> list[Sequence[int] | None]:
        """One transaction: lock the events table, NOTIFY, insert the events of every append in one statement
        and read back their positions, then write each append's read models with its own positions. The
        positions are given to the appends only once the transaction has committed."""
        events = [e for request in batch for e in request.stored_events]
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            # Noted before the NOTIFY can be delivered (at the commit).
            self._note_own_backend(conn.info.backend_pid)
            # Outside pipeline mode a statement is flushed to the end before its result is read, whatever
            # its size.
            self._insert_stored_events(curs, events)
            positions = self._fetch_ids_after_insert_events(curs, events)
            assert positions is not None and len(positions) == len(events), "one position per event"
            # `INSERT ... SELECT FROM unnest(...) RETURNING` numbers and returns the rows in the array's order
            # (the library relies on it for one append too), so the positions split back by append.
            shares: list[Sequence[int]] = []
            start = 0
            for request in batch:
                shares.append(positions[start : start + len(request.stored_events)])
                start += len(request.stored_events)
            # The read-model rows are many small statements: pipelined, but only inside this block, whose
            # exit flushes everything (a Flush request, then writes until the buffer is empty) before it
            # waits for the results, and raises the first failed statement's error here.
            with conn.pipeline():
                sql = Sql(curs, sqlite=False)
                for request, share in zip(batch, shares, strict=True):
                    _project(sql, share, request.kwargs)
        for request, share in zip(batch, shares, strict=True):
            request.positions = share
        for observer in list(self.on_commit_size):
            try:
                observer(len(batch))
            except Exception:
                # Committed: an observer's failure must not make the appends look failed (and run again).
                log.exception("observer of a commit failed")
        return list(shares)


class ProjectingSQLiteRecorder(SQLiteApplicationRecorder):
    def _create_table(self, c: SQLiteCursor) -> None:
        super()._create_table(c)
        readmodel.create_tables(Sql(c, sqlite=True))
        request_log.create_table(Sql(c, sqlite=True))

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        _project(Sql(c, sqlite=True), positions, kwargs)
        return positions
