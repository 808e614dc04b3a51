"""The request log: which client request ids (`x-request-id`) a write was already applied for, and its answer.

A row is inserted by the recorder in the same transaction as the events it names (see recorders.py), so a
request either committed together with its row or not at all: a retry that finds the row never applies the
write twice, however the first attempt ended for its caller. The answer is stored on the row right after the
commit, by the same worker (which finishes even when the caller has gone). Rows are kept for RETENTION and are
operational state beside the log: never derived from it, never rebuilt.
"""

from __future__ import annotations

import base64
import time
from dataclasses import dataclass

from .sql import Sql

TABLE = "is_request_log"
# How long a request id is remembered. A client that retries later than this applies the write again.
RETENTION_SECONDS = 24 * 3600

SCHEMA = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        actor TEXT NOT NULL,
        request_id TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        position BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        response TEXT,
        PRIMARY KEY (actor, request_id))""",
    f"CREATE INDEX IF NOT EXISTS {TABLE}_by_age ON {TABLE} (created_at)",
)


@dataclass(frozen=True)
class RequestRow:
    # Request ids are scoped by caller: one caller's id never answers, or blocks, another's request.
    actor: str
    request_id: str
    # SHA-256 of the method and the serialized request: the same id with other content is refused.
    fingerprint: str
    # The log position of the change the request made.
    position: int
    # The serialized response, once stored (None between the commit and storing it, or if that was lost).
    response: bytes | None = None


def create_table(sql: Sql) -> None:
    for statement in SCHEMA:
        sql.execute(statement)


def find(sql: Sql, actor: str, request_id: str, now: float | None = None) -> RequestRow | None:
    """The request's row, unless it is older than RETENTION_SECONDS (it may not be deleted yet)."""
    cutoff = int((time.time() if now is None else now) - RETENTION_SECONDS)
    row = sql.execute(
        f"SELECT fingerprint, position, response FROM {TABLE}"
        " WHERE actor = %s AND request_id = %s AND created_at >= %s",
        (actor, request_id, cutoff),
    ).fetchone()
    if row is None:
        return None
    response = base64.b64decode(row["response"]) if row["response"] is not None else None
    return RequestRow(actor, request_id, row["fingerprint"], int(row["position"]), response)


def record(sql: Sql, row: RequestRow) -> None:
    """Inserts the row (inside the append's transaction). An expired row of the same id is replaced; a live
    one makes the insert fail, which rolls the append back: that request was applied by another attempt."""
    now = int(time.time())
    sql.execute(
        f"DELETE FROM {TABLE} WHERE actor = %s AND request_id = %s AND created_at < %s",
        (row.actor, row.request_id, now - RETENTION_SECONDS),
    )
    sql.execute(
        f"INSERT INTO {TABLE} (actor, request_id, fingerprint, position, created_at) VALUES (%s, %s, %s, %s, %s)",
        (row.actor, row.request_id, row.fingerprint, row.position, now),
    )


def answer(sql: Sql, actor: str, request_id: str, response: bytes) -> None:
    sql.execute(
        f"UPDATE {TABLE} SET response = %s WHERE actor = %s AND request_id = %s",
        (base64.b64encode(response).decode("ascii"), actor, request_id),
    )


def expire(sql: Sql, now: float | None = None) -> None:
    """Deletes the rows older than RETENTION_SECONDS (a range delete on the age index)."""
    cutoff = int((time.time() if now is None else now) - RETENTION_SECONDS)
    sql.execute(f"DELETE FROM {TABLE} WHERE created_at < %s", (cutoff,))
