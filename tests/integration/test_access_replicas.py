"""Two replicas on one PostgreSQL database: an access change made through one is in force on the other within
moments (the other's watch hub meets it in the log), not at the next restart."""

from __future__ import annotations

import time
from collections.abc import Callable

import grpc
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import access_service_pb2_grpc as access_grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc

from tests.support.server import postgres_store, running_server


def eventually(check: Callable[[], bool], seconds: float = 5.0) -> float:
    """How long `check` took to come true (fails after `seconds`)."""
    start = time.monotonic()
    while not check():
        assert time.monotonic() - start < seconds, "not in force on the other replica in time"
        time.sleep(0.02)
    return time.monotonic() - start


def code_of(call: Callable[[], object]) -> grpc.StatusCode:
    try:
        call()
    except grpc.RpcError as error:
        return error.code()  # type: ignore[no-any-return]
    return grpc.StatusCode.OK


def test_grants_and_revocations_reach_the_other_replica(postgres_url: str) -> None:
    store = postgres_store(postgres_url)
    # A long poll interval: only the database notification can wake the second replica's hub in time.
    with running_server(store) as one, running_server(store, watch_poll_interval=60) as two:
        access = access_grpc.AccessServiceStub(one.channel)
        access.CreateUser(access_api.CreateUserRequest(name="carol"))
        subject = access_api.Subject(kind=access_api.SUBJECT_KIND_USER, name="carol")
        token = access.CreateToken(access_api.CreateTokenRequest(subject=subject)).secret
        with two.open_channel(token) as channel:
            stub = api_grpc.ImageStreamServiceStub(channel)

            def list_team() -> grpc.StatusCode:
                return code_of(lambda: stub.ListImageStreams(api.ListImageStreamsRequest(namespace="team"), timeout=5))

            eventually(lambda: list_team() == grpc.StatusCode.PERMISSION_DENIED)
            access.AddRoleBinding(access_api.AddRoleBindingRequest(namespace="team", role="view", subjects=[subject]))
            eventually(lambda: list_team() == grpc.StatusCode.OK, seconds=2)
            access.DeleteToken(access_api.DeleteTokenRequest(name=token))
            eventually(lambda: list_team() == grpc.StatusCode.UNAUTHENTICATED, seconds=2)
