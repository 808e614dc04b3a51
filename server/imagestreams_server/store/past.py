"""Where an aggregate's events sit in the log, for reading it as it was at an earlier position or time.

eventsourcing keeps an aggregate's events by version; the log position (notification id) of each sits beside
it in the same row (`notification_id` on PostgreSQL, `rowid` on SQLite), and both grow together (an
aggregate's next version is appended after the one before it, under the log's write lock). So the newest
version at or before a position, or at or before a time, is a binary search over the aggregate's versions,
each step one lookup by primary key: about log2 of its events' count, however long its history.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from eventsourcing.persistence import StoredEvent

from .sql import Sql, events_table


def _table(sql: Sql, recorder: Any) -> tuple[str, str]:
    """The recorder's table, and the column of an event's log position in it."""
    return events_table(recorder, sqlite=sql.is_sqlite), "rowid" if sql.is_sqlite else "notification_id"


def last_version(newest: int, holds: Callable[[int], bool]) -> int:
    """The highest version in 1..newest for which `holds`, which holds for every version below one that
    holds; 0 if none does."""
    low, high = 0, newest
    while low < high:
        middle = (low + high + 1) // 2
        if holds(middle):
            low = middle
        else:
            high = middle - 1
    return low


def position_of(sql: Sql, recorder: Any, aggregate_id: str, version: int) -> int:
    table, position = _table(sql, recorder)
    row = sql.execute(
        f"SELECT {position} AS position FROM {table} WHERE originator_id = %s AND originator_version = %s",
        (aggregate_id, version),
    ).fetchone()
    return int(row["position"]) if row else 0


def newest_at(sql: Sql, recorder: Any, aggregate_id: str, up_to: int) -> tuple[int, int] | None:
    """(version, position) of the aggregate's newest event at or before log position `up_to`, if any."""
    table, _ = _table(sql, recorder)
    row = sql.execute(
        f"SELECT MAX(originator_version) AS version FROM {table} WHERE originator_id = %s", (aggregate_id,)
    ).fetchone()
    newest = int(row["version"]) if row and row["version"] is not None else 0
    if not newest:
        return None
    position = position_of(sql, recorder, aggregate_id, newest)
    if position <= up_to:  # the usual case: the point is after the aggregate's last change
        return newest, position
    version = last_version(newest - 1, lambda v: position_of(sql, recorder, aggregate_id, v) <= up_to)
    return (version, position_of(sql, recorder, aggregate_id, version)) if version else None


def stored_event(sql: Sql, recorder: Any, aggregate_id: str, version: int) -> StoredEvent:
    table, _ = _table(sql, recorder)
    row = sql.execute(
        f"SELECT topic, state FROM {table} WHERE originator_id = %s AND originator_version = %s",
        (aggregate_id, version),
    ).fetchone()
    return StoredEvent(aggregate_id, version, row["topic"], bytes(row["state"]))
