"""One small seam over the two databases: statements are written once with `%s` placeholders."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Protocol

from eventsourcing.persistence import ApplicationRecorder
from eventsourcing.sqlite import SQLiteApplicationRecorder
from psycopg.rows import tuple_row


class DbCursor(Protocol):
    def execute(self, statement: Any, params: Any = ...) -> Any: ...
    def fetchall(self) -> Sequence[Any]: ...
    def fetchone(self) -> Any: ...


class Sql:
    """A cursor of either database that speaks `%s` placeholders and returns rows indexable by name."""

    def __init__(self, cursor: DbCursor, *, sqlite: bool) -> None:
        self._cursor = cursor
        self._sqlite = sqlite

    @property
    def is_sqlite(self) -> bool:
        return self._sqlite

    def execute(self, statement: str, params: Sequence[Any] = ()) -> Sql:
        if self._sqlite:
            statement = statement.replace("%s", "?")
        self._cursor.execute(statement, tuple(params))
        return self

    def tuples(self, statement: str, params: Sequence[Any] = ()) -> list[Sequence[Any]]:
        """A statement's rows by column position, not by name: cheaper when there are many."""
        if self._sqlite:
            # sqlite3.Row indexes by position as well.
            return self.execute(statement, params).fetchall()
        with self._cursor.connection.cursor(row_factory=tuple_row) as cursor:  # type: ignore[attr-defined]
            cursor.execute(statement, tuple(params))
            return cursor.fetchall()

    def insert_many(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Inserts `rows` in bulk: one COPY on PostgreSQL (no statement per row, no round trip per row), one
        `executemany` on SQLite (in process, where a statement costs no round trip)."""
        if not rows:
            return
        if self._sqlite:
            marks = ", ".join(["?"] * len(columns))
            self._cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows)  # type: ignore[attr-defined]
            return
        with self._cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)

    @contextmanager
    def pipeline(self) -> Iterator[None]:
        """On PostgreSQL the block's statements are sent without waiting for each answer (a pipeline), and
        the first failure is raised at its end; on SQLite, where a statement costs no round trip, as they are."""
        if self._sqlite:
            yield
            return
        with self._cursor.connection.pipeline():  # type: ignore[attr-defined]
            yield

    def raw(self, statement: Any) -> None:
        """Runs a statement composed elsewhere (a psycopg `Composed`), as it is."""
        self._cursor.execute(statement)

    def fetchall(self) -> list[Any]:
        return list(self._cursor.fetchall())

    def fetchone(self) -> Any:
        return self._cursor.fetchone()


def keyset_where(
    namespace: str, after: tuple[str, str] | None, within: Collection[str] | None = None
) -> tuple[str, list[Any]]:
    """The WHERE clause (and its parameters) of a page of rows keyed by (namespace, name): rows of one
    namespace (every namespace when empty, or every one of `within` when given), after the previous page's
    last key."""
    clauses: list[str] = []
    params: list[Any] = []
    if namespace:
        clauses.append("namespace = %s")
        params.append(namespace)
    elif within is not None:
        clauses.append(f"namespace IN ({', '.join(['%s'] * len(within))})" if within else "1 = 0")
        params.extend(sorted(within))
    if after:
        clauses.append("(namespace > %s OR (namespace = %s AND name > %s))")
        params.extend([after[0], after[0], after[1]])
    return (f" WHERE {' AND '.join(clauses)}" if clauses else ""), params


def events_table(recorder: Any, *, sqlite: bool) -> str:
    """A recorder's table (events or snapshots) as a statement names it: schema-qualified on PostgreSQL."""
    if sqlite:
        return str(recorder.events_table_name)
    return f'"{recorder.datastore.schema}"."{recorder.events_table_name}"'


def is_sqlite_recorder(recorder: ApplicationRecorder) -> bool:
    return isinstance(recorder, SQLiteApplicationRecorder)


@contextmanager
def transaction(recorder: ApplicationRecorder, *, commit: bool) -> Iterator[Sql]:
    """A transaction on the log's own database (the read models live beside the events)."""
    datastore = recorder.datastore  # type: ignore[attr-defined]
    with datastore.transaction(commit=commit) as cursor:
        yield Sql(cursor, sqlite=is_sqlite_recorder(recorder))


@contextmanager
def reading(recorder: ApplicationRecorder) -> Iterator[Sql]:
    """Statements that only read. On PostgreSQL they run outside a transaction (the pool's connections are in
    autocommit mode): each sees what was committed when it starts, as it would inside a transaction at
    PostgreSQL's default isolation (READ COMMITTED), without the BEGIN and ROLLBACK round trips. SQLite reads
    in a transaction as before (a snapshot, and no round trips to save)."""
    if is_sqlite_recorder(recorder):
        with transaction(recorder, commit=False) as sql:
            yield sql
        return
    with recorder.datastore.get_connection() as conn, conn.cursor() as cursor:  # type: ignore[attr-defined]
        yield Sql(cursor, sqlite=False)
