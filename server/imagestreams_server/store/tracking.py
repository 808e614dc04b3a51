"""`is_tracking`: the log position each read model reflects, written in the transaction that writes its rows."""

from __future__ import annotations

from .sql import Sql


def advance(sql: Sql, name: str, position: int) -> None:
    """Moves `name` forward to `position` (never back: rows may be written out of order within a batch)."""
    sql.execute(
        "INSERT INTO is_tracking (name, position) VALUES (%s, %s)"
        " ON CONFLICT (name) DO UPDATE SET position = excluded.position"
        " WHERE is_tracking.position < excluded.position",
        (name, position),
    )


def position(sql: Sql, name: str) -> int:
    row = sql.execute("SELECT position FROM is_tracking WHERE name = %s", (name,)).fetchone()
    return int(row["position"]) if row else 0
