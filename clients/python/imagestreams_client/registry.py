"""A typed, blocking client of imagestreams.v1.RegistryService: what the server says of its registry.

with RegistryInfoClient("127.0.0.1:50051", token=token) as registry:
    print(registry.get_registry_info().hostname)
"""

from __future__ import annotations

import grpc
from imagestreams.v1 import registry_service_pb2 as api
from imagestreams.v1 import registry_service_pb2_grpc as api_grpc

from .connection import Connection


class RegistryInfoClient(Connection):
    """Same constructor, credentials and errors as `Client` (see `Connection`)."""

    def _open_stubs(self, channel: grpc.Channel) -> None:
        self._stub = api_grpc.RegistryServiceStub(channel)  # type: ignore[no-untyped-call]

    def get_registry_info(self) -> api.GetRegistryInfoResponse:
        return self._call(self._stub.GetRegistryInfo, api.GetRegistryInfoRequest(), api.GetRegistryInfoResponse)
