"""A typed, blocking client of imagestreams.v1.SecretService (pull secrets), one method per RPC.

with SecretClient("127.0.0.1:50051") as secrets:
    secrets.create_from_credential("team", "quay", "quay.io", "alice", password)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from types import TracebackType
from typing import Any, TypeVar, cast

import grpc
from google.protobuf.message import Message
from imagestreams.v1 import secret_service_pb2 as api
from imagestreams.v1 import secret_service_pb2_grpc as api_grpc

from .errors import ImageStreamsError

Response = TypeVar("Response")


class SecretClient:
    def __init__(self, address: str, timeout: float = 30) -> None:
        self.address = address
        self.timeout = timeout
        self._channel = grpc.insecure_channel(address)
        self._stub = api_grpc.SecretServiceStub(self._channel)  # type: ignore[no-untyped-call]

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> SecretClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _call(self, method: Callable[..., Any], request: Message, response: type[Response]) -> Response:
        try:
            return cast(Response, method(request, timeout=self.timeout))
        except grpc.RpcError as error:
            raise ImageStreamsError.from_rpc_error(error) from error

    def create_from_credential(
        self, namespace: str, name: str, server: str, username: str, password: str, email: str = ""
    ) -> api.CreateSecretResponse:
        credential = api.RegistryCredential(server=server, username=username, password=password, email=email)
        request = api.CreateSecretRequest(namespace=namespace, name=name, credential=credential)
        return self._call(self._stub.CreateSecret, request, api.CreateSecretResponse)

    def create_from_dockercfg(self, namespace: str, name: str, document: bytes) -> api.CreateSecretResponse:
        request = api.CreateSecretRequest(namespace=namespace, name=name, dockercfg=document)
        return self._call(self._stub.CreateSecret, request, api.CreateSecretResponse)

    def create_from_dockerconfigjson(self, namespace: str, name: str, document: bytes) -> api.CreateSecretResponse:
        request = api.CreateSecretRequest(namespace=namespace, name=name, dockerconfigjson=document)
        return self._call(self._stub.CreateSecret, request, api.CreateSecretResponse)

    def get(self, namespace: str, name: str, *, min_position: int = 0) -> api.GetSecretResponse:
        request = api.GetSecretRequest(namespace=namespace, name=name, min_position=min_position)
        return self._call(self._stub.GetSecret, request, api.GetSecretResponse)

    def list(
        self, namespace: str = "", *, page_size: int = 0, page_token: str = "", min_position: int = 0
    ) -> api.ListSecretsResponse:
        request = api.ListSecretsRequest(
            namespace=namespace, page_size=page_size, page_token=page_token, min_position=min_position
        )
        return self._call(self._stub.ListSecrets, request, api.ListSecretsResponse)

    def delete(self, namespace: str, name: str) -> api.DeleteSecretResponse:
        request = api.DeleteSecretRequest(namespace=namespace, name=name)
        return self._call(self._stub.DeleteSecret, request, api.DeleteSecretResponse)

    def link(
        self,
        namespace: str,
        service_account: str,
        name: str,
        purposes: Iterable[api.SecretLinkPurpose.ValueType] = (api.SECRET_LINK_PURPOSE_PULL,),
    ) -> api.LinkSecretResponse:
        request = api.LinkSecretRequest(
            namespace=namespace, service_account=service_account, name=name, purposes=list(purposes)
        )
        return self._call(self._stub.LinkSecret, request, api.LinkSecretResponse)

    def unlink(self, namespace: str, service_account: str, name: str) -> api.UnlinkSecretResponse:
        request = api.UnlinkSecretRequest(namespace=namespace, service_account=service_account, name=name)
        return self._call(self._stub.UnlinkSecret, request, api.UnlinkSecretResponse)
