"""The SecretService servicer: pull secrets per namespace. Requests carry passwords in; responses never do."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

import grpc
from imagestreams.v1 import secret_service_pb2 as api
from imagestreams.v1 import secret_service_pb2_grpc as api_grpc

from ..application.queries import page_size
from ..application.secrets import MOUNT, PULL, CredentialInput, SecretInput, Secrets, SecretView
from ..domain.errors import InvalidField
from ..domain.secret import SecretType
from . import convert, paging
from .access_guard import visible_namespaces
from .blocking import run_blocking
from .idempotent import IdempotentWrites

T = TypeVar("T")

SECRET_TYPES = {
    SecretType.DOCKERCFG: api.SECRET_TYPE_DOCKERCFG,
    SecretType.DOCKER_CONFIG_JSON: api.SECRET_TYPE_DOCKER_CONFIG_JSON,
}
PURPOSES = {api.SECRET_LINK_PURPOSE_PULL: PULL, api.SECRET_LINK_PURPOSE_MOUNT: MOUNT}


class SecretServicer(api_grpc.SecretServiceServicer):
    def __init__(self, secrets: Secrets, executor: Executor) -> None:
        self.secrets = secrets
        self.executor = executor
        self.writes = IdempotentWrites(secrets.log, executor)

    async def _call(self, context: grpc.aio.ServicerContext, fn: Callable[[], T]) -> T:
        return await run_blocking(self.executor, context, fn)

    async def CreateSecret(self, request: api.CreateSecretRequest, context: Any) -> Any:
        def run() -> api.CreateSecretResponse:
            source = request.WhichOneof("source")
            credential = request.credential
            data = SecretInput(
                namespace=request.namespace,
                name=request.name,
                credential=CredentialInput(
                    credential.server, credential.username, credential.password, credential.email
                )
                if source == "credential"
                else None,
                dockercfg=request.dockercfg if source == "dockercfg" else None,
                dockerconfigjson=request.dockerconfigjson if source == "dockerconfigjson" else None,
            )
            view, position = self.secrets.create(data)
            return api.CreateSecretResponse(secret=secret_message(view), position=position)

        return await self.writes.run(context, request, api.CreateSecretResponse, run)

    async def GetSecret(self, request: api.GetSecretRequest, context: Any) -> Any:
        def run() -> api.GetSecretResponse:
            view = self.secrets.get(request.namespace, request.name, request.min_position)
            return api.GetSecretResponse(secret=secret_message(view))

        return await self._call(context, run)

    async def ListSecrets(self, request: api.ListSecretsRequest, context: Any) -> Any:
        def run() -> api.ListSecretsResponse:
            limit = page_size(request.page_size)
            after = paging.decode(request.page_token, (str, str))
            views = self.secrets.list(
                request.namespace,
                (after[0], after[1]) if after else None,
                limit,
                request.min_position,
                within=visible_namespaces("list", "secrets", request.namespace),
            )
            token = paging.next_page_token(views, limit, lambda v: [v.namespace, v.name])
            return api.ListSecretsResponse(secrets=[secret_message(v) for v in views], next_page_token=token)

        return await self._call(context, run)

    async def DeleteSecret(self, request: api.DeleteSecretRequest, context: Any) -> Any:
        def run() -> api.DeleteSecretResponse:
            return api.DeleteSecretResponse(position=self.secrets.delete(request.namespace, request.name))

        return await self.writes.run(context, request, api.DeleteSecretResponse, run)

    async def LinkSecret(self, request: api.LinkSecretRequest, context: Any) -> Any:
        def run() -> api.LinkSecretResponse:
            purposes = [_purpose(p, f"purposes[{i}]") for i, p in enumerate(request.purposes)] or [PULL]
            view, position = self.secrets.link(request.namespace, request.service_account, request.name, purposes)
            return api.LinkSecretResponse(secret=secret_message(view), position=position)

        return await self.writes.run(context, request, api.LinkSecretResponse, run)

    async def UnlinkSecret(self, request: api.UnlinkSecretRequest, context: Any) -> Any:
        def run() -> api.UnlinkSecretResponse:
            view, position = self.secrets.unlink(request.namespace, request.service_account, request.name)
            return api.UnlinkSecretResponse(secret=secret_message(view), position=position)

        return await self.writes.run(context, request, api.UnlinkSecretResponse, run)


def _purpose(value: int, field: str) -> str:
    if value not in PURPOSES:
        raise InvalidField(field, "valid values are SECRET_LINK_PURPOSE_PULL, SECRET_LINK_PURPOSE_MOUNT")
    return PURPOSES[value]


def secret_message(view: SecretView) -> api.Secret:
    return api.Secret(
        namespace=view.namespace,
        name=view.name,
        uid=view.uid,
        type=SECRET_TYPES[view.secret_type],
        registries=[api.SecretRegistry(server=r.server, username=r.username, email=r.email) for r in view.registries],
        used_for_imports=view.used_for_imports,
        created=convert.timestamp(view.created),
        position=view.position,
    )
