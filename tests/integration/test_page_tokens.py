"""Page tokens are opaque, versioned and checked: a crafted one is INVALID_ARGUMENT on every List RPC, never
INTERNAL, and a real one still pages."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import grpc
import pytest
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import access_service_pb2_grpc as access_grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import project_service_pb2_grpc as project_grpc
from imagestreams.v1 import secret_service_pb2 as secret_api
from imagestreams.v1 import secret_service_pb2_grpc as secret_grpc

from tests.support.builders import docker, pinned, tag
from tests.support.server import TestServer


def crafted(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


TOKENS = [
    crafted(["team", "ruby"]),  # an unversioned key
    crafted({"v": 1, "after": [{"x": 1}, "ruby"]}),  # a key of the wrong types
    crafted({"v": 1, "after": ["a", "b", "c"]}),  # of the wrong length
    crafted({"v": 1, "after": [True, "t"]}),
    crafted({"v": 2, "after": ["team", "ruby"]}),  # a version this server does not know
    crafted([[1], {}]),
    crafted("just a string"),
    "%%%",
    "x" * 5000,
]


def lists(server: TestServer) -> dict[str, Callable[[str], object]]:
    stub = server.stub
    access = access_grpc.AccessServiceStub(server.channel)
    return {
        "ListImageStreams": lambda t: stub.ListImageStreams(api.ListImageStreamsRequest(page_token=t)),
        "ListImageStreamTags": lambda t: stub.ListImageStreamTags(
            api.ListImageStreamTagsRequest(namespace="team", page_token=t)
        ),
        "ListTagHistory": lambda t: stub.ListTagHistory(
            api.ListTagHistoryRequest(namespace="team", stream="ruby", page_token=t)
        ),
        "ListSecrets": lambda t: secret_grpc.SecretServiceStub(server.channel).ListSecrets(
            secret_api.ListSecretsRequest(page_token=t)
        ),
        "ListProjects": lambda t: project_grpc.ProjectServiceStub(server.channel).ListProjects(
            project_api.ListProjectsRequest(page_token=t)
        ),
        "ListUsers": lambda t: access.ListUsers(access_api.ListUsersRequest(page_token=t)),
        "ListGroups": lambda t: access.ListGroups(access_api.ListGroupsRequest(page_token=t)),
        "ListTokens": lambda t: access.ListTokens(access_api.ListTokensRequest(page_token=t)),
        "ListServiceAccounts": lambda t: access.ListServiceAccounts(
            access_api.ListServiceAccountsRequest(namespace="team", page_token=t)
        ),
        "ListRoleBindings": lambda t: access.ListRoleBindings(
            access_api.ListRoleBindingsRequest(namespace="team", page_token=t)
        ),
    }


@pytest.mark.parametrize("token", TOKENS, ids=range(len(TOKENS)))
def test_a_crafted_page_token_is_a_bad_request_on_every_list(server: TestServer, token: str) -> None:
    tag(server.stub, docker(pinned("a")), "ruby:1")
    for name, call in lists(server).items():
        with pytest.raises(grpc.RpcError) as refused:
            call(token)
        assert refused.value.code() == grpc.StatusCode.INVALID_ARGUMENT, (name, refused.value.details())
        assert "page_token" in str(refused.value.details()), name


def test_a_real_token_pages_through_the_list(server: TestServer) -> None:
    for i in range(3):
        tag(server.stub, docker(pinned("a")), f"s{i}:1")
    first = server.stub.ListImageStreams(api.ListImageStreamsRequest(namespace="team", page_size=2))
    second = server.stub.ListImageStreams(
        api.ListImageStreamsRequest(namespace="team", page_size=2, page_token=first.next_page_token)
    )
    names = [s.name for s in (*first.image_streams, *second.image_streams)]
    assert names == ["s0", "s1", "s2"] and not second.next_page_token
