"""A typed, blocking client of imagestreams.v1.AccessService: identities, tokens, role bindings and access
checks, one method per RPC (plus `iter_*` for every page of a list).

    with AccessClient("127.0.0.1:50051", token=token) as access:
        print(access.who_am_i().username)
        issued = access.create_token(user_subject("alice"), duration=timedelta(hours=1))
        issued.secret  # the bearer token: shown in this response only
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable, Iterator
from datetime import timedelta

import grpc
from google.protobuf import duration_pb2
from imagestreams.v1 import access_service_pb2 as api
from imagestreams.v1 import access_service_pb2_grpc as api_grpc

from .connection import Connection, every_page

TOKEN_NAME_PREFIX = "sha256~"


def user_subject(name: str) -> api.Subject:
    return api.Subject(kind=api.SUBJECT_KIND_USER, name=name)


def group_subject(name: str) -> api.Subject:
    return api.Subject(kind=api.SUBJECT_KIND_GROUP, name=name)


def service_account_subject(namespace: str, name: str) -> api.Subject:
    return api.Subject(kind=api.SUBJECT_KIND_SERVICE_ACCOUNT, namespace=namespace, name=name)


def token_name(token: str) -> str:
    """The name the server gives a token (`sha256~` and the unpadded base64url SHA-256 of it), so a token can
    be named in output without being shown."""
    digest = hashlib.sha256(token.encode()).digest()
    return TOKEN_NAME_PREFIX + base64.urlsafe_b64encode(digest).decode().rstrip("=")


class AccessClient(Connection):
    """Same constructor, credentials and errors as `Client` (see `Connection`)."""

    def _open_stubs(self, channel: grpc.Channel) -> None:
        self._stub = api_grpc.AccessServiceStub(channel)  # type: ignore[no-untyped-call]

    def who_am_i(self) -> api.WhoAmIResponse:
        return self._call(self._stub.WhoAmI, api.WhoAmIRequest(), api.WhoAmIResponse)

    # -- users ----------------------------------------------------------------------------------------------

    def create_user(self, name: str) -> api.CreateUserResponse:
        return self._call(self._stub.CreateUser, api.CreateUserRequest(name=name), api.CreateUserResponse)

    def list_users(self, *, page_size: int = 0, page_token: str = "") -> api.ListUsersResponse:
        request = api.ListUsersRequest(page_size=page_size, page_token=page_token)
        return self._call(self._stub.ListUsers, request, api.ListUsersResponse)

    def iter_users(self, *, page_size: int = 0) -> Iterator[api.User]:
        return every_page(lambda token: self.list_users(page_size=page_size, page_token=token), lambda p: p.users)

    def delete_user(self, name: str) -> api.DeleteUserResponse:
        return self._call(self._stub.DeleteUser, api.DeleteUserRequest(name=name), api.DeleteUserResponse)

    # -- groups ---------------------------------------------------------------------------------------------

    def create_group(self, name: str, users: Iterable[str] = ()) -> api.CreateGroupResponse:
        request = api.CreateGroupRequest(name=name, users=list(users))
        return self._call(self._stub.CreateGroup, request, api.CreateGroupResponse)

    def add_group_users(self, name: str, users: Iterable[str]) -> api.AddGroupUsersResponse:
        request = api.AddGroupUsersRequest(name=name, users=list(users))
        return self._call(self._stub.AddGroupUsers, request, api.AddGroupUsersResponse)

    def remove_group_users(self, name: str, users: Iterable[str]) -> api.RemoveGroupUsersResponse:
        request = api.RemoveGroupUsersRequest(name=name, users=list(users))
        return self._call(self._stub.RemoveGroupUsers, request, api.RemoveGroupUsersResponse)

    def list_groups(self, *, page_size: int = 0, page_token: str = "") -> api.ListGroupsResponse:
        request = api.ListGroupsRequest(page_size=page_size, page_token=page_token)
        return self._call(self._stub.ListGroups, request, api.ListGroupsResponse)

    def iter_groups(self, *, page_size: int = 0) -> Iterator[api.Group]:
        return every_page(lambda token: self.list_groups(page_size=page_size, page_token=token), lambda p: p.groups)

    def delete_group(self, name: str) -> api.DeleteGroupResponse:
        return self._call(self._stub.DeleteGroup, api.DeleteGroupRequest(name=name), api.DeleteGroupResponse)

    # -- service accounts -----------------------------------------------------------------------------------

    def create_service_account(self, namespace: str, name: str) -> api.CreateServiceAccountResponse:
        request = api.CreateServiceAccountRequest(namespace=namespace, name=name)
        return self._call(self._stub.CreateServiceAccount, request, api.CreateServiceAccountResponse)

    def list_service_accounts(
        self, namespace: str, *, page_size: int = 0, page_token: str = ""
    ) -> api.ListServiceAccountsResponse:
        request = api.ListServiceAccountsRequest(namespace=namespace, page_size=page_size, page_token=page_token)
        return self._call(self._stub.ListServiceAccounts, request, api.ListServiceAccountsResponse)

    def iter_service_accounts(self, namespace: str, *, page_size: int = 0) -> Iterator[api.ServiceAccount]:
        return every_page(
            lambda token: self.list_service_accounts(namespace, page_size=page_size, page_token=token),
            lambda p: p.service_accounts,
        )

    def delete_service_account(self, namespace: str, name: str) -> api.DeleteServiceAccountResponse:
        request = api.DeleteServiceAccountRequest(namespace=namespace, name=name)
        return self._call(self._stub.DeleteServiceAccount, request, api.DeleteServiceAccountResponse)

    # -- tokens ---------------------------------------------------------------------------------------------

    def create_token(
        self, subject: api.Subject, *, duration: timedelta | None = None, description: str = ""
    ) -> api.CreateTokenResponse:
        """A bearer token for a user or a service account, valid for `duration` (None or zero: until it is
        revoked). The response's `secret` is the token; it cannot be read again."""
        request = api.CreateTokenRequest(subject=subject, description=description)
        if duration:
            request.duration.CopyFrom(_duration(duration))
        return self._call(self._stub.CreateToken, request, api.CreateTokenResponse)

    def list_tokens(
        self, subject: api.Subject | None = None, *, page_size: int = 0, page_token: str = ""
    ) -> api.ListTokensResponse:
        """One page of tokens, named by their hash: of `subject`, or (None) the caller's own."""
        request = api.ListTokensRequest(subject=subject, page_size=page_size, page_token=page_token)
        return self._call(self._stub.ListTokens, request, api.ListTokensResponse)

    def iter_tokens(self, subject: api.Subject | None = None, *, page_size: int = 0) -> Iterator[api.Token]:
        return every_page(
            lambda token: self.list_tokens(subject, page_size=page_size, page_token=token), lambda p: p.tokens
        )

    def delete_token(self, name: str) -> api.DeleteTokenResponse:
        """Revokes a token, named `sha256~...` or given as the token itself."""
        return self._call(self._stub.DeleteToken, api.DeleteTokenRequest(name=name), api.DeleteTokenResponse)

    # -- role bindings --------------------------------------------------------------------------------------

    def add_role_binding(
        self, namespace: str, role: str, subjects: Iterable[api.Subject], *, binding_name: str = ""
    ) -> api.AddRoleBindingResponse:
        """Binds `role` to `subjects` in a project, or cluster-wide when `namespace` is empty."""
        request = api.AddRoleBindingRequest(
            namespace=namespace, role=role, subjects=list(subjects), binding_name=binding_name
        )
        return self._call(self._stub.AddRoleBinding, request, api.AddRoleBindingResponse)

    def remove_role_binding(
        self, namespace: str, role: str, subjects: Iterable[api.Subject]
    ) -> api.RemoveRoleBindingResponse:
        request = api.RemoveRoleBindingRequest(namespace=namespace, role=role, subjects=list(subjects))
        return self._call(self._stub.RemoveRoleBinding, request, api.RemoveRoleBindingResponse)

    def list_role_bindings(
        self, namespace: str, *, page_size: int = 0, page_token: str = ""
    ) -> api.ListRoleBindingsResponse:
        """One page of a project's role bindings; an empty namespace lists the cluster role bindings."""
        request = api.ListRoleBindingsRequest(namespace=namespace, page_size=page_size, page_token=page_token)
        return self._call(self._stub.ListRoleBindings, request, api.ListRoleBindingsResponse)

    def iter_role_bindings(self, namespace: str, *, page_size: int = 0) -> Iterator[api.RoleBinding]:
        return every_page(
            lambda token: self.list_role_bindings(namespace, page_size=page_size, page_token=token),
            lambda p: p.role_bindings,
        )

    def list_roles(self) -> api.ListRolesResponse:
        return self._call(self._stub.ListRoles, api.ListRolesRequest(), api.ListRolesResponse)

    # -- access checks --------------------------------------------------------------------------------------

    def check_access(
        self, verb: str, resource: str, namespace: str = "", *, subject: api.Subject | None = None
    ) -> api.CheckAccessResponse:
        """Whether the caller (or `subject`) may do `verb` on `resource` in a project (empty: cluster scope)."""
        request = api.CheckAccessRequest(verb=verb, resource=resource, namespace=namespace, subject=subject)
        return self._call(self._stub.CheckAccess, request, api.CheckAccessResponse)

    def who_can(self, verb: str, resource: str, namespace: str = "") -> api.WhoCanResponse:
        request = api.WhoCanRequest(verb=verb, resource=resource, namespace=namespace)
        return self._call(self._stub.WhoCan, request, api.WhoCanResponse)


def _duration(value: timedelta) -> duration_pb2.Duration:
    duration = duration_pb2.Duration()
    duration.FromTimedelta(value)
    return duration
