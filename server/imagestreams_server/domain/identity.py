"""Who calls: users, service accounts and groups, named as OpenShift names them, and the implicit groups."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import InvalidField
from .names import DNS_SUBDOMAIN_MAX, DNS_SUBDOMAIN_RE, validate_namespace

SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
ANONYMOUS = "system:anonymous"
AUTHENTICATED = "system:authenticated"
UNAUTHENTICATED = "system:unauthenticated"
SERVICE_ACCOUNTS = "system:serviceaccounts"
# Every project gets these service accounts, as OpenShift's controllers create them.
DEFAULT_SERVICE_ACCOUNTS = ("builder", "default", "deployer")
# The cluster administrator a new store starts with.
BOOTSTRAP_ADMIN = "admin"

# User and group names: what OpenShift accepts, less what would be ambiguous in our messages and flags.
PRINCIPAL_RE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]*")
PRINCIPAL_MAX = 253


class SubjectKind(enum.Enum):
    USER = "User"
    GROUP = "Group"
    SERVICE_ACCOUNT = "ServiceAccount"


@dataclass(frozen=True)
class Subject:
    """Who a role binding names or a token is for."""

    kind: SubjectKind
    name: str
    namespace: str = ""

    @classmethod
    def user(cls, name: str) -> Subject:
        return cls(SubjectKind.USER, name)

    @classmethod
    def group(cls, name: str) -> Subject:
        return cls(SubjectKind.GROUP, name)

    @classmethod
    def service_account(cls, namespace: str, name: str) -> Subject:
        return cls(SubjectKind.SERVICE_ACCOUNT, name, namespace)

    @property
    def username(self) -> str:
        """The name the subject authenticates as (a group has none but its own name)."""
        if self.kind is SubjectKind.SERVICE_ACCOUNT:
            return f"{SERVICE_ACCOUNT_PREFIX}{self.namespace}:{self.name}"
        return self.name

    def key(self) -> tuple[str, str]:
        """How bindings are matched: a service account is matched as the user it authenticates as."""
        if self.kind is SubjectKind.GROUP:
            return ("Group", self.name)
        return ("User", self.username)

    def sort_key(self) -> tuple[str, str, str]:
        return (self.kind.value, self.namespace, self.name)

    def to_dict(self) -> dict[str, str]:
        data = {"kind": self.kind.value, "name": self.name}
        if self.namespace:
            data["namespace"] = self.namespace
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Subject:
        return cls(SubjectKind(data["kind"]), data["name"], data.get("namespace", ""))

    def __str__(self) -> str:
        return self.username


def parse_username(name: str) -> Subject:
    """`system:serviceaccount:NS:NAME` is a service account; anything else a user."""
    if name.startswith(SERVICE_ACCOUNT_PREFIX):
        namespace, _, sa = name.removeprefix(SERVICE_ACCOUNT_PREFIX).partition(":")
        return Subject.service_account(namespace, sa)
    return Subject.user(name)


def validate_principal(name: str, what: str, field_name: str) -> None:
    """A user or group name that can be created: `system:` names belong to the server."""
    if not name:
        raise InvalidField(field_name, f"{what} name is required")
    if name.startswith("system:"):
        raise InvalidField(field_name, f'{what} name "{name}" is reserved: names starting with "system:" are built in')
    if len(name) > PRINCIPAL_MAX or not PRINCIPAL_RE.fullmatch(name):
        raise InvalidField(
            field_name,
            f'invalid {what} name "{name}": must start with a letter or digit and contain only letters, digits, '
            f"'.', '-', '_' or '@' (at most {PRINCIPAL_MAX} characters)",
        )


def validate_service_account(namespace: str, name: str, prefix: str = "") -> None:
    dot = f"{prefix}." if prefix else ""
    validate_namespace(namespace, f"{dot}namespace")
    if not name:
        raise InvalidField(f"{dot}name", "service account name is required")
    if len(name) > DNS_SUBDOMAIN_MAX or not DNS_SUBDOMAIN_RE.fullmatch(name):
        raise InvalidField(
            f"{dot}name",
            f'invalid service account name "{name}": a lowercase RFC 1123 subdomain must consist of lower case '
            "alphanumeric characters, '-' or '.', and start and end with an alphanumeric character",
        )


def validate_subject(subject: Subject, field_name: str) -> None:
    """A subject a binding or a token may name. Groups may be built in (`system:authenticated`)."""
    if subject.kind is SubjectKind.SERVICE_ACCOUNT:
        validate_service_account(subject.namespace, subject.name, field_name)
    elif subject.kind is SubjectKind.GROUP:
        if subject.name.startswith("system:"):
            if not subject.name.strip() or any(c.isspace() for c in subject.name):
                raise InvalidField(f"{field_name}.name", f'invalid group name "{subject.name}"')
            return
        validate_principal(subject.name, "group", f"{field_name}.name")
    else:
        if subject.name.startswith(SERVICE_ACCOUNT_PREFIX):
            raise InvalidField(f"{field_name}.kind", "name service accounts with kind SERVICE_ACCOUNT")
        if subject.name in (ANONYMOUS,):
            return
        validate_principal(subject.name, "user", f"{field_name}.name")


@dataclass(frozen=True)
class Identity:
    """An authenticated (or anonymous) caller: its name, every group it is in, and how it proved it."""

    username: str
    groups: tuple[str, ...]
    subject: Subject | None = None
    token_name: str = ""
    token_expires: datetime | None = None

    @property
    def anonymous(self) -> bool:
        return self.subject is None

    def binding_keys(self) -> tuple[tuple[str, str], ...]:
        """The binding subjects that apply to this caller."""
        return (("User", self.username), *(("Group", g) for g in self.groups))

    def describe(self) -> str:
        """For messages: `user "alice"`, `serviceaccount "system:serviceaccount:a:builder"`."""
        if self.subject is not None and self.subject.kind is SubjectKind.SERVICE_ACCOUNT:
            return f'serviceaccount "{self.username}"'
        return f'user "{self.username}"'


ANONYMOUS_IDENTITY = Identity(ANONYMOUS, (UNAUTHENTICATED,))


def user_identity(name: str, named_groups: tuple[str, ...], **token: Any) -> Identity:
    return Identity(name, (*named_groups, AUTHENTICATED), Subject.user(name), **token)


def service_account_identity(namespace: str, name: str, **token: Any) -> Identity:
    subject = Subject.service_account(namespace, name)
    return Identity(
        subject.username, (SERVICE_ACCOUNTS, f"{SERVICE_ACCOUNTS}:{namespace}", AUTHENTICATED), subject, **token
    )
