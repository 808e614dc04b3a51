"""A store written before access control: its first start as an access-controlled server turns the namespaces
in use into projects owned by the cluster administrator, and nothing that was readable is lost."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import grpc
import pytest
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import access_service_pb2_grpc as access_grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import project_service_pb2_grpc as project_grpc
from imagestreams_server.application.commands import Destination, StreamInput, TagInput
from imagestreams_server.application.service import Service
from imagestreams_server.domain.tags import Source, SourceKind
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.config import StoreConfig

from tests.support.builders import pinned
from tests.support.server import running_server


def write_like_before(store: StoreConfig) -> None:
    """What a server without access control wrote: streams and tags in two namespaces, no access events."""
    log = EventLog(store)
    try:
        log.ensure_read_models()
        service = Service(log)
        service.commands.create_stream(StreamInput(namespace="legacy", name="ruby"))
        service.commands.tag(
            TagInput(
                namespace="legacy",
                source=Source(SourceKind.DOCKER_IMAGE, pinned("a")),
                destinations=[Destination("legacy", "ruby", "2.0"), Destination("older", "web", "1")],
            )
        )
    finally:
        log.close()


def test_namespaces_in_use_become_projects_of_the_administrator(store_config: StoreConfig, tmp_path: Path) -> None:
    write_like_before(store_config)
    token_file = tmp_path / "admin.token"
    with running_server(store_config, admin_token_file=token_file) as server:
        assert server.running.admin_token, "the first access-controlled start bootstraps an administrator"
        assert token_file.read_text().strip() == server.admin_token
        assert stat.S_IMODE(os.stat(token_file).st_mode) == 0o600
        projects = project_grpc.ProjectServiceStub(server.channel).ListProjects(project_api.ListProjectsRequest())
        names = {p.name for p in projects.projects}
        assert {"legacy", "older", "default"} <= names
        legacy = next(p for p in projects.projects if p.name == "legacy")
        assert legacy.requester == "admin"
        bindings = access_grpc.AccessServiceStub(server.channel).ListRoleBindings(
            access_api.ListRoleBindingsRequest(namespace="legacy")
        )
        admin = next(b for b in bindings.role_bindings if b.role == "admin")
        assert [s.name for s in admin.subjects] == ["admin"]
        tag = server.stub.GetImageStreamTag(api.GetImageStreamTagRequest(namespace="older", stream="web", tag="1"))
        assert tag.image_stream_tag.image.name.startswith("sha256:")
        # Without a token the old data is out of reach now.
        with server.open_channel(None) as anonymous, pytest.raises(grpc.RpcError) as refused:
            api_grpc.ImageStreamServiceStub(anonymous).GetImageStream(
                api.GetImageStreamRequest(namespace="legacy", name="ruby")
            )
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED

    # A second start bootstraps nothing again and writes no new token.
    token_file.unlink()
    with running_server(store_config, admin_token_file=token_file) as again:
        assert not again.running.admin_token
        assert not token_file.exists()
        who = access_grpc.AccessServiceStub(again.channel).WhoAmI(access_api.WhoAmIRequest())
        assert who.username == "admin"
        assert "system:authenticated" in who.groups
