"""Who is who and who may do what, held in memory: every request is authenticated and authorized from a
snapshot of the access read model, so a check costs microseconds and no database round trip.

The snapshot is replaced when it goes stale: at once after this process commits an access change (so a
caller sees its own grant or revocation on its next call), and when the watch hub, which follows the log,
meets an access change another replica committed (within milliseconds on PostgreSQL's NOTIFY, at most the
hub's poll interval otherwise). Reads that list access objects check the log first (`fresh`).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable
from datetime import datetime

from ..domain.identity import (
    AUTHENTICATED,
    Identity,
    Subject,
    SubjectKind,
    service_account_identity,
    user_identity,
)
from ..domain.policy import Decision, Policy
from ..store import access_rows
from ..store.access_rows import AccessRows
from ..store.app import EventLog
from .tokens import looks_like_token, token_name

# Tokens whose identities a snapshot remembers (past it, it forgets them all and starts again).
MAX_CACHED_TOKENS = 10_000


class AccessSnapshot:
    def __init__(self, rows: AccessRows) -> None:
        self.rows = rows
        self.position = rows.position
        self.policy = Policy(b.binding for b in rows.bindings)
        groups: dict[str, list[str]] = defaultdict(list)
        for group in sorted(rows.groups.values(), key=lambda g: g.name):
            for user in group.users:
                groups[user].append(group.name)
        self._groups_of = {user: tuple(names) for user, names in groups.items()}
        # Token -> the identity it proves in this snapshot: a token used again costs a dictionary lookup and
        # its expiry check, not a hash and a new identity. Bounded; gone with the snapshot.
        self._identities: dict[str, Identity] = {}

    def authenticate(self, token: str, now: Callable[[], datetime]) -> Identity | None:
        """The identity a token proves, or None: unknown, revoked, expired, or its subject is gone. `now` is
        asked only for a token that expires."""
        identity = self._identities.get(token)
        if identity is None:
            identity = self._resolve(token)
            if identity is None:
                return None
            if len(self._identities) >= MAX_CACHED_TOKENS:
                self._identities.clear()
            self._identities[token] = identity
        if identity.token_expires is not None and identity.token_expires <= now():
            return None
        return identity

    def _resolve(self, token: str) -> Identity | None:
        if not looks_like_token(token):
            return None
        row = self.rows.tokens.get(token_name(token))
        if row is None:
            return None
        subject = row.subject
        if self.subject_uid(subject) != row.subject_uid:
            return None
        return self.identity_of(subject, token_name=row.name, token_expires=row.expires)

    def subject_uid(self, subject: Subject) -> str | None:
        """The uid of a live user or service account (None when there is none by that name)."""
        if subject.kind is SubjectKind.USER:
            user = self.rows.users.get(subject.name)
            return user.uid if user else None
        if subject.kind is SubjectKind.SERVICE_ACCOUNT:
            sa = self.rows.service_accounts.get((subject.namespace, subject.name))
            return sa.uid if sa else None
        return None

    def identity_of(self, subject: Subject, **token: object) -> Identity:
        """The identity a subject has when it calls (its groups included)."""
        if subject.kind is SubjectKind.SERVICE_ACCOUNT:
            return service_account_identity(subject.namespace, subject.name, **token)  # type: ignore[arg-type]
        if subject.kind is SubjectKind.GROUP:
            return Identity("", (subject.name, AUTHENTICATED), subject)
        return user_identity(subject.name, self._groups_of.get(subject.name, ()), **token)  # type: ignore[arg-type]

    def certificate_identity(self, common_name: str, organizations: tuple[str, ...]) -> Identity:
        """A client certificate's identity, as Kubernetes reads one: CN the user, O its groups."""
        named = (*organizations, *self._groups_of.get(common_name, ()))
        return Identity(common_name, (*dict.fromkeys(named), AUTHENTICATED), Subject.user(common_name))

    def groups_of(self, user: str) -> tuple[str, ...]:
        return self._groups_of.get(user, ())

    def project_exists(self, name: str) -> bool:
        return name in self.rows.projects

    def decide(self, identity: Identity, verb: str, resource: str, namespace: str) -> Decision:
        return self.policy.decide(identity, verb, resource, namespace)


class AccessCache:
    """The current snapshot, reloaded from the read model when it has gone stale."""

    def __init__(self, log: EventLog) -> None:
        self.log = log
        self._snapshot: AccessSnapshot | None = None
        self._stale = True
        self._lock = threading.Lock()
        self.loads = 0

    def invalidate(self) -> None:
        self._stale = True

    def cached(self) -> AccessSnapshot | None:
        """The snapshot when it is fresh, without blocking: the event loop's fast path."""
        return None if self._stale else self._snapshot

    def snapshot(self) -> AccessSnapshot:
        """The current snapshot, loading it when stale (blocking: call it on a worker thread)."""
        snapshot = self.cached()
        if snapshot is not None:
            return snapshot
        with self._lock:
            if not self._stale and self._snapshot is not None:
                return self._snapshot
            # Cleared before the read: an invalidation that arrives during the load marks the new one stale.
            self._stale = False
            try:
                with self.log.read(consistent=True) as sql:
                    rows = access_rows.load(sql)
            except BaseException:
                self._stale = True
                raise
            self._snapshot = AccessSnapshot(rows)
            self.loads += 1
            return self._snapshot

    def fresh(self) -> AccessSnapshot:
        """The snapshot, reloaded first if the log holds an access change it has not seen (one small read):
        for answers about access itself, which must not lag another replica's change."""
        snapshot = self.snapshot()
        with self.log.read() as sql:
            position = access_rows.tracked_position(sql)
        if position != snapshot.position:
            self.invalidate()
            snapshot = self.snapshot()
        return snapshot
