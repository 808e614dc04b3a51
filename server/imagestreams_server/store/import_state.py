"""What the scheduled importer last saw, per tag: kept beside the log, not in it.

A re-check that finds the same upstream digest changes nothing about the stream, so it appends nothing to
the log; but the importer still needs to remember that digest (so the next check is a single HEAD) and when
it last checked (so a restart neither re-scans everything at once nor checks too early). This table is that
memory. It is operational state: losing it costs one full check per tag, never a wrong tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .sql import Sql

SCHEMA = """CREATE TABLE IF NOT EXISTS is_import_state (
    namespace TEXT NOT NULL,
    stream TEXT NOT NULL,
    tag TEXT NOT NULL,
    source TEXT NOT NULL,
    source_digest TEXT NOT NULL,
    checked_at TEXT NOT NULL,
    PRIMARY KEY (namespace, stream, tag))"""


@dataclass(frozen=True)
class ImportState:
    namespace: str
    stream: str
    tag: str
    # The registry pull spec last checked, and the digest it had (a manifest list's own digest when one
    # platform was picked from it). A different source starts over.
    source: str
    source_digest: str
    checked_at: datetime


def create_table(sql: Sql) -> None:
    sql.execute(SCHEMA)


def load(sql: Sql) -> dict[tuple[str, str, str], ImportState]:
    rows = sql.execute("SELECT * FROM is_import_state").fetchall()
    return {
        (r["namespace"], r["stream"], r["tag"]): ImportState(
            r["namespace"],
            r["stream"],
            r["tag"],
            r["source"],
            r["source_digest"],
            datetime.fromisoformat(r["checked_at"]),
        )
        for r in rows
    }


def get(sql: Sql, namespace: str, stream: str, tag: str) -> ImportState | None:
    row = sql.execute(
        "SELECT * FROM is_import_state WHERE namespace = %s AND stream = %s AND tag = %s", (namespace, stream, tag)
    ).fetchone()
    if row is None:
        return None
    return ImportState(
        row["namespace"],
        row["stream"],
        row["tag"],
        row["source"],
        row["source_digest"],
        datetime.fromisoformat(row["checked_at"]),
    )


def save(sql: Sql, state: ImportState) -> None:
    sql.execute(
        "INSERT INTO is_import_state (namespace, stream, tag, source, source_digest, checked_at)"
        " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT (namespace, stream, tag) DO UPDATE SET"
        " source = excluded.source, source_digest = excluded.source_digest, checked_at = excluded.checked_at",
        (state.namespace, state.stream, state.tag, state.source, state.source_digest, state.checked_at.isoformat()),
    )
