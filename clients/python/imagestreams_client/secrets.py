"""A typed, blocking client of imagestreams.v1.SecretService (pull secrets), one method per RPC.

with SecretClient("127.0.0.1:50051", token=token) as secrets:
    secrets.create_from_credential("team", "quay", "quay.io", "alice", password)
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc
from imagestreams.v1 import secret_service_pb2 as api
from imagestreams.v1 import secret_service_pb2_grpc as api_grpc

from .connection import Connection


class SecretClient(Connection):
    """Same constructor, credentials and errors as `Client` (see `Connection`)."""

    def _open_stubs(self, channel: grpc.Channel) -> None:
        self._stub = api_grpc.SecretServiceStub(channel)  # type: ignore[no-untyped-call]

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
