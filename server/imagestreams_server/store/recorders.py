"""Application recorders that update the read models in the same transaction as the append.

The application passes the domain events and the saved aggregates down with the stored events
(`EventLog._record`); once the database has handed out the positions, the read models are written with them.
On PostgreSQL the events table is locked for the transaction, so projections run in commit order.

On PostgreSQL the append does not use the library's pipelined insert: `Pipeline.sync()` in psycopg stops
sending once it has queued its Sync and then only waits to read, so when the one INSERT that carries a batch
is larger than the socket's send buffer (a few MB: a Tag into a thousand new streams) the rest of it stays in
the client's buffer while the server waits for it, holding the events table's lock, and neither side ever
moves again. Each statement here is sent in full before its answer is awaited.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from eventsourcing.persistence import InterfaceError, OperationalError, StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor
from eventsourcing.utils import retry

from . import readmodel, request_log
from .sql import Sql


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
    def _create_table(self, curs: Any) -> None:
        super()._create_table(curs)
        readmodel.create_tables(Sql(curs, sqlite=False))
        request_log.create_table(Sql(curs, sqlite=False))

    # The library's own retry of a lost connection or a lock timeout, kept as it is.
    @retry((InterfaceError, OperationalError), max_attempts=10, wait=0.2)
    def insert_events(self, stored_events: Sequence[StoredEvent], **kwargs: Any) -> Sequence[int] | None:
        """One transaction: lock the events table, NOTIFY, insert the batch and read back its positions, then
        write the read models; an error anywhere rolls all of it back."""
        if not stored_events:
            return None
        with self.datastore.get_connection() as conn, conn.transaction(), conn.cursor() as curs:
            # Outside pipeline mode a statement is flushed to the end before its result is read, whatever
            # its size.
            self._insert_stored_events(curs, stored_events, **kwargs)
            positions = self._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
            # The read-model rows are many small statements: pipelined, but only inside this block, whose
            # exit flushes everything (a Flush request, then writes until the buffer is empty) before it
            # waits for the results, and raises the first failed statement's error here.
            with conn.pipeline():
                _project(Sql(curs, sqlite=False), positions, kwargs)
        return positions


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
