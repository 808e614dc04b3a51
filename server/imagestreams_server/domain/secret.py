"""The Secret aggregate: a namespace's pull secret (`oc secrets`), one per name.

The aggregate never sees a password: the application seals the credentials first and hands over the sealed
text, with the registries and usernames in the clear (what a listing shows). So the log holds ciphertext only.
Command methods decide and record; event `apply`s are the only code that changes state.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .base import TextIdAggregate
from .errors import InvalidField
from .names import DNS_SUBDOMAIN_MAX, DNS_SUBDOMAIN_RE, validate_namespace

# Imports run as this service account: the secrets linked to it for pull are the ones imports use.
DEFAULT_SERVICE_ACCOUNT = "default"


def secret_id(namespace: str, name: str) -> str:
    return f"secret:{namespace}/{name}"


class SecretType(enum.Enum):
    DOCKERCFG = "kubernetes.io/dockercfg"
    DOCKER_CONFIG_JSON = "kubernetes.io/dockerconfigjson"


@dataclass(frozen=True)
class RegistryEntry:
    """What a secret holds for one registry, less the password."""

    server: str
    username: str
    email: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"server": self.server, "username": self.username, "email": self.email}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RegistryEntry:
        return cls(data["server"], data["username"], data.get("email", ""))


@dataclass(frozen=True)
class Sealed:
    """Credentials encrypted by the application: the ciphertext and which key made it."""

    text: str
    key_id: str


def validate_secret_name(namespace: str, name: str, prefix: str = "") -> None:
    dot = f"{prefix}." if prefix else ""
    validate_namespace(namespace, f"{dot}namespace")
    if not name:
        raise InvalidField(f"{dot}name", "secret name is required")
    if len(name) > DNS_SUBDOMAIN_MAX or not DNS_SUBDOMAIN_RE.fullmatch(name):
        raise InvalidField(
            f"{dot}name",
            f'invalid secret name "{name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric '
            f"characters, '-' or '.', start and end with an alphanumeric character, and be at most "
            f"{DNS_SUBDOMAIN_MAX} characters",
        )


class Secret(TextIdAggregate):
    TOPIC = "imagestreams:Secret"

    namespace: str
    name: str
    uid: str
    secret_type: SecretType
    created: datetime
    registries: list[RegistryEntry]
    sealed: Sealed
    used_for_imports: bool
    # Service accounts other than `default` the secret is linked to for pull (`oc secrets link builder NAME`).
    # Recorded only: nothing here builds or deploys, and imports run as `default`.
    linked_service_accounts: frozenset[str]
    deleted: bool

    class Event(TextIdAggregate.Event):
        TOPIC = "imagestreams:Secret.Event"
        actor: str
        cause: str

    class Created(Event, TextIdAggregate.Created):
        TOPIC = "imagestreams:Secret.Created"
        namespace: str
        name: str
        uid: str
        secret_type: str
        registries: list[dict[str, str]]
        sealed: str
        key_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate.namespace, aggregate.name = self.namespace, self.name
            aggregate._reset(self)

    class Recreated(Event):
        """The name is used again after the secret was deleted: a new secret with a new uid."""

        TOPIC = "imagestreams:Secret.Recreated"
        uid: str
        secret_type: str
        registries: list[dict[str, str]]
        sealed: str
        key_id: str

        def apply(self, aggregate: Any) -> None:
            aggregate._reset(self)

    class Deleted(Event):
        TOPIC = "imagestreams:Secret.Deleted"

        def apply(self, aggregate: Any) -> None:
            aggregate.deleted = True
            aggregate.registries = []
            aggregate.sealed = Sealed("", "")

    class ImportUseChanged(Event):
        """Linked (`used_for_imports`) or unlinked for pulls by `service_account`."""

        TOPIC = "imagestreams:Secret.ImportUseChanged"
        service_account: str
        used_for_imports: bool

        def apply(self, aggregate: Any) -> None:
            aggregate.used_for_imports = self.used_for_imports

    class ServiceAccountLinkChanged(Event):
        """Linked (`linked`) or unlinked for pulls by a service account other than `default`: recorded, and
        without effect on imports (which run as `default`)."""

        TOPIC = "imagestreams:Secret.ServiceAccountLinkChanged"
        service_account: str
        linked: bool

        def apply(self, aggregate: Any) -> None:
            accounts = set(aggregate.linked_service_accounts)
            if self.linked:
                accounts.add(self.service_account)
            else:
                accounts.discard(self.service_account)
            aggregate.linked_service_accounts = frozenset(accounts)

    def __init__(self) -> None:
        self.deleted = False
        self.linked_service_accounts = frozenset()

    def _reset(self, event: Secret.Created | Secret.Recreated) -> None:
        self.uid = event.uid
        self.secret_type = SecretType(event.secret_type)
        self.created = event.timestamp
        self.registries = [RegistryEntry.from_dict(r) for r in event.registries]
        self.sealed = Sealed(event.sealed, event.key_id)
        # OpenShift's imports use every pull secret of the namespace until it is excluded.
        self.used_for_imports = True
        # A new secret (also the same name created again) is linked to no other service account yet.
        self.linked_service_accounts = frozenset()
        self.deleted = False

    @classmethod
    def create(
        cls,
        namespace: str,
        name: str,
        *,
        uid: str,
        secret_type: SecretType,
        registries: list[RegistryEntry],
        sealed: Sealed,
        now: datetime,
        actor: str,
        cause: str = "",
    ) -> Secret:
        validate_secret_name(namespace, name)
        _check_contents(registries, sealed)
        return cls._create(
            cls.Created,
            id=secret_id(namespace, name),
            timestamp=now,
            namespace=namespace,
            name=name,
            uid=uid,
            secret_type=secret_type.value,
            registries=[r.to_dict() for r in registries],
            sealed=sealed.text,
            key_id=sealed.key_id,
            actor=actor,
            cause=cause,
        )

    def recreate(
        self,
        *,
        uid: str,
        secret_type: SecretType,
        registries: list[RegistryEntry],
        sealed: Sealed,
        now: datetime,
        actor: str,
        cause: str = "",
    ) -> None:
        assert self.deleted, "only a deleted secret can be created again"
        _check_contents(registries, sealed)
        self.trigger_event(
            self.Recreated,
            timestamp=now,
            uid=uid,
            secret_type=secret_type.value,
            registries=[r.to_dict() for r in registries],
            sealed=sealed.text,
            key_id=sealed.key_id,
            actor=actor,
            cause=cause,
        )

    def delete(self, *, now: datetime, actor: str, cause: str = "") -> None:
        assert not self.deleted, "a deleted secret is not found, not deleted again"
        self.trigger_event(self.Deleted, timestamp=now, actor=actor, cause=cause)

    def set_used_for_imports(
        self, used: bool, *, service_account: str, now: datetime, actor: str, cause: str = ""
    ) -> bool:
        """Links (True) or unlinks (False). Already so: records nothing and returns False."""
        assert not self.deleted, "a deleted secret is not found"
        if used == self.used_for_imports:
            return False
        self.trigger_event(
            self.ImportUseChanged,
            timestamp=now,
            service_account=service_account,
            used_for_imports=used,
            actor=actor,
            cause=cause,
        )
        return True

    def is_linked(self, service_account: str) -> bool:
        """Whether the secret is linked for pull to the service account (to `default`: whether imports use it)."""
        if service_account == DEFAULT_SERVICE_ACCOUNT:
            return self.used_for_imports
        return service_account in self.linked_service_accounts

    def set_linked(self, service_account: str, linked: bool, *, now: datetime, actor: str, cause: str = "") -> bool:
        """Links (True) or unlinks (False) the secret for pull to a service account. For `default` that is
        whether imports use it; for any other account the link is recorded and changes nothing else. Already
        so: records nothing and returns False."""
        if service_account == DEFAULT_SERVICE_ACCOUNT:
            return self.set_used_for_imports(linked, service_account=service_account, now=now, actor=actor, cause=cause)
        assert not self.deleted, "a deleted secret is not found"
        if linked == (service_account in self.linked_service_accounts):
            return False
        self.trigger_event(
            self.ServiceAccountLinkChanged,
            timestamp=now,
            service_account=service_account,
            linked=linked,
            actor=actor,
            cause=cause,
        )
        return True


def _check_contents(registries: list[RegistryEntry], sealed: Sealed) -> None:
    # Programming errors, not user input: the application parses and seals before it gets here.
    assert registries, "a pull secret holds at least one registry"
    assert sealed.text and sealed.key_id, "credentials are sealed before they reach the domain"
