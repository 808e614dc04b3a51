"""The RegistryService servicer: the registry hostnames this server advertises (configuration, no store)."""

from __future__ import annotations

from typing import Any

from imagestreams.v1 import registry_service_pb2 as api
from imagestreams.v1 import registry_service_pb2_grpc as api_grpc


class RegistryServicer(api_grpc.RegistryServiceServicer):
    def __init__(self, hostname: str, public_hostname: str) -> None:
        self.hostname = hostname
        self.public_hostname = public_hostname

    async def GetRegistryInfo(self, request: api.GetRegistryInfoRequest, context: Any) -> Any:
        return api.GetRegistryInfoResponse(hostname=self.hostname, public_hostname=self.public_hostname)
