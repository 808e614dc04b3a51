"""The access read model: projects, service accounts, role bindings, users, groups and tokens, one row each,
written by `readmodel` in the append's transaction like every other row. A token row holds its hash only.

`is_tracking` row `access` is the position of the last access change: a server's in-memory copy of these
tables (the access snapshot) is fresh while that position has not moved.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..domain.access import ClusterPolicy, Group, Project, Token, User
from ..domain.identity import Subject
from ..domain.policy import RoleBinding
from . import tracking
from .sql import Sql

TRACKING_NAME = "access"
AGGREGATES = (Project, ClusterPolicy, User, Group, Token)
EVENTS = tuple(a.Event for a in AGGREGATES)

TABLES = ("is_projects", "is_service_accounts", "is_role_bindings", "is_users", "is_groups", "is_tokens")
SCHEMA = (
    """CREATE TABLE IF NOT EXISTS is_projects (
        name TEXT PRIMARY KEY,
        position BIGINT NOT NULL,
        doc TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS is_service_accounts (
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        position BIGINT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (namespace, name))""",
    """CREATE TABLE IF NOT EXISTS is_role_bindings (
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        position BIGINT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (namespace, name))""",
    """CREATE TABLE IF NOT EXISTS is_users (
        name TEXT PRIMARY KEY,
        position BIGINT NOT NULL,
        doc TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS is_groups (
        name TEXT PRIMARY KEY,
        position BIGINT NOT NULL,
        doc TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS is_tokens (
        name TEXT PRIMARY KEY,
        position BIGINT NOT NULL,
        doc TEXT NOT NULL)""",
)


@dataclass(frozen=True)
class ProjectRow:
    name: str
    uid: str
    display_name: str
    description: str
    requester: str
    created: datetime
    position: int


@dataclass(frozen=True)
class ServiceAccountRow:
    namespace: str
    name: str
    uid: str
    created: datetime
    position: int


@dataclass(frozen=True)
class UserRow:
    name: str
    uid: str
    created: datetime
    position: int


@dataclass(frozen=True)
class GroupRow:
    name: str
    users: tuple[str, ...]
    created: datetime
    position: int


@dataclass(frozen=True)
class TokenRow:
    name: str
    subject: Subject
    subject_uid: str
    created: datetime
    expires: datetime | None
    description: str
    created_by: str
    position: int


@dataclass(frozen=True)
class BindingRow:
    binding: RoleBinding
    position: int


@dataclass
class AccessRows:
    """Every access row, as one read saw them."""

    position: int = 0
    projects: dict[str, ProjectRow] = field(default_factory=dict)
    service_accounts: dict[tuple[str, str], ServiceAccountRow] = field(default_factory=dict)
    bindings: list[BindingRow] = field(default_factory=list)
    users: dict[str, UserRow] = field(default_factory=dict)
    groups: dict[str, GroupRow] = field(default_factory=dict)
    tokens: dict[str, TokenRow] = field(default_factory=dict)


def create_tables(sql: Sql) -> None:
    for statement in SCHEMA:
        sql.execute(statement)


def is_access_event(event: Any) -> bool:
    return isinstance(event, EVENTS)


# -- writing ------------------------------------------------------------------------------------------------


def write(sql: Sql, aggregate: Any, position: int) -> None:
    if isinstance(aggregate, Project):
        _write_project(sql, aggregate, position)
    elif isinstance(aggregate, ClusterPolicy):
        _write_bindings(sql, "", aggregate.bindings, position)
    elif isinstance(aggregate, User):
        doc = {"uid": aggregate.uid, "created": aggregate.created.isoformat()}
        _upsert_or_delete(sql, "is_users", aggregate.name, position, None if aggregate.deleted else doc)
    elif isinstance(aggregate, Group):
        doc = {"users": aggregate.users, "created": aggregate.created.isoformat()}
        _upsert_or_delete(sql, "is_groups", aggregate.name, position, None if aggregate.deleted else doc)
    elif isinstance(aggregate, Token):
        token_doc = {
            "subject": aggregate.subject.to_dict(),
            "subject_uid": aggregate.subject_uid,
            "created": aggregate.created.isoformat(),
            "expires": aggregate.expires.isoformat() if aggregate.expires else "",
            "description": aggregate.description,
            "created_by": aggregate.created_by,
        }
        _upsert_or_delete(sql, "is_tokens", aggregate.name, position, None if aggregate.revoked else token_doc)


def _upsert_or_delete(sql: Sql, table: str, name: str, position: int, doc: dict[str, Any] | None) -> None:
    if doc is None:
        sql.execute(f"DELETE FROM {table} WHERE name = %s", (name,))
        return
    sql.execute(
        f"INSERT INTO {table} (name, position, doc) VALUES (%s, %s, %s)"
        " ON CONFLICT (name) DO UPDATE SET position = excluded.position, doc = excluded.doc",
        (name, position, json.dumps(doc, sort_keys=True)),
    )


def _write_project(sql: Sql, project: Project, position: int) -> None:
    """A project's row and the rows of its service accounts and bindings: rewritten whole, since a project
    holds a handful of each."""
    doc = {
        "uid": project.uid,
        "display_name": project.display_name,
        "description": project.description,
        "requester": project.requester,
        "created": project.created.isoformat(),
    }
    _upsert_or_delete(sql, "is_projects", project.name, position, None if project.deleted else doc)
    sql.execute("DELETE FROM is_service_accounts WHERE namespace = %s", (project.name,))
    for name, uid in sorted(project.service_accounts.items()):
        created = project.service_accounts_created.get(name, project.created)
        sql.execute(
            "INSERT INTO is_service_accounts (namespace, name, position, doc) VALUES (%s, %s, %s, %s)",
            (project.name, name, position, json.dumps({"uid": uid, "created": created.isoformat()}, sort_keys=True)),
        )
    _write_bindings(sql, project.name, project.bindings, position)


def _write_bindings(sql: Sql, namespace: str, bindings: dict[str, RoleBinding], position: int) -> None:
    sql.execute("DELETE FROM is_role_bindings WHERE namespace = %s", (namespace,))
    for name, binding in sorted(bindings.items()):
        sql.execute(
            "INSERT INTO is_role_bindings (namespace, name, position, doc) VALUES (%s, %s, %s, %s)",
            (namespace, name, position, json.dumps(binding.to_dict(), sort_keys=True)),
        )


# -- reading ------------------------------------------------------------------------------------------------


def load(sql: Sql) -> AccessRows:
    """Every access row; run it in one consistent read."""
    rows = AccessRows(position=tracked_position(sql))
    for r in sql.execute("SELECT name, position, doc FROM is_projects").fetchall():
        doc = json.loads(r["doc"])
        rows.projects[r["name"]] = ProjectRow(
            r["name"],
            doc["uid"],
            doc["display_name"],
            doc["description"],
            doc["requester"],
            datetime.fromisoformat(doc["created"]),
            int(r["position"]),
        )
    for r in sql.execute("SELECT namespace, name, position, doc FROM is_service_accounts").fetchall():
        doc = json.loads(r["doc"])
        rows.service_accounts[(r["namespace"], r["name"])] = ServiceAccountRow(
            r["namespace"], r["name"], doc["uid"], datetime.fromisoformat(doc["created"]), int(r["position"])
        )
    for r in sql.execute("SELECT namespace, position, doc FROM is_role_bindings ORDER BY namespace, name").fetchall():
        rows.bindings.append(
            BindingRow(RoleBinding.from_dict(r["namespace"], json.loads(r["doc"])), int(r["position"]))
        )
    for r in sql.execute("SELECT name, position, doc FROM is_users").fetchall():
        doc = json.loads(r["doc"])
        rows.users[r["name"]] = UserRow(
            r["name"], doc["uid"], datetime.fromisoformat(doc["created"]), int(r["position"])
        )
    for r in sql.execute("SELECT name, position, doc FROM is_groups").fetchall():
        doc = json.loads(r["doc"])
        rows.groups[r["name"]] = GroupRow(
            r["name"], tuple(doc["users"]), datetime.fromisoformat(doc["created"]), int(r["position"])
        )
    for r in sql.execute("SELECT name, position, doc FROM is_tokens").fetchall():
        doc = json.loads(r["doc"])
        rows.tokens[r["name"]] = TokenRow(
            r["name"],
            Subject.from_dict(doc["subject"]),
            doc["subject_uid"],
            datetime.fromisoformat(doc["created"]),
            datetime.fromisoformat(doc["expires"]) if doc["expires"] else None,
            doc["description"],
            doc["created_by"],
            int(r["position"]),
        )
    return rows


def tracked_position(sql: Sql) -> int:
    return tracking.position(sql, TRACKING_NAME)


def namespaces_in_use(sql: Sql) -> set[str]:
    """Namespaces that hold streams or secrets: a store written before projects existed has only these."""
    found: set[str] = set()
    for table in ("is_streams", "is_secrets"):
        found.update(r["namespace"] for r in sql.execute(f"SELECT DISTINCT namespace FROM {table}").fetchall())
    return found
