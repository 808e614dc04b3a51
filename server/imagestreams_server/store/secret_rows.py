"""The pull secrets' read model: one row per live secret, written by `readmodel` like every other row.

A row holds what a listing shows and the sealed credentials imports open; never a password in clear text.
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.secret import RegistryEntry, Sealed, Secret, SecretType
from .sql import Sql, keyset_where

TABLE = "is_secrets"
SCHEMA = (
    f"""CREATE TABLE IF NOT EXISTS {TABLE} (
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        position BIGINT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (namespace, name))""",
)


@dataclass(frozen=True)
class StoredSecret:
    namespace: str
    name: str
    uid: str
    secret_type: SecretType
    created: datetime
    registries: list[RegistryEntry]
    used_for_imports: bool
    sealed: Sealed
    position: int


def write(sql: Sql, secret: Secret, position: int) -> None:
    key = (secret.namespace, secret.name)
    if secret.deleted:
        sql.execute(f"DELETE FROM {TABLE} WHERE namespace = %s AND name = %s", key)
        return
    doc = {
        "uid": secret.uid,
        "type": secret.secret_type.value,
        "created": secret.created.isoformat(),
        "registries": [r.to_dict() for r in secret.registries],
        "used_for_imports": secret.used_for_imports,
        "sealed": secret.sealed.text,
        "key_id": secret.sealed.key_id,
    }
    sql.execute(
        f"INSERT INTO {TABLE} (namespace, name, position, doc) VALUES (%s, %s, %s, %s)"
        " ON CONFLICT (namespace, name) DO UPDATE SET position = excluded.position, doc = excluded.doc",
        (*key, position, json.dumps(doc, sort_keys=True)),
    )


def get(sql: Sql, namespace: str, name: str) -> StoredSecret | None:
    row = sql.execute(
        f"SELECT namespace, name, position, doc FROM {TABLE} WHERE namespace = %s AND name = %s", (namespace, name)
    ).fetchone()
    return _stored(row) if row else None


def page(
    sql: Sql, namespace: str, after: tuple[str, str] | None, limit: int, within: Collection[str] | None = None
) -> list[StoredSecret]:
    """Secrets ordered by (namespace, name), after the given key; every namespace (or every one of `within`)
    when it is empty."""
    where, params = keyset_where(namespace, after, within)
    rows = sql.execute(
        f"SELECT namespace, name, position, doc FROM {TABLE}{where} ORDER BY namespace, name LIMIT %s",
        (*params, limit),
    ).fetchall()
    return [_stored(row) for row in rows]


def used_for_imports(sql: Sql, namespace: str) -> list[StoredSecret]:
    """The secrets a namespace's imports use, by name: the order their credentials are looked up in."""
    rows = sql.execute(
        f"SELECT namespace, name, position, doc FROM {TABLE} WHERE namespace = %s ORDER BY name", (namespace,)
    ).fetchall()
    return [s for s in map(_stored, rows) if s.used_for_imports]


def _stored(row: Any) -> StoredSecret:
    doc = json.loads(row["doc"])
    return StoredSecret(
        namespace=row["namespace"],
        name=row["name"],
        uid=doc["uid"],
        secret_type=SecretType(doc["type"]),
        created=datetime.fromisoformat(doc["created"]),
        registries=[RegistryEntry.from_dict(r) for r in doc["registries"]],
        used_for_imports=bool(doc["used_for_imports"]),
        sealed=Sealed(doc["sealed"], doc["key_id"]),
        position=int(row["position"]),
    )
