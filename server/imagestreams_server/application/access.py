"""Access commands: projects, users, groups, service accounts, tokens and role bindings. Each validates its
input, loads what it needs, lets the domain record events, and saves once, like the stream commands.

Who may call which command is decided before it runs (api/access_rules.py); these only keep the data right.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from ..domain.access import (
    CLUSTER_POLICY_ID,
    ClusterPolicy,
    Group,
    Project,
    Token,
    User,
    group_id,
    project_id,
    token_id,
    user_id,
)
from ..domain.errors import AlreadyExists, InvalidField, NotFound
from ..domain.identity import (
    AUTHENTICATED,
    BOOTSTRAP_ADMIN,
    Subject,
    SubjectKind,
    validate_principal,
    validate_service_account,
    validate_subject,
)
from ..domain.imagestream import stream_id
from ..domain.names import validate_namespace
from ..domain.policy import (
    CLUSTER_ADMINS_BINDING,
    SELF_PROVISIONERS_BINDING,
    RoleBinding,
    with_subjects_added,
    with_subjects_removed,
)
from ..domain.roles import BUILT_IN_ROLES
from ..domain.secret import secret_id
from ..store import access_rows
from ..store.app import EventLog
from . import unit_of_work
from .access_snapshot import AccessCache
from .tokens import name_of, new_token
from .unit_of_work import Context, UnitOfWork

# Longest token lifetime accepted: beyond it, a token should not expire at all (and be revoked instead).
MAX_TOKEN_DURATION = timedelta(days=3650)
BOOTSTRAP_ACTOR = "system:bootstrap"


@dataclass(frozen=True)
class IssuedToken:
    token: Token
    # The bearer token itself: returned to the caller once, kept nowhere.
    secret: str
    position: int


class AccessCommands:
    def __init__(
        self,
        log: EventLog,
        cache: AccessCache,
        context: Callable[[], Context],
        new_uid: Callable[[], str],
    ) -> None:
        self.log = log
        self.cache = cache
        self.context = context
        self.new_uid = new_uid

    def _run(self, command: Callable[[UnitOfWork], Any], context: Callable[[], Context] | None = None) -> Any:
        return unit_of_work.run(self.log, context or self.context, self.new_uid, command)

    @staticmethod
    def _who(unit: UnitOfWork) -> dict[str, Any]:
        return {"now": unit.context.now, "actor": unit.context.actor, "cause": unit.context.cause}

    # -- the first start ------------------------------------------------------------------------------------

    def bootstrap(self) -> IssuedToken | None:
        """On a store without access data: the cluster administrator `admin` and its token, the cluster
        bindings OpenShift ships (`cluster-admins`, `self-provisioners`), the `default` project, and a project
        for every namespace already in use (owned by the administrator). None when the store has them."""
        with self.log.read() as sql:
            in_use = access_rows.namespaces_in_use(sql)
        secret, name = new_token()
        admin = Subject.user(BOOTSTRAP_ADMIN)

        def command(unit: UnitOfWork) -> Token | None:
            if unit.get(CLUSTER_POLICY_ID) is not None:
                return None
            who = self._who(unit)
            unit.add(
                ClusterPolicy.create(
                    [
                        RoleBinding("", CLUSTER_ADMINS_BINDING, "cluster-admin", (admin,)),
                        RoleBinding("", SELF_PROVISIONERS_BINDING, "self-provisioner", (Subject.group(AUTHENTICATED),)),
                    ],
                    **who,
                )
            )
            user = User.create(BOOTSTRAP_ADMIN, uid=unit.new_uid(), **who)
            unit.add(user)
            for namespace in sorted(in_use | {"default"}):
                unit.add(
                    Project.create(
                        namespace,
                        uid=unit.new_uid(),
                        display_name="",
                        description="",
                        requester=admin,
                        new_uid=unit.new_uid,
                        **who,
                    )
                )
            token = Token.issue(
                name, admin, subject_uid=user.uid, expires=None, description="bootstrap cluster administrator", **who
            )
            unit.add(token)
            return token

        def context() -> Context:
            return Context(now=self.context().now, actor=BOOTSTRAP_ACTOR, cause="bootstrap")

        token, position = self._run(command, context)
        return IssuedToken(token, secret, position) if token is not None else None

    # -- projects -------------------------------------------------------------------------------------------

    def create_project(
        self, name: str, display_name: str, description: str, requester: Subject | None
    ) -> tuple[Project, int]:
        validate_namespace(name, "name")

        def command(unit: UnitOfWork) -> Project:
            existing: Project | None = unit.get(project_id(name))
            fields = {
                "uid": unit.new_uid(),
                "display_name": display_name,
                "description": description,
                "requester": requester,
                "new_uid": unit.new_uid,
                **self._who(unit),
            }
            if existing is None:
                project = Project.create(name, **fields)
                unit.add(project)
                return project
            if not existing.deleted:
                raise AlreadyExists("project", name)
            existing.recreate(**fields)
            return existing

        return self._run(command)  # type: ignore[no-any-return]

    def delete_project(self, name: str) -> int:
        """Deletes the project and everything in it, in one transaction: its streams, its secrets, its
        service accounts' tokens (a token of a deleted service account is useless anyway: see domain/access)."""
        validate_namespace(name, "name")
        with self.log.read() as sql:
            query = "SELECT name FROM {} WHERE namespace = %s"
            streams = [r["name"] for r in sql.execute(query.format("is_streams"), (name,)).fetchall()]
            secrets = [r["name"] for r in sql.execute(query.format("is_secrets"), (name,)).fetchall()]
        tokens = self._tokens_of(lambda subject: subject.namespace == name)

        def command(unit: UnitOfWork) -> None:
            project = self._live_project(unit, name)
            who = self._who(unit)
            for stream in streams:
                aggregate = unit.get(stream_id(name, stream))
                if aggregate is not None and not aggregate.deleted:
                    aggregate.delete(**who)
            for secret in secrets:
                aggregate = unit.get(secret_id(name, secret))
                if aggregate is not None and not aggregate.deleted:
                    aggregate.delete(**who)
            self._revoke(unit, tokens)
            project.delete(**who)

        return int(self._run(command)[1])

    @staticmethod
    def _live_project(unit: UnitOfWork, name: str) -> Project:
        project: Project | None = unit.get(project_id(name))
        if project is None or project.deleted:
            raise NotFound("project", name)
        return project

    # -- users and groups -----------------------------------------------------------------------------------

    def create_user(self, name: str) -> tuple[User, int]:
        validate_principal(name, "user", "name")

        def command(unit: UnitOfWork) -> User:
            existing: User | None = unit.get(user_id(name))
            if existing is None:
                user = User.create(name, uid=unit.new_uid(), **self._who(unit))
                unit.add(user)
                return user
            if not existing.deleted:
                raise AlreadyExists("user", name)
            existing.recreate(uid=unit.new_uid(), **self._who(unit))
            return existing

        return self._run(command)  # type: ignore[no-any-return]

    def delete_user(self, name: str) -> int:
        if not name:
            raise InvalidField("name", "user name is required")
        tokens = self._tokens_of(lambda subject: subject == Subject.user(name))

        def command(unit: UnitOfWork) -> None:
            user: User | None = unit.get(user_id(name))
            if user is None or user.deleted:
                raise NotFound("user", name)
            self._revoke(unit, tokens)
            user.delete(**self._who(unit))

        return int(self._run(command)[1])

    def create_group(self, name: str, users: Sequence[str]) -> tuple[Group, int]:
        validate_principal(name, "group", "name")
        self._validate_users(users)

        def command(unit: UnitOfWork) -> Group:
            existing: Group | None = unit.get(group_id(name))
            if existing is None:
                group = Group.create(name, list(users), **self._who(unit))
                unit.add(group)
                return group
            if not existing.deleted:
                raise AlreadyExists("group", name)
            existing.recreate(list(users), **self._who(unit))
            return existing

        return self._run(command)  # type: ignore[no-any-return]

    def change_group_users(self, name: str, add: Sequence[str] = (), remove: Sequence[str] = ()) -> tuple[Group, int]:
        if not name:
            raise InvalidField("name", "group name is required")
        self._validate_users([*add, *remove])

        def command(unit: UnitOfWork) -> Group:
            group: Group | None = unit.get(group_id(name))
            if group is None or group.deleted:
                raise NotFound("group", name)
            users = (set(group.users) | set(add)) - set(remove)
            group.change_users(sorted(users), **self._who(unit))
            return group

        return self._run(command)  # type: ignore[no-any-return]

    def delete_group(self, name: str) -> int:
        def command(unit: UnitOfWork) -> None:
            group: Group | None = unit.get(group_id(name))
            if group is None or group.deleted:
                raise NotFound("group", name)
            group.delete(**self._who(unit))

        return int(self._run(command)[1])

    @staticmethod
    def _validate_users(users: Sequence[str]) -> None:
        for i, user in enumerate(users):
            if not user:
                raise InvalidField(f"users[{i}]", "user name is required")
            if len(user) > 253 or any(c.isspace() for c in user):
                raise InvalidField(f"users[{i}]", f'invalid user name "{user}"')

    # -- service accounts -----------------------------------------------------------------------------------

    def create_service_account(self, namespace: str, name: str) -> tuple[Project, int]:
        validate_service_account(namespace, name)

        def command(unit: UnitOfWork) -> Project:
            project = self._live_project(unit, namespace)
            if name in project.service_accounts:
                raise AlreadyExists("serviceaccount", name)
            project.create_service_account(name, uid=unit.new_uid(), **self._who(unit))
            return project

        return self._run(command)  # type: ignore[no-any-return]

    def delete_service_account(self, namespace: str, name: str) -> int:
        validate_service_account(namespace, name)
        tokens = self._tokens_of(lambda subject: subject == Subject.service_account(namespace, name))

        def command(unit: UnitOfWork) -> None:
            project = self._live_project(unit, namespace)
            if name not in project.service_accounts:
                raise _service_account_not_found(namespace, name)
            self._revoke(unit, tokens)
            project.delete_service_account(name, **self._who(unit))

        return int(self._run(command)[1])

    # -- tokens ---------------------------------------------------------------------------------------------

    def issue_token(self, subject: Subject, duration: timedelta | None, description: str) -> IssuedToken:
        if subject.kind is SubjectKind.GROUP:
            raise InvalidField("subject.kind", "tokens are issued to users and service accounts, not groups")
        validate_subject(subject, "subject")
        if duration is not None and (duration <= timedelta(0) or duration > MAX_TOKEN_DURATION):
            raise InvalidField("duration", f"must be positive and at most {MAX_TOKEN_DURATION.days} days")
        if len(description) > 1024:
            raise InvalidField("description", "must be at most 1024 characters")
        secret, name = new_token()

        def command(unit: UnitOfWork) -> Token:
            uid = self._subject_uid(unit, subject)
            now = unit.context.now
            token = Token.issue(
                name,
                subject,
                subject_uid=uid,
                expires=now + duration if duration else None,
                description=description,
                **self._who(unit),
            )
            unit.add(token)
            return token

        token, position = self._run(command)
        return IssuedToken(token, secret, position)

    def _subject_uid(self, unit: UnitOfWork, subject: Subject) -> str:
        if subject.kind is SubjectKind.USER:
            user: User | None = unit.get(user_id(subject.name))
            if user is None or user.deleted:
                raise NotFound("user", subject.name)
            return user.uid
        project: Project | None = unit.get(project_id(subject.namespace))
        if project is None or project.deleted or subject.name not in project.service_accounts:
            raise _service_account_not_found(subject.namespace, subject.name)
        return project.service_accounts[subject.name]

    def revoke_token(self, name_or_token: str) -> tuple[Token, int]:
        """Revokes a token named by its hash (`sha256~...`), or given as itself."""
        if not name_or_token:
            raise InvalidField("name", "token name is required")
        name = name_of(name_or_token)

        def command(unit: UnitOfWork) -> Token:
            token: Token | None = unit.get(token_id(name))
            if token is None or token.revoked:
                # Never echo what was given: it may be the token itself.
                raise NotFound("token", name)
            token.revoke(**self._who(unit))
            return token

        return self._run(command)  # type: ignore[no-any-return]

    def _tokens_of(self, owned: Callable[[Subject], bool]) -> list[str]:
        """The names of the live tokens whose subject `owned` picks (to revoke with what they belong to)."""
        return [t.name for t in self.cache.fresh().rows.tokens.values() if owned(t.subject)]

    def _revoke(self, unit: UnitOfWork, names: Sequence[str]) -> None:
        for name in names:
            token: Token | None = unit.get(token_id(name))
            if token is not None and not token.revoked:
                token.revoke(**self._who(unit))

    # -- role bindings --------------------------------------------------------------------------------------

    def add_role_binding(
        self, namespace: str, role: str, subjects: Sequence[Subject], binding_name: str = ""
    ) -> tuple[RoleBinding, int]:
        self._validate_binding_input(namespace, role, subjects)

        def command(unit: UnitOfWork) -> RoleBinding:
            holder = self._binding_holder(unit, namespace)
            try:
                binding = with_subjects_added(holder.bindings, namespace, role, subjects, binding_name)
            except ValueError as e:
                raise InvalidField("binding_name", str(e)) from None
            if binding is None:
                existing = next(b for _, b in sorted(holder.bindings.items()) if b.role == role)
                return holder.bindings.get(binding_name, existing)
            holder.set_binding(binding, **self._who(unit))
            return binding

        return self._run(command)  # type: ignore[no-any-return]

    def remove_role_binding(self, namespace: str, role: str, subjects: Sequence[Subject]) -> int:
        self._validate_binding_input(namespace, role, subjects)

        def command(unit: UnitOfWork) -> None:
            holder = self._binding_holder(unit, namespace)
            changed = with_subjects_removed(holder.bindings, role, subjects)
            if not changed:
                names = ", ".join(f'"{s.username}"' for s in subjects)
                where = f'project "{namespace}"' if namespace else "the cluster"
                raise NotFound("rolebinding", role, f'role "{role}" is not bound to {names} in {where}')
            for binding in changed:
                holder.set_binding(binding, **self._who(unit))

        return int(self._run(command)[1])

    @staticmethod
    def _validate_binding_input(namespace: str, role: str, subjects: Sequence[Subject]) -> None:
        if namespace:
            validate_namespace(namespace)
        if not role:
            raise InvalidField("role", "role is required")
        if role not in BUILT_IN_ROLES:
            raise NotFound("clusterrole", role)
        if not subjects:
            raise InvalidField("subjects", "at least one subject is required")
        for i, subject in enumerate(subjects):
            validate_subject(subject, f"subjects[{i}]")

    def _binding_holder(self, unit: UnitOfWork, namespace: str) -> Project | ClusterPolicy:
        if namespace:
            return self._live_project(unit, namespace)
        policy: ClusterPolicy | None = unit.get(CLUSTER_POLICY_ID)
        if policy is None:
            raise NotFound("clusterpolicy", "cluster")
        return policy


def _service_account_not_found(namespace: str, name: str) -> NotFound:
    return NotFound("serviceaccount", name, f'serviceaccount "{name}" not found in project "{namespace}"')
