"""An error quotes what the user typed only up to a bounded length: a status always fits the client's metadata
limit, however long the names in it (an alias cycle through many long tag names used to arrive as
RESOURCE_EXHAUSTED, the client unable to read it)."""

from __future__ import annotations

import itertools

import grpc
import pytest
from grpc_status import rpc_status

from tests.support.builders import docker, istag, pinned, tag
from tests.support.server import TestServer


def test_an_alias_cycle_through_long_tag_names_is_a_readable_bad_request(server: TestServer) -> None:
    names = [f"{i:03d}" + "x" * 120 for i in range(60)]
    tag(server.stub, docker(pinned("a")), f"ruby:{names[0]}")
    for previous, name in itertools.pairwise(names):
        tag(server.stub, istag(f"ruby:{previous}"), f"ruby:{name}", alias=True)
    with pytest.raises(grpc.RpcError) as refused:
        tag(server.stub, istag(f"ruby:{names[-1]}"), f"ruby:{names[0]}", alias=True)
    error = refused.value
    assert error.code() == grpc.StatusCode.INVALID_ARGUMENT, error.details()
    assert "alias cycle" in error.details()
    assert len(error.details()) <= 1024 and "more characters" in error.details()
    status = rpc_status.from_call(error)
    assert status is not None and len(status.SerializeToString()) < 8192
