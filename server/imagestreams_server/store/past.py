"""The log positions of one aggregate's events, for reading it as it was at an earlier position.

eventsourcing keeps an aggregate's events by version; the log position (notification id) of each sits beside
it in the same row (`notification_id` on PostgreSQL, `rowid` on SQLite). Both stores index the row by
(originator_id, originator_version), so this reads the aggregate's own events, not the log.
"""

from __future__ import annotations

from typing import Any

from .sql import Sql


def event_positions(sql: Sql, recorder: Any, aggregate_id: str, up_to: int) -> list[tuple[int, int]]:
    """(version, position) of the aggregate's events at or before log position `up_to`, oldest first."""
    if sql.is_sqlite:
        table, position = recorder.events_table_name, "rowid"
    else:
        table, position = f'"{recorder.datastore.schema}"."{recorder.events_table_name}"', "notification_id"
    rows = sql.execute(
        f"SELECT originator_version AS version, {position} AS position FROM {table}"
        f" WHERE originator_id = %s AND {position} <= %s ORDER BY originator_version",
        (aggregate_id, up_to),
    ).fetchall()
    return [(int(r["version"]), int(r["position"])) for r in rows]
