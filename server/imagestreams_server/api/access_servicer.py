"""The AccessService and ProjectService servicers: identities, tokens, bindings and projects.

Rights were checked by the access guard before any method here runs; a method only reads the caller where
its answer depends on who asks (WhoAmI, a list of one's own tokens, projects one may see).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from datetime import timedelta
from typing import Any, TypeVar

from imagestreams.v1 import access_service_pb2 as api
from imagestreams.v1 import access_service_pb2_grpc as api_grpc
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import project_service_pb2_grpc as project_grpc

from ..application.access import AccessCommands
from ..application.access_snapshot import AccessCache
from ..application.service import LOCAL_ACTOR
from ..domain.errors import InvalidField, NotFound
from ..domain.identity import Identity, Subject
from ..domain.policy import RoleBinding
from ..domain.roles import BUILT_IN_ROLES
from ..store.access_rows import ProjectRow, ServiceAccountRow, TokenRow
from . import convert, paging
from .access_guard import request_access
from .blocking import run_blocking
from .idempotent import IdempotentWrites
from .subjects import subject_from_pb, subject_pb

T = TypeVar("T")

DEFAULT_PAGE = 500
MAX_PAGE = 1000


def binding_pb(binding: RoleBinding, position: int = 0) -> api.RoleBinding:
    return api.RoleBinding(
        namespace=binding.namespace,
        name=binding.name,
        role=binding.role,
        subjects=[subject_pb(s) for s in binding.subjects],
        position=position,
    )


def token_pb(row: TokenRow) -> api.Token:
    return api.Token(
        name=row.name,
        subject=subject_pb(row.subject),
        username=row.subject.username,
        created=convert.timestamp(row.created),
        expires=convert.timestamp(row.expires),
        description=row.description,
        created_by=row.created_by,
        position=row.position,
    )


def project_pb(row: ProjectRow) -> project_api.Project:
    return project_api.Project(
        name=row.name,
        display_name=row.display_name,
        description=row.description,
        requester=row.requester,
        created=convert.timestamp(row.created),
        status="Active",
        position=row.position,
    )


def service_account_pb(row: ServiceAccountRow) -> api.ServiceAccount:
    return api.ServiceAccount(
        namespace=row.namespace,
        name=row.name,
        username=Subject.service_account(row.namespace, row.name).username,
        created=convert.timestamp(row.created),
        position=row.position,
    )


def page_of(items: Sequence[T], key: Callable[[T], list[Any]], page_size: int, page_token: str) -> tuple[list[T], str]:
    """A keyset page over items sorted by `key` (a one-name key: every access list pages by name)."""
    if page_size < 0:
        raise InvalidField("page_size", "must not be negative")
    limit = min(page_size or DEFAULT_PAGE, MAX_PAGE)
    after = paging.decode(page_token, (str,))
    ordered = sorted(items, key=key)
    if after is not None:
        ordered = [item for item in ordered if key(item) > after]
    page = ordered[:limit]
    return page, paging.next_page_token(page, limit, key)


# Who calls when the server runs without access control (benchmarks only): a caller that may do everything.
UNCHECKED_CALLER = Identity(LOCAL_ACTOR, ("system:authenticated",), Subject.user(LOCAL_ACTOR))


def _caller() -> Identity:
    access = request_access()
    return access.identity if access is not None else UNCHECKED_CALLER


def _duration(request: api.CreateTokenRequest) -> timedelta | None:
    if not request.HasField("duration"):
        return None
    seconds = request.duration.seconds + request.duration.nanos / 1e9
    if seconds < 0:
        raise InvalidField("duration", "must not be negative")
    return timedelta(seconds=seconds) if seconds else None


class AccessServicer(api_grpc.AccessServiceServicer):
    def __init__(self, commands: AccessCommands, cache: AccessCache, executor: Executor) -> None:
        self.commands = commands
        self.cache = cache
        self.executor = executor
        self.writes = IdempotentWrites(commands.log, executor)

    async def _run(self, context: Any, fn: Callable[[], T]) -> T:
        return await run_blocking(self.executor, context, fn)

    # -- who am I -------------------------------------------------------------------------------------------

    async def WhoAmI(self, request: api.WhoAmIRequest, context: Any) -> Any:
        identity = _caller()
        return api.WhoAmIResponse(
            username=identity.username,
            groups=list(identity.groups),
            subject=subject_pb(identity.subject) if identity.subject else None,
            token_name=identity.token_name,
            token_expires=convert.timestamp(identity.token_expires),
        )

    # -- users and groups -----------------------------------------------------------------------------------

    async def CreateUser(self, request: api.CreateUserRequest, context: Any) -> Any:
        def run() -> api.CreateUserResponse:
            user, position = self.commands.create_user(request.name)
            return api.CreateUserResponse(
                user=api.User(name=user.name, created=convert.timestamp(user.created), position=position),
                position=position,
            )

        return await self.writes.run(context, request, api.CreateUserResponse, run)

    async def ListUsers(self, request: api.ListUsersRequest, context: Any) -> Any:
        def run() -> api.ListUsersResponse:
            snapshot = self.cache.fresh()
            users, token = page_of(
                list(snapshot.rows.users.values()), lambda u: [u.name], request.page_size, request.page_token
            )
            return api.ListUsersResponse(
                users=[
                    api.User(
                        name=u.name,
                        groups=list(snapshot.groups_of(u.name)),
                        created=convert.timestamp(u.created),
                        position=u.position,
                    )
                    for u in users
                ],
                next_page_token=token,
            )

        return await self._run(context, run)

    async def DeleteUser(self, request: api.DeleteUserRequest, context: Any) -> Any:
        return await self.writes.run(
            context,
            request,
            api.DeleteUserResponse,
            lambda: api.DeleteUserResponse(position=self.commands.delete_user(request.name)),
        )

    def _group_response(self, response: Any, result: tuple[Any, int]) -> Any:
        group, position = result
        message = api.Group(
            name=group.name, users=list(group.users), created=convert.timestamp(group.created), position=position
        )
        return response(group=message, position=position)

    async def CreateGroup(self, request: api.CreateGroupRequest, context: Any) -> Any:
        return await self.writes.run(
            context,
            request,
            api.CreateGroupResponse,
            lambda: self._group_response(
                api.CreateGroupResponse, self.commands.create_group(request.name, list(request.users))
            ),
        )

    async def AddGroupUsers(self, request: api.AddGroupUsersRequest, context: Any) -> Any:
        return await self.writes.run(
            context,
            request,
            api.AddGroupUsersResponse,
            lambda: self._group_response(
                api.AddGroupUsersResponse, self.commands.change_group_users(request.name, add=list(request.users))
            ),
        )

    async def RemoveGroupUsers(self, request: api.RemoveGroupUsersRequest, context: Any) -> Any:
        return await self.writes.run(
            context,
            request,
            api.RemoveGroupUsersResponse,
            lambda: self._group_response(
                api.RemoveGroupUsersResponse,
                self.commands.change_group_users(request.name, remove=list(request.users)),
            ),
        )

    async def ListGroups(self, request: api.ListGroupsRequest, context: Any) -> Any:
        def run() -> api.ListGroupsResponse:
            groups, token = page_of(
                list(self.cache.fresh().rows.groups.values()),
                lambda g: [g.name],
                request.page_size,
                request.page_token,
            )
            return api.ListGroupsResponse(
                groups=[
                    api.Group(
                        name=g.name, users=list(g.users), created=convert.timestamp(g.created), position=g.position
                    )
                    for g in groups
                ],
                next_page_token=token,
            )

        return await self._run(context, run)

    async def DeleteGroup(self, request: api.DeleteGroupRequest, context: Any) -> Any:
        return await self.writes.run(
            context,
            request,
            api.DeleteGroupResponse,
            lambda: api.DeleteGroupResponse(position=self.commands.delete_group(request.name)),
        )

    # -- service accounts -----------------------------------------------------------------------------------

    async def CreateServiceAccount(self, request: api.CreateServiceAccountRequest, context: Any) -> Any:
        def run() -> api.CreateServiceAccountResponse:
            project, position = self.commands.create_service_account(request.namespace, request.name)
            row = ServiceAccountRow(
                project.name,
                request.name,
                project.service_accounts[request.name],
                project.service_accounts_created[request.name],
                position,
            )
            return api.CreateServiceAccountResponse(service_account=service_account_pb(row), position=position)

        return await self.writes.run(context, request, api.CreateServiceAccountResponse, run)

    async def ListServiceAccounts(self, request: api.ListServiceAccountsRequest, context: Any) -> Any:
        def run() -> api.ListServiceAccountsResponse:
            snapshot = self.cache.fresh()
            if not snapshot.project_exists(request.namespace):
                raise NotFound("project", request.namespace)
            rows = [sa for (ns, _), sa in snapshot.rows.service_accounts.items() if ns == request.namespace]
            page, token = page_of(rows, lambda sa: [sa.name], request.page_size, request.page_token)
            return api.ListServiceAccountsResponse(
                service_accounts=[service_account_pb(sa) for sa in page], next_page_token=token
            )

        return await self._run(context, run)

    async def DeleteServiceAccount(self, request: api.DeleteServiceAccountRequest, context: Any) -> Any:
        return await self.writes.run(
            context,
            request,
            api.DeleteServiceAccountResponse,
            lambda: api.DeleteServiceAccountResponse(
                position=self.commands.delete_service_account(request.namespace, request.name)
            ),
        )

    # -- tokens ---------------------------------------------------------------------------------------------

    async def CreateToken(self, request: api.CreateTokenRequest, context: Any) -> Any:
        # Not deduplicated by request id: its answer is the token itself, which the server keeps nowhere (only
        # its hash). A retried CreateToken issues another token; the unused one can be revoked.
        def run() -> api.CreateTokenResponse:
            if not request.HasField("subject"):
                raise InvalidField("subject", "subject is required: the user or service account the token is for")
            subject = subject_from_pb(request.subject, "subject")
            issued = self.commands.issue_token(subject, _duration(request), request.description)
            token = issued.token
            row = TokenRow(
                token.name,
                token.subject,
                token.subject_uid,
                token.created,
                token.expires,
                token.description,
                token.created_by,
                issued.position,
            )
            return api.CreateTokenResponse(token=token_pb(row), secret=issued.secret, position=issued.position)

        return await self._run(context, run)

    async def ListTokens(self, request: api.ListTokensRequest, context: Any) -> Any:
        identity = _caller()

        def run() -> api.ListTokensResponse:
            if request.HasField("subject"):
                subject: Subject | None = subject_from_pb(request.subject, "subject")
            else:
                subject = identity.subject
            rows = [t for t in self.cache.fresh().rows.tokens.values() if t.subject == subject]
            page, token = page_of(rows, lambda t: [t.name], request.page_size, request.page_token)
            return api.ListTokensResponse(tokens=[token_pb(t) for t in page], next_page_token=token)

        return await self._run(context, run)

    async def DeleteToken(self, request: api.DeleteTokenRequest, context: Any) -> Any:
        def run() -> api.DeleteTokenResponse:
            _, position = self.commands.revoke_token(request.name)
            return api.DeleteTokenResponse(position=position)

        return await self.writes.run(context, request, api.DeleteTokenResponse, run)

    # -- policy ---------------------------------------------------------------------------------------------

    async def AddRoleBinding(self, request: api.AddRoleBindingRequest, context: Any) -> Any:
        def run() -> api.AddRoleBindingResponse:
            subjects = [subject_from_pb(s, f"subjects[{i}]") for i, s in enumerate(request.subjects)]
            binding, position = self.commands.add_role_binding(
                request.namespace, request.role, subjects, request.binding_name
            )
            return api.AddRoleBindingResponse(role_binding=binding_pb(binding, position), position=position)

        return await self.writes.run(context, request, api.AddRoleBindingResponse, run)

    async def RemoveRoleBinding(self, request: api.RemoveRoleBindingRequest, context: Any) -> Any:
        def run() -> api.RemoveRoleBindingResponse:
            subjects = [subject_from_pb(s, f"subjects[{i}]") for i, s in enumerate(request.subjects)]
            return api.RemoveRoleBindingResponse(
                position=self.commands.remove_role_binding(request.namespace, request.role, subjects)
            )

        return await self.writes.run(context, request, api.RemoveRoleBindingResponse, run)

    async def ListRoleBindings(self, request: api.ListRoleBindingsRequest, context: Any) -> Any:
        def run() -> api.ListRoleBindingsResponse:
            snapshot = self.cache.fresh()
            if request.namespace and not snapshot.project_exists(request.namespace):
                raise NotFound("project", request.namespace)
            rows = [b for b in snapshot.rows.bindings if b.binding.namespace == request.namespace]
            page, token = page_of(rows, lambda b: [b.binding.name], request.page_size, request.page_token)
            return api.ListRoleBindingsResponse(
                role_bindings=[binding_pb(b.binding, b.position) for b in page], next_page_token=token
            )

        return await self._run(context, run)

    async def ListRoles(self, request: api.ListRolesRequest, context: Any) -> Any:
        return api.ListRolesResponse(
            roles=[
                api.Role(
                    name=role.name,
                    description=role.description,
                    rules=[api.PolicyRule(verbs=list(r.verbs), resources=list(r.resources)) for r in role.rules],
                )
                for role in BUILT_IN_ROLES.values()
            ]
        )

    async def CheckAccess(self, request: api.CheckAccessRequest, context: Any) -> Any:
        identity = _caller()

        def run() -> api.CheckAccessResponse:
            _require_verb_and_resource(request.verb, request.resource)
            snapshot = self.cache.fresh()
            who = identity
            if request.HasField("subject"):
                who = snapshot.identity_of(subject_from_pb(request.subject, "subject"))
            decision = snapshot.decide(who, request.verb, request.resource, request.namespace)
            return api.CheckAccessResponse(allowed=decision.allowed, reason=decision.reason())

        return await self._run(context, run)

    async def WhoCan(self, request: api.WhoCanRequest, context: Any) -> Any:
        def run() -> api.WhoCanResponse:
            _require_verb_and_resource(request.verb, request.resource)
            users, groups = self.cache.fresh().policy.who_can(request.verb, request.resource, request.namespace)
            return api.WhoCanResponse(users=users, groups=groups)

        return await self._run(context, run)


def _require_verb_and_resource(verb: str, resource: str) -> None:
    if not verb:
        raise InvalidField("verb", "verb is required (get, list, watch, create, update, delete)")
    if not resource:
        raise InvalidField("resource", "resource is required (imagestreams, imagestreams/layers, secrets, ...)")


class ProjectServicer(project_grpc.ProjectServiceServicer):
    def __init__(self, commands: AccessCommands, cache: AccessCache, executor: Executor) -> None:
        self.commands = commands
        self.cache = cache
        self.executor = executor
        self.writes = IdempotentWrites(commands.log, executor)

    async def CreateProject(self, request: project_api.CreateProjectRequest, context: Any) -> Any:
        identity = _caller()

        def run() -> project_api.CreateProjectResponse:
            if len(request.display_name) > 1024 or len(request.description) > 4096:
                field = "display_name" if len(request.display_name) > 1024 else "description"
                raise InvalidField(field, "too long")
            project, position = self.commands.create_project(
                request.name, request.display_name, request.description, identity.subject
            )
            row = ProjectRow(
                project.name,
                project.uid,
                project.display_name,
                project.description,
                project.requester,
                project.created,
                position,
            )
            return project_api.CreateProjectResponse(project=project_pb(row), position=position)

        return await self.writes.run(context, request, project_api.CreateProjectResponse, run)

    async def GetProject(self, request: project_api.GetProjectRequest, context: Any) -> Any:
        def run() -> project_api.GetProjectResponse:
            row = self.cache.fresh().rows.projects.get(request.name)
            if row is None:
                raise NotFound("project", request.name)
            return project_api.GetProjectResponse(project=project_pb(row))

        return await run_blocking(self.executor, context, run)

    async def ListProjects(self, request: project_api.ListProjectsRequest, context: Any) -> Any:
        access = request_access()

        def run() -> project_api.ListProjectsResponse:
            snapshot = self.cache.fresh()
            visible = (
                None if access is None else snapshot.policy.namespaces_allowing(access.identity, "get", "projects")
            )
            rows = [p for p in snapshot.rows.projects.values() if visible is None or p.name in visible]
            page, token = page_of(rows, lambda p: [p.name], request.page_size, request.page_token)
            return project_api.ListProjectsResponse(projects=[project_pb(p) for p in page], next_page_token=token)

        return await run_blocking(self.executor, context, run)

    async def DeleteProject(self, request: project_api.DeleteProjectRequest, context: Any) -> Any:
        return await self.writes.run(
            context,
            request,
            project_api.DeleteProjectResponse,
            lambda: project_api.DeleteProjectResponse(position=self.commands.delete_project(request.name)),
        )
