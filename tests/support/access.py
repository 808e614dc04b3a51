"""Helpers for access-control tests: subjects, users and tokens made as the cluster administrator, channels
that send any metadata, outcomes of calls (code, message and ErrorInfo), and polling with a deadline."""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import duration_pb2
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import access_service_pb2_grpc as access_grpc
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import project_service_pb2_grpc as project_grpc
from imagestreams.v1 import secret_service_pb2_grpc as secret_grpc
from imagestreams_server.store.config import StoreConfig
from imagestreams_server.store.crypto import SecretKeyConfig

from tests.support.server import TestServer

# A key for pull secrets: PostgreSQL stores need one given (SQLite makes its own).
SECRET_KEY = base64.b64encode(bytes(range(32))).decode()


def secret_key_for(store: StoreConfig) -> SecretKeyConfig:
    return SecretKeyConfig(key=SECRET_KEY) if store.is_postgres else SecretKeyConfig()


# -- subjects -------------------------------------------------------------------------------------------------


def user(name: str) -> access_api.Subject:
    return access_api.Subject(kind=access_api.SUBJECT_KIND_USER, name=name)


def group(name: str) -> access_api.Subject:
    return access_api.Subject(kind=access_api.SUBJECT_KIND_GROUP, name=name)


def service_account(namespace: str, name: str) -> access_api.Subject:
    return access_api.Subject(kind=access_api.SUBJECT_KIND_SERVICE_ACCOUNT, name=name, namespace=namespace)


def sa_username(namespace: str, name: str) -> str:
    return f"system:serviceaccount:{namespace}:{name}"


def hash_name(token: str) -> str:
    """A token's name as the contract defines it: `sha256~` and the unpadded base64url SHA-256."""
    return "sha256~" + base64.urlsafe_b64encode(hashlib.sha256(token.encode()).digest()).decode().rstrip("=")


# -- channels -------------------------------------------------------------------------------------------------


class Headers(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
    """Adds fixed metadata to every call of a channel."""

    def __init__(self, *metadata: tuple[str, str]) -> None:
        self.metadata = tuple(metadata)

    def _details(self, details: Any) -> Any:
        return details._replace(metadata=tuple(details.metadata or ()) + self.metadata)

    def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)


def channel_with(address: str, *metadata: tuple[str, str]) -> grpc.Channel:
    """A channel whose calls carry `metadata` (an `authorization` header of any form, an `x-request-id`)."""
    channel = grpc.insecure_channel(address)
    return grpc.intercept_channel(channel, Headers(*metadata)) if metadata else channel


def bearer(address: str, token: str, *metadata: tuple[str, str]) -> grpc.Channel:
    return channel_with(address, ("authorization", f"Bearer {token}"), *metadata)


@dataclass
class Stubs:
    """Every service's stub on one channel."""

    channel: grpc.Channel
    access: access_grpc.AccessServiceStub = field(init=False)
    projects: project_grpc.ProjectServiceStub = field(init=False)
    streams: api_grpc.ImageStreamServiceStub = field(init=False)
    secrets: secret_grpc.SecretServiceStub = field(init=False)

    def __post_init__(self) -> None:
        self.access = access_grpc.AccessServiceStub(self.channel)
        self.projects = project_grpc.ProjectServiceStub(self.channel)
        self.streams = api_grpc.ImageStreamServiceStub(self.channel)
        self.secrets = secret_grpc.SecretServiceStub(self.channel)


# -- outcomes -------------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    code: grpc.StatusCode
    message: str = ""
    reason: str = ""
    metadata: dict[str, str] = field(default_factory=dict)
    response: Any = None


def outcome_of_error(error: grpc.RpcError) -> Outcome:
    result = Outcome(error.code(), error.details() or "")
    status = rpc_status.from_call(error)
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            result.reason, result.metadata = info.reason, dict(info.metadata)
    return result


def outcome(call: Callable[[], Any]) -> Outcome:
    """Runs a call; its status (OK with the response, or the error with its ErrorInfo)."""
    try:
        response = call()
    except grpc.RpcError as error:
        return outcome_of_error(error)
    return Outcome(grpc.StatusCode.OK, response=response)


def denied(who: str, verb: str, resource: str, namespace: str) -> str:
    """The PERMISSION_DENIED message the contract defines."""
    where = f'in project "{namespace}"' if namespace else "at the cluster scope"
    return f'{who} cannot {verb} resource "{resource}" {where}'


def wait_until(predicate: Callable[[], bool], timeout: float = 10.0, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout} s")
        time.sleep(interval)


# -- the administrator's setup --------------------------------------------------------------------------------


class Admin:
    """Makes users, tokens, projects and bindings as the cluster administrator of a test server."""

    def __init__(self, server: TestServer) -> None:
        self.server = server
        self.stubs = Stubs(server.channel)

    def create_user(self, name: str) -> None:
        try:
            self.stubs.access.CreateUser(access_api.CreateUserRequest(name=name), timeout=30)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise

    def token(self, subject: access_api.Subject, seconds: int = 0) -> str:
        request = access_api.CreateTokenRequest(subject=subject)
        if seconds:
            request.duration.CopyFrom(duration_pb2.Duration(seconds=seconds))
        return str(self.stubs.access.CreateToken(request, timeout=30).secret)

    def user_token(self, name: str, seconds: int = 0) -> str:
        """A token of user `name` (created when missing)."""
        self.create_user(name)
        return self.token(user(name), seconds)

    def create_service_account(self, namespace: str, name: str) -> None:
        self.stubs.access.CreateServiceAccount(
            access_api.CreateServiceAccountRequest(namespace=namespace, name=name), timeout=30
        )

    def bind(self, namespace: str, role: str, *subjects: access_api.Subject) -> None:
        self.stubs.access.AddRoleBinding(
            access_api.AddRoleBindingRequest(namespace=namespace, role=role, subjects=list(subjects)), timeout=30
        )

    def unbind(self, namespace: str, role: str, *subjects: access_api.Subject) -> None:
        self.stubs.access.RemoveRoleBinding(
            access_api.RemoveRoleBindingRequest(namespace=namespace, role=role, subjects=list(subjects)), timeout=30
        )

    def revoke(self, token: str) -> None:
        self.stubs.access.DeleteToken(access_api.DeleteTokenRequest(name=hash_name(token)), timeout=30)

    def create_project(self, name: str) -> None:
        self.stubs.projects.CreateProject(project_api.CreateProjectRequest(name=name), timeout=30)
