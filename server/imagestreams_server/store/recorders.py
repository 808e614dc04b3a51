"""Application recorders that update the read models in the same transaction as the append.

The application passes the domain events and the saved aggregates down with the stored events
(`EventLog._record`); once the database has handed out the positions, the read models are written with them.
On PostgreSQL the events table is locked for the transaction, so projections run in commit order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

import psycopg
from eventsourcing.persistence import StoredEvent
from eventsourcing.postgres import PostgresApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder, SQLiteCursor

from . import readmodel
from .sql import Sql

_ABORT_TRANSACTION = "DO $$ BEGIN RAISE EXCEPTION 'read models could not be written'; END $$"


def _project(sql: Sql, positions: Sequence[int] | None, kwargs: dict[str, Any]) -> None:
    domain_events = kwargs.get("projected_events")
    if domain_events is None or positions is None:
        return
    assert len(positions) == len(domain_events), "one position per event"
    readmodel.project(sql, list(zip(positions, domain_events, strict=True)), kwargs.get("aggregates", ()))


class ProjectingPostgresRecorder(PostgresApplicationRecorder):
    def _create_table(self, curs: Any) -> None:
        super()._create_table(curs)
        readmodel.create_tables(Sql(curs, sqlite=False))

    def _fetch_ids_after_insert_events(self, curs: Any, stored_events: Sequence[StoredEvent], **kwargs: Any):  # type: ignore[no-untyped-def]
        positions = super()._fetch_ids_after_insert_events(curs, stored_events, **kwargs)
        try:
            # A nested pipeline block syncs on exit, so a failing statement raises here.
            with curs.connection.pipeline():
                _project(Sql(curs, sqlite=False), positions, kwargs)
        except Exception:
            # The base recorder holds an error raised here until its transaction block has ended, and that
            # block commits unless the transaction failed in the database. Fail it there, so the COMMIT
            # rolls back the events together with the read models.
            with contextlib.suppress(psycopg.Error), curs.connection.pipeline():
                curs.execute(_ABORT_TRANSACTION)
            raise
        return positions


class ProjectingSQLiteRecorder(SQLiteApplicationRecorder):
    def _create_table(self, c: SQLiteCursor) -> None:
        super()._create_table(c)
        readmodel.create_tables(Sql(c, sqlite=True))

    def _insert_events(
        self, c: SQLiteCursor, stored_events: Sequence[StoredEvent], **kwargs: Any
    ) -> Sequence[int] | None:
        positions = super()._insert_events(c, stored_events, **kwargs)
        _project(Sql(c, sqlite=True), positions, kwargs)
        return positions
