"""The access aggregates: projects (with their service accounts and role bindings), the cluster's role
bindings, users, groups and tokens. Like streams, every change is an event in the log; a token's event holds
its hash, never the token.

A user, a service account and a project each get a new uid when their name is used again after a delete,
and a token names the uid of its subject: a token never outlives the subject it was issued to.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .base import TextIdAggregate
from .identity import DEFAULT_SERVICE_ACCOUNTS, Subject
from .policy import RoleBinding, project_default_bindings

CLUSTER_POLICY_ID = "cluster-policy"


def project_id(name: str) -> str:
    return f"project:{name}"


def user_id(name: str) -> str:
    return f"user:{name}"


def group_id(name: str) -> str:
    return f"group:{name}"


def token_id(name: str) -> str:
    return f"token:{name}"


class _Bindings:
    """What a project and the cluster policy share: role bindings by name, changed by events."""

    bindings: dict[str, RoleBinding]
    scope: str

    def _set_binding(self, event: Any) -> None:
        binding = RoleBinding.from_dict(self.scope, event.binding)
        if binding.subjects:
            self.bindings[binding.name] = binding
        else:
            self.bindings.pop(binding.name, None)


class Project(TextIdAggregate, _Bindings):
    TOPIC = "imagestreams:Project"

    name: str
    uid: str
    display_name: str
    description: str
    requester: str
    created: datetime
    deleted: bool
    # Service account name -> its uid.
    service_accounts: dict[str, str]
    service_accounts_created: dict[str, datetime]

    class Event(TextIdAggregate.Event):
        TOPIC = "imagestreams:Project.Event"
        actor: str
        cause: str

    class Created(Event, TextIdAggregate.Created):
        """A new project with its default service accounts and bindings."""

        TOPIC = "imagestreams:Project.Created"
        name: str
        uid: str
        display_name: str
        description: str
        requester: str
        service_accounts: dict[str, str]
        bindings: list[dict[str, Any]]

        def apply(self, aggregate: Any) -> None:
            aggregate.name = self.name
            aggregate._reset(self)

    class Recreated(Event):
        TOPIC = "imagestreams:Project.Recreated"
        uid: str
        display_name: str
        description: str
        requester: str
        service_accounts: dict[str, str]
        bindings: list[dict[str, Any]]

        def apply(self, aggregate: Any) -> None:
            aggregate._reset(self)

    class Deleted(Event):
        TOPIC = "imagestreams:Project.Deleted"

        def apply(self, aggregate: Any) -> None:
            aggregate.deleted = True
            aggregate.service_accounts = {}
            aggregate.service_accounts_created = {}
            aggregate.bindings = {}

    class ServiceAccountCreated(Event):
        TOPIC = "imagestreams:Project.ServiceAccountCreated"
        service_account: str
        uid: str

        def apply(self, aggregate: Any) -> None:
            aggregate.service_accounts[self.service_account] = self.uid
            aggregate.service_accounts_created[self.service_account] = self.timestamp

    class ServiceAccountDeleted(Event):
        TOPIC = "imagestreams:Project.ServiceAccountDeleted"
        service_account: str

        def apply(self, aggregate: Any) -> None:
            aggregate.service_accounts.pop(self.service_account, None)
            aggregate.service_accounts_created.pop(self.service_account, None)

    class BindingSet(Event):
        """A binding created or changed; one with no subject left is removed."""

        TOPIC = "imagestreams:Project.BindingSet"
        binding: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            aggregate._set_binding(self)

    def __init__(self) -> None:
        self.deleted = False
        self.bindings = {}
        self.service_accounts = {}
        self.service_accounts_created = {}

    @property
    def scope(self) -> str:  # type: ignore[override]
        return self.name

    def _reset(self, event: Any) -> None:
        self.uid = event.uid
        self.display_name = event.display_name
        self.description = event.description
        self.requester = event.requester
        self.created = event.timestamp
        self.deleted = False
        self.service_accounts = dict(event.service_accounts)
        self.service_accounts_created = {name: event.timestamp for name in event.service_accounts}
        self.bindings = {b["name"]: RoleBinding.from_dict(self.name, b) for b in event.bindings}

    @staticmethod
    def _initial(name: str, requester: Subject | None, new_uid: Any) -> dict[str, Any]:
        return {
            "service_accounts": {sa: new_uid() for sa in DEFAULT_SERVICE_ACCOUNTS},
            "bindings": [b.to_dict() for b in project_default_bindings(name, requester)],
            "requester": requester.username if requester else "",
        }

    @classmethod
    def create(
        cls,
        name: str,
        *,
        uid: str,
        display_name: str,
        description: str,
        requester: Subject | None,
        new_uid: Any,
        now: datetime,
        actor: str,
        cause: str = "",
    ) -> Project:
        return cls._create(
            cls.Created,
            id=project_id(name),
            timestamp=now,
            name=name,
            uid=uid,
            display_name=display_name,
            description=description,
            actor=actor,
            cause=cause,
            **cls._initial(name, requester, new_uid),
        )

    def recreate(
        self,
        *,
        uid: str,
        display_name: str,
        description: str,
        requester: Subject | None,
        new_uid: Any,
        now: datetime,
        actor: str,
        cause: str = "",
    ) -> None:
        assert self.deleted, "only a deleted project can be created again"
        self.trigger_event(
            self.Recreated,
            timestamp=now,
            uid=uid,
            display_name=display_name,
            description=description,
            actor=actor,
            cause=cause,
            **self._initial(self.name, requester, new_uid),
        )

    def delete(self, *, now: datetime, actor: str, cause: str = "") -> None:
        assert not self.deleted, "a deleted project is not found, not deleted again"
        self.trigger_event(self.Deleted, timestamp=now, actor=actor, cause=cause)

    def create_service_account(self, name: str, *, uid: str, now: datetime, actor: str, cause: str = "") -> None:
        assert name not in self.service_accounts, "checked by the caller: it says AlreadyExists"
        self.trigger_event(
            self.ServiceAccountCreated, timestamp=now, service_account=name, uid=uid, actor=actor, cause=cause
        )

    def delete_service_account(self, name: str, *, now: datetime, actor: str, cause: str = "") -> None:
        assert name in self.service_accounts, "checked by the caller: it says NotFound"
        self.trigger_event(self.ServiceAccountDeleted, timestamp=now, service_account=name, actor=actor, cause=cause)

    def set_binding(self, binding: RoleBinding, *, now: datetime, actor: str, cause: str = "") -> None:
        self.trigger_event(self.BindingSet, timestamp=now, binding=binding.to_dict(), actor=actor, cause=cause)


class ClusterPolicy(TextIdAggregate, _Bindings):
    """The cluster role bindings (`cluster-admins`, `self-provisioners`, and what administrators add)."""

    TOPIC = "imagestreams:ClusterPolicy"
    scope = ""

    class Event(TextIdAggregate.Event):
        TOPIC = "imagestreams:ClusterPolicy.Event"
        actor: str
        cause: str

    class Created(Event, TextIdAggregate.Created):
        TOPIC = "imagestreams:ClusterPolicy.Created"
        bindings: list[dict[str, Any]]

        def apply(self, aggregate: Any) -> None:
            aggregate.bindings = {b["name"]: RoleBinding.from_dict("", b) for b in self.bindings}

    class BindingSet(Event):
        TOPIC = "imagestreams:ClusterPolicy.BindingSet"
        binding: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            aggregate._set_binding(self)

    def __init__(self) -> None:
        self.bindings = {}

    @classmethod
    def create(cls, bindings: list[RoleBinding], *, now: datetime, actor: str, cause: str = "") -> ClusterPolicy:
        return cls._create(
            cls.Created,
            id=CLUSTER_POLICY_ID,
            timestamp=now,
            bindings=[b.to_dict() for b in bindings],
            actor=actor,
            cause=cause,
        )

    def set_binding(self, binding: RoleBinding, *, now: datetime, actor: str, cause: str = "") -> None:
        self.trigger_event(self.BindingSet, timestamp=now, binding=binding.to_dict(), actor=actor, cause=cause)


class User(TextIdAggregate):
    TOPIC = "imagestreams:User"

    name: str
    uid: str
    created: datetime
    deleted: bool

    class Event(TextIdAggregate.Event):
        TOPIC = "imagestreams:User.Event"
        actor: str
        cause: str

    class Created(Event, TextIdAggregate.Created):
        TOPIC = "imagestreams:User.Created"
        name: str
        uid: str

        def apply(self, aggregate: Any) -> None:
            aggregate.name, aggregate.uid, aggregate.created = self.name, self.uid, self.timestamp
            aggregate.deleted = False

    class Recreated(Event):
        TOPIC = "imagestreams:User.Recreated"
        uid: str

        def apply(self, aggregate: Any) -> None:
            aggregate.uid, aggregate.created, aggregate.deleted = self.uid, self.timestamp, False

    class Deleted(Event):
        TOPIC = "imagestreams:User.Deleted"

        def apply(self, aggregate: Any) -> None:
            aggregate.deleted = True

    def __init__(self) -> None:
        self.deleted = False

    @classmethod
    def create(cls, name: str, *, uid: str, now: datetime, actor: str, cause: str = "") -> User:
        return cls._create(cls.Created, id=user_id(name), timestamp=now, name=name, uid=uid, actor=actor, cause=cause)

    def recreate(self, *, uid: str, now: datetime, actor: str, cause: str = "") -> None:
        assert self.deleted, "only a deleted user can be created again"
        self.trigger_event(self.Recreated, timestamp=now, uid=uid, actor=actor, cause=cause)

    def delete(self, *, now: datetime, actor: str, cause: str = "") -> None:
        assert not self.deleted, "a deleted user is not found, not deleted again"
        self.trigger_event(self.Deleted, timestamp=now, actor=actor, cause=cause)


class Group(TextIdAggregate):
    TOPIC = "imagestreams:Group"

    name: str
    users: list[str]
    created: datetime
    deleted: bool

    class Event(TextIdAggregate.Event):
        TOPIC = "imagestreams:Group.Event"
        actor: str
        cause: str

    class Created(Event, TextIdAggregate.Created):
        TOPIC = "imagestreams:Group.Created"
        name: str
        users: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.name, aggregate.users, aggregate.created = self.name, list(self.users), self.timestamp
            aggregate.deleted = False

    class Recreated(Event):
        TOPIC = "imagestreams:Group.Recreated"
        users: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.users, aggregate.created, aggregate.deleted = list(self.users), self.timestamp, False

    class UsersChanged(Event):
        TOPIC = "imagestreams:Group.UsersChanged"
        users: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.users = list(self.users)

    class Deleted(Event):
        TOPIC = "imagestreams:Group.Deleted"

        def apply(self, aggregate: Any) -> None:
            aggregate.deleted, aggregate.users = True, []

    def __init__(self) -> None:
        self.deleted = False
        self.users = []

    @classmethod
    def create(cls, name: str, users: list[str], *, now: datetime, actor: str, cause: str = "") -> Group:
        return cls._create(
            cls.Created, id=group_id(name), timestamp=now, name=name, users=sorted(set(users)), actor=actor, cause=cause
        )

    def recreate(self, users: list[str], *, now: datetime, actor: str, cause: str = "") -> None:
        assert self.deleted, "only a deleted group can be created again"
        self.trigger_event(self.Recreated, timestamp=now, users=sorted(set(users)), actor=actor, cause=cause)

    def change_users(self, users: list[str], *, now: datetime, actor: str, cause: str = "") -> bool:
        wanted = sorted(set(users))
        if wanted == self.users:
            return False
        self.trigger_event(self.UsersChanged, timestamp=now, users=wanted, actor=actor, cause=cause)
        return True

    def delete(self, *, now: datetime, actor: str, cause: str = "") -> None:
        assert not self.deleted, "a deleted group is not found, not deleted again"
        self.trigger_event(self.Deleted, timestamp=now, actor=actor, cause=cause)


class Token(TextIdAggregate):
    """A bearer token, known by its hash (`sha256~...`): the log never holds the token itself."""

    TOPIC = "imagestreams:Token"

    name: str
    subject: Subject
    # The uid of the user or service account it was issued to.
    subject_uid: str
    created: datetime
    expires: datetime | None
    description: str
    created_by: str
    revoked: bool

    class Event(TextIdAggregate.Event):
        TOPIC = "imagestreams:Token.Event"
        actor: str
        cause: str

    class Issued(Event, TextIdAggregate.Created):
        TOPIC = "imagestreams:Token.Issued"
        name: str
        subject: dict[str, str]
        subject_uid: str
        # ISO 8601, or empty for a token that does not expire.
        expires: str
        description: str

        def apply(self, aggregate: Any) -> None:
            aggregate.name = self.name
            aggregate.subject = Subject.from_dict(self.subject)
            aggregate.subject_uid = self.subject_uid
            aggregate.created = self.timestamp
            aggregate.expires = datetime.fromisoformat(self.expires) if self.expires else None
            aggregate.description = self.description
            aggregate.created_by = self.actor
            aggregate.revoked = False

    class Revoked(Event):
        TOPIC = "imagestreams:Token.Revoked"

        def apply(self, aggregate: Any) -> None:
            aggregate.revoked = True

    def __init__(self) -> None:
        self.revoked = False

    @classmethod
    def issue(
        cls,
        name: str,
        subject: Subject,
        *,
        subject_uid: str,
        expires: datetime | None,
        description: str,
        now: datetime,
        actor: str,
        cause: str = "",
    ) -> Token:
        assert name.startswith("sha256~"), "a token is recorded by its hash only"
        return cls._create(
            cls.Issued,
            id=token_id(name),
            timestamp=now,
            name=name,
            subject=subject.to_dict(),
            subject_uid=subject_uid,
            expires=expires.isoformat() if expires else "",
            description=description,
            actor=actor,
            cause=cause,
        )

    def revoke(self, *, now: datetime, actor: str, cause: str = "") -> None:
        assert not self.revoked, "a revoked token is not found, not revoked again"
        self.trigger_event(self.Revoked, timestamp=now, actor=actor, cause=cause)
