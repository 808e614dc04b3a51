"""Pull secrets per namespace (`oc secrets`): create, read, delete, link for pull, and the credentials an
import into a namespace may use.

Credentials are sealed here, before the domain sees them, so events and read models hold ciphertext only.
Every call needs the server's secret key; without one it answers FAILED_PRECONDITION saying how to set it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from eventsourcing.application import AggregateNotFoundError

from ..domain import dockercfg
from ..domain.access import Project, project_id
from ..domain.dockercfg import DockerCredential
from ..domain.errors import AlreadyExists, FailedPrecondition, InvalidField, NotFound
from ..domain.names import validate_namespace
from ..domain.secret import (
    RegistryEntry,
    Secret,
    SecretType,
    secret_id,
    validate_secret_name,
)
from ..store import secret_rows
from ..store.app import EventLog
from ..store.crypto import HOW_TO_CONFIGURE, SealError, SecretBox
from . import unit_of_work
from .keyring import Credential, Keyring, KeyringEntry, UnreadableSecret
from .queries import Queries
from .unit_of_work import Context, UnitOfWork

PULL = "pull"
MOUNT = "mount"


@dataclass(frozen=True)
class CredentialInput:
    server: str
    username: str
    # Out of repr, here and below: a repr can end up in a log line.
    password: str = field(repr=False)
    email: str = ""


@dataclass(frozen=True)
class SecretInput:
    """Exactly one of `credential`, `dockercfg` and `dockerconfigjson`."""

    namespace: str
    name: str
    credential: CredentialInput | None = None
    dockercfg: bytes | None = field(default=None, repr=False)
    dockerconfigjson: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SecretView:
    """A secret as reads show it: never a password, never the sealed text."""

    namespace: str
    name: str
    uid: str
    secret_type: SecretType
    created: datetime
    registries: list[RegistryEntry]
    used_for_imports: bool
    position: int


class Secrets:
    def __init__(
        self,
        log: EventLog,
        queries: Queries,
        context: Callable[[], Context],
        new_uid: Callable[[], str],
        box: SecretBox | None,
    ) -> None:
        self.log = log
        self.queries = queries
        self.context = context
        self.new_uid = new_uid
        self._box_or_none = box

    # -- commands -------------------------------------------------------------------------------------------

    def create(self, data: SecretInput) -> tuple[SecretView, int]:
        validate_secret_name(data.namespace, data.name)
        secret_type, credentials = _parse(data)
        box = self._box()
        aggregate_id = secret_id(data.namespace, data.name)
        registries = [RegistryEntry(c.server, c.username, c.email) for c in credentials]

        def command(unit: UnitOfWork) -> Secret:
            existing = _load(unit, aggregate_id)
            if existing is not None and not existing.deleted:
                raise AlreadyExists("secret", f"{data.namespace}/{data.name}")
            uid = unit.new_uid()
            context = unit.context
            sealed = box.seal(_payload(credentials), _seal_context(aggregate_id, uid))
            if existing is None:
                secret = Secret.create(
                    data.namespace,
                    data.name,
                    uid=uid,
                    secret_type=secret_type,
                    registries=registries,
                    sealed=sealed,
                    now=context.now,
                    actor=context.actor,
                    cause=context.cause,
                )
                unit.add(secret)
                return secret
            existing.recreate(
                uid=uid,
                secret_type=secret_type,
                registries=registries,
                sealed=sealed,
                now=context.now,
                actor=context.actor,
                cause=context.cause,
            )
            return existing

        secret, position = unit_of_work.run(self.log, self.context, self.new_uid, command)
        return _view(secret, position), position

    def delete(self, namespace: str, name: str) -> int:
        validate_secret_name(namespace, name)
        self._box()

        def command(unit: UnitOfWork) -> None:
            context = unit.context
            _live(unit, namespace, name).delete(now=context.now, actor=context.actor, cause=context.cause)

        return unit_of_work.run(self.log, self.context, self.new_uid, command)[1]

    def link(
        self, namespace: str, service_account: str, name: str, purposes: Sequence[str] = (PULL,)
    ) -> tuple[SecretView, int]:
        """Links the secret for pull to a service account of the namespace. Linked to `default`, imports use
        it again; linked to another account (`builder`, `deployer`, ...), the link is recorded and imports
        are unchanged. `purposes` must be pull; mount has no meaning here."""
        for i, purpose in enumerate(purposes):
            if purpose != PULL:
                raise InvalidField(
                    f"purposes[{i}]", f'secrets are only linked for pull here (imports use them), not for "{purpose}"'
                )
        return self._set_use(namespace, service_account, name, True)

    def unlink(self, namespace: str, service_account: str, name: str) -> tuple[SecretView, int]:
        """Unlinked from `default`, imports stop using the secret (OpenShift's
        `openshift.io/image.excludeSecret=true`); unlinked from another account, only that link goes."""
        return self._set_use(namespace, service_account, name, False)

    def _set_use(self, namespace: str, service_account: str, name: str, used: bool) -> tuple[SecretView, int]:
        validate_secret_name(namespace, name)
        if not service_account:
            raise InvalidField("service_account", "service account name is required")
        self._box()

        def command(unit: UnitOfWork) -> None:
            context = unit.context
            _check_service_account(unit, namespace, service_account)
            _live(unit, namespace, name).set_linked(
                service_account, used, now=context.now, actor=context.actor, cause=context.cause
            )

        position = unit_of_work.run(self.log, self.context, self.new_uid, command)[1]
        # Read back rather than built from the aggregate: an unchanged secret then carries its own position.
        return self.get(namespace, name), position

    # -- queries --------------------------------------------------------------------------------------------

    def get(self, namespace: str, name: str, min_position: int = 0) -> SecretView:
        validate_secret_name(namespace, name)
        self._box()
        self.queries.wait_for(min_position)
        with self.log.read() as sql:
            stored = secret_rows.get(sql, namespace, name)
        if stored is None:
            raise NotFound("secret", f"{namespace}/{name}")
        return _stored_view(stored)

    def list(
        self,
        namespace: str,
        after: tuple[str, str] | None,
        limit: int,
        min_position: int = 0,
        within: Collection[str] | None = None,
    ) -> list[SecretView]:
        if namespace:
            validate_namespace(namespace)
        self._box()
        self.queries.wait_for(min_position)
        with self.log.read() as sql:
            return [_stored_view(s) for s in secret_rows.page(sql, namespace, after, limit, within)]

    # -- for imports ----------------------------------------------------------------------------------------

    def credentials_for(self, namespace: str) -> Keyring | None:
        """The keyring of a namespace's linked secrets (None when it has none). Reads the registries now and
        decrypts a secret only when an import asks for one of its registries, so a secret that cannot be
        opened fails the tags that need it, with a message that says why, and nothing else."""
        with self.log.read() as sql:
            stored = secret_rows.used_for_imports(sql, namespace)
        if not stored:
            return None
        entries: list[KeyringEntry] = []
        for secret in stored:
            opener = functools.cache(functools.partial(self._open, secret))
            entries.extend(KeyringEntry(r.server, opener) for r in secret.registries)
        return Keyring(entries)

    def _open(self, secret: secret_rows.StoredSecret) -> dict[str, Credential]:
        name = f"{secret.namespace}/{secret.name}"
        if self._box_or_none is None:
            raise UnreadableSecret(
                f'pull secret "{name}" cannot be used: the server has no secret key; {HOW_TO_CONFIGURE}'
            )
        try:
            plaintext = self._box_or_none.open(
                secret.sealed, _seal_context(secret_id(secret.namespace, secret.name), secret.uid)
            )
        except SealError as e:
            raise UnreadableSecret(
                f'pull secret "{name}" cannot be decrypted with the server\'s secret key: {e}. Start every replica '
                "with the key the secret was created with, or create the secret again"
            ) from None
        return {c.server: (c.username, c.password) for c in _unpayload(plaintext)}

    def _box(self) -> SecretBox:
        if self._box_or_none is None:
            raise FailedPrecondition(
                "SECRET_KEY_NOT_CONFIGURED",
                f"pull secrets need a secret key to encrypt them, and the server has none: {HOW_TO_CONFIGURE}",
            )
        return self._box_or_none


def _parse(data: SecretInput) -> tuple[SecretType, list[DockerCredential]]:
    given = [x is not None for x in (data.credential, data.dockercfg, data.dockerconfigjson)]
    if sum(given) != 1:
        raise InvalidField("source", "give exactly one of credential, dockercfg and dockerconfigjson")
    if data.credential is not None:
        c = data.credential
        return SecretType.DOCKERCFG, [dockercfg.credential(c.server, c.username, c.password, c.email, "credential")]
    if data.dockercfg is not None:
        return SecretType.DOCKERCFG, dockercfg.parse_dockercfg(data.dockercfg, "dockercfg")
    assert data.dockerconfigjson is not None
    return SecretType.DOCKER_CONFIG_JSON, dockercfg.parse_dockerconfigjson(data.dockerconfigjson, "dockerconfigjson")


def _check_service_account(unit: UnitOfWork, namespace: str, service_account: str) -> None:
    """The account must exist in the project: `default`, `builder` and `deployer` come with every project,
    others are created (the project aggregate, read fresh from the log like the secret)."""
    project: Project | None = unit.get(project_id(namespace))
    if project is None or project.deleted:
        raise NotFound("project", namespace)
    if service_account not in project.service_accounts:
        raise NotFound(
            "serviceaccount",
            service_account,
            f'serviceaccount "{service_account}" not found in project "{namespace}"',
        )


def _load(unit: UnitOfWork, aggregate_id: str) -> Secret | None:
    try:
        secret = unit.log.repository.get(aggregate_id)
    except AggregateNotFoundError:
        return None
    unit.add(secret)
    return secret  # type: ignore[no-any-return]


def _live(unit: UnitOfWork, namespace: str, name: str) -> Secret:
    secret = _load(unit, secret_id(namespace, name))
    if secret is None or secret.deleted:
        raise NotFound("secret", f"{namespace}/{name}")
    return secret


def _seal_context(aggregate_id: str, uid: str) -> str:
    # Binds the ciphertext to this secret's incarnation: it opens for no other secret, nor for the same name
    # created again.
    return f"{aggregate_id}#{uid}"


def _payload(credentials: Sequence[DockerCredential]) -> bytes:
    entries = [{"server": c.server, "username": c.username, "password": c.password} for c in credentials]
    return json.dumps({"credentials": entries}).encode()


def _unpayload(plaintext: bytes) -> list[DockerCredential]:
    return [DockerCredential(e["server"], e["username"], e["password"]) for e in json.loads(plaintext)["credentials"]]


def _view(secret: Secret, position: int) -> SecretView:
    return SecretView(
        namespace=secret.namespace,
        name=secret.name,
        uid=secret.uid,
        secret_type=secret.secret_type,
        created=secret.created,
        registries=list(secret.registries),
        used_for_imports=secret.used_for_imports,
        position=position,
    )


def _stored_view(stored: secret_rows.StoredSecret) -> SecretView:
    return SecretView(
        namespace=stored.namespace,
        name=stored.name,
        uid=stored.uid,
        secret_type=stored.secret_type,
        created=stored.created,
        registries=stored.registries,
        used_for_imports=stored.used_for_imports,
        position=stored.position,
    )
