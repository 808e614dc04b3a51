"""The push path: Debian's docker-registry notifies the service of pushes, and streams follow them."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc

from tests.support.builders import get_istag
from tests.support.registry import Pusher, build_image, free_port, registry_binary
from tests.support.server import running_server, sqlite_store

SECRET = "s3cret-for-notifications"


@contextmanager
def notifying_registry(workdir: Path, endpoint_port: int, secret: str = SECRET) -> Iterator[str]:
    """A registry whose pushes are posted to our endpoint, as its documentation configures it."""
    port = free_port()
    workdir.mkdir(parents=True, exist_ok=True)
    config = workdir / "config.yml"
    config.write_text(
        "version: 0.1\n"
        "log: {level: error, accesslog: {disabled: true}}\n"
        f"storage: {{filesystem: {{rootdirectory: {workdir / 'data'}}}}}\n"
        f"http: {{addr: '127.0.0.1:{port}', secret: test-only}}\n"
        "notifications:\n"
        "  endpoints:\n"
        "    - name: imagestreams\n"
        f"      url: http://127.0.0.1:{endpoint_port}/registry/notifications\n"
        f"      headers: {{Authorization: ['Bearer {secret}']}}\n"
        "      timeout: 2s\n      threshold: 3\n      backoff: 200ms\n"
    )
    with open(workdir / "registry.log", "wb") as log_file:
        process = subprocess.Popen([registry_binary(), "serve", str(config)], stdout=log_file, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v2/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.05)
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def wait_for(condition, timeout: float = 15.0):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = condition()
            if result:
                return result
        except Exception:
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.1)


def test_a_push_records_the_image_and_a_later_poll_records_nothing(tmp_path: Path) -> None:
    settings = {"notifications_listen": "127.0.0.1:0", "notifications_secret": SECRET, "import_interval": 0}
    with (
        running_server(sqlite_store(tmp_path / "store"), **settings) as server,
        notifying_registry(tmp_path / "registry", server.notifications_port) as host,
    ):
        name = f"n{uuid.uuid4().hex[:6]}"
        pusher = Pusher(f"http://{host}")
        try:
            image = pusher.image(f"team/{name}", "v1", build_image(layer_texts=["pushed"]))
        finally:
            pusher.close()
        view = wait_for(lambda: get_istag(server.stub, f"{name}:v1"))
        assert view.image.name == image.digest
        assert view.pull_spec == f"{host}/team/{name}@{image.digest}"
        moves = server.stub.ListTagHistory(api.ListTagHistoryRequest(namespace="team", stream=name)).entries
        assert [(m.tag, m.actor, m.cause) for m in moves] == [("v1", "registry", "registry push")]

        # Importing the same tag from the registry afterwards finds the same digest: nothing new.
        request = import_api.ImportImageRequest(namespace="team", name=name, tag="v1", confirm=True, insecure=True)
        request.__setattr__("from", f"{host}/team/{name}:v1")
        imported = import_grpc.ImportServiceStub(server.channel).ImportImage(request)
        assert imported.tags[0].succeeded and not imported.tags[0].changed
        moves = server.stub.ListTagHistory(api.ListTagHistoryRequest(namespace="team", stream=name)).entries
        assert [m.change for m in moves if m.change == "moved"] == ["moved"]
        status = get_istag(server.stub, f"{name}:v1")
        assert status.image.name == image.digest and status.pull_spec == view.pull_spec
        stream = server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name=name)).image_stream
        assert len(stream.status_tags[0].items) == 1


def test_the_endpoint_refuses_callers_without_the_secret(tmp_path: Path) -> None:
    settings = {"notifications_listen": "127.0.0.1:0", "notifications_secret": SECRET, "import_interval": 0}
    with running_server(sqlite_store(tmp_path), **settings) as server:
        url = f"http://127.0.0.1:{server.notifications_port}/registry/notifications"
        envelope = {
            "events": [
                {
                    "action": "push",
                    "target": {
                        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                        "repository": "team/forged",
                        "digest": "sha256:" + "f" * 64,
                        "tag": "latest",
                    },
                    "request": {"host": "registry.example.com"},
                }
            ]
        }
        assert httpx.post(url, json=envelope).status_code == 401
        assert httpx.post(url, json=envelope, headers={"Authorization": "Bearer wrong"}).status_code == 401
        assert httpx.post(url, content=b"{not json", headers={"Authorization": f"Bearer {SECRET}"}).status_code == 400
        streams = server.stub.ListImageStreams(api.ListImageStreamsRequest(namespace="team")).image_streams
        assert list(streams) == []
        # With the secret, the same envelope is recorded.
        assert httpx.post(url, json=envelope, headers={"Authorization": f"Bearer {SECRET}"}).status_code == 200
        assert get_istag(server.stub, "forged:latest").image.name == "sha256:" + "f" * 64


def test_pushes_that_name_no_stream_are_ignored_and_do_not_hold_up_the_rest(tmp_path: Path, caplog) -> None:  # type: ignore[no-untyped-def]
    # A push into a project that does not exist, and one to a nested repository, before one that is followed:
    # the first two are ignored with a warning, and the registry's queue moves on to the third.
    settings = {"notifications_listen": "127.0.0.1:0", "notifications_secret": SECRET, "import_interval": 0}
    caplog.set_level("WARNING", logger="imagestreams_server.api.registry_notifications")
    with (
        running_server(sqlite_store(tmp_path / "store"), **settings) as server,
        notifying_registry(tmp_path / "registry", server.notifications_port) as host,
    ):
        name = f"n{uuid.uuid4().hex[:6]}"
        pusher = Pusher(f"http://{host}")
        try:
            pusher.image("nosuchproject/app", "v1", build_image(layer_texts=["no project"]))
            pusher.image(f"team/{name}/nested", "v1", build_image(layer_texts=["nested"]))
            image = pusher.image(f"team/{name}", "v1", build_image(layer_texts=["followed"]))
        finally:
            pusher.close()
        assert wait_for(lambda: get_istag(server.stub, f"{name}:v1")).image.name == image.digest
        streams = server.stub.ListImageStreams(api.ListImageStreamsRequest(namespace="team")).image_streams
        assert [s.name for s in streams] == [name]
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "push of nosuchproject/app:v1 ignored: project nosuchproject does not exist" in warnings
    assert (
        f"push of team/{name}/nested:v1 ignored: repositories are followed as <project>/<stream>, one level deep"
        in warnings
    )


def test_an_envelope_with_pushes_that_name_no_stream_is_answered_200(tmp_path: Path) -> None:
    settings = {"notifications_listen": "127.0.0.1:0", "notifications_secret": SECRET, "import_interval": 0}
    with running_server(sqlite_store(tmp_path), **settings) as server:
        url = f"http://127.0.0.1:{server.notifications_port}/registry/notifications"

        def push_event(repository: str, digest_char: str) -> dict:  # type: ignore[type-arg]
            return {
                "action": "push",
                "target": {
                    "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                    "repository": repository,
                    "digest": "sha256:" + digest_char * 64,
                    "tag": "v1",
                },
                "request": {"host": "registry.example.com"},
            }

        envelope = {
            "events": [push_event("nosuchproject/app", "a"), push_event("team/a/b", "b"), push_event("team/c", "c")]
        }
        reply = httpx.post(url, json=envelope, headers={"Authorization": f"Bearer {SECRET}"})
        assert reply.status_code == 200
        streams = server.stub.ListImageStreams(api.ListImageStreamsRequest(namespace="team")).image_streams
        assert [s.name for s in streams] == ["c"]
        assert get_istag(server.stub, "c:v1").image.name == "sha256:" + "c" * 64
