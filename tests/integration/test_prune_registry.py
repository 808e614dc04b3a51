"""PruneImages deletes the manifests of the images it removes in the registry the service fronts, as
`oc adm prune images --prune-registry` does: a real `docker-registry` with deletes enabled and token
authentication pointed at the service (which signs its own `delete` token), images pushed by the test. A dry
run deletes nothing; `prune_registry=false` leaves the registry alone; an image from another registry is
never deleted there; a registry that refuses deletes (405) or cannot be reached is reported per image, and
the records go either way."""

from __future__ import annotations

import contextlib
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import httpx
import pytest
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from tests.support import registry as support
from tests.support.builders import digest
from tests.support.registry import Pusher, build_image, free_port, registry_binary
from tests.support.server import TestServer, running_server, sqlite_store

plain_registry = support.plain_registry
MANIFEST_TYPES = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"


@dataclass
class Fronted:
    server: TestServer
    registry: str  # host:port of the docker-registry the server fronts (its --registry-hostname)

    @contextlib.contextmanager
    def pusher(self) -> Iterator[Pusher]:
        # Any user name; the administrator's isctl token as the password, to the service's token endpoint.
        pusher = Pusher(f"http://{self.registry}", ("anyone", self.server.admin_token))
        try:
            yield pusher
        finally:
            pusher.close()


@pytest.fixture(scope="module")
def fronted(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fronted]:
    workdir = tmp_path_factory.mktemp("prune-registry")
    host = f"127.0.0.1:{free_port()}"
    settings = {"http_listen": "127.0.0.1:0", "import_interval": 0}
    with running_server(sqlite_store(workdir / "store"), registry_hostname=host, **settings) as server:
        key = server.running.http.token_key
        config = workdir / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log: {level: error, accesslog: {disabled: true}}\n"
            f"storage: {{filesystem: {{rootdirectory: {workdir / 'data'}}}, delete: {{enabled: true}}}}\n"
            f"http: {{addr: '{host}', secret: test-only}}\n"
            "auth:\n  token:\n"
            f"    realm: http://127.0.0.1:{server.http_port}/v2/token\n    service: imagestreams-registry\n"
            f"    issuer: imagestreams\n    rootcertbundle: {key.cert_path}\n"
        )
        with open(workdir / "registry.log", "wb") as log_file:
            process = subprocess.Popen(
                [registry_binary(), "serve", str(config)], stdout=log_file, stderr=subprocess.STDOUT
            )
        try:
            wait_until_up(f"http://{host}")
            yield Fronted(server, host)
        finally:
            process.terminate()
            process.wait(10)


def wait_until_up(url: str) -> None:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/v2/", timeout=1).status_code in (200, 401):
                return
        except httpx.TransportError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"no registry at {url}")


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def push_image(pusher: Pusher, repository: str, text: str) -> str:
    return pusher.image(repository, None, build_image(layer_texts=[text])).digest


def record(stub, host: str, stream: str, tag: str, image: str) -> None:  # type: ignore[no-untyped-def]
    reference = f"{host}/team/{stream}@{image}"
    request = api.CreateImageStreamMappingRequest(
        namespace="team", name=stream, tag=tag, image=pb.Image(name=image, docker_image_reference=reference)
    )
    stub.CreateImageStreamMapping(request)


def prune(stub, *, confirm: bool, **fields) -> dict[str, pb.PrunedImage]:  # type: ignore[no-untyped-def]
    """Prunes every tag down to its current image, whatever its age; the removed images by digest."""
    request = api.PruneImagesRequest(confirm=confirm, keep_tag_revisions=0, **fields)
    request.keep_younger_than.FromSeconds(0)
    return {image.name: image for image in stub.PruneImages(request).images}


def manifest(pusher: Pusher, repository: str, image: str) -> tuple[int, str]:
    """The registry's answer to a GET of the manifest: status, and the error code when there is one."""
    reply = pusher.client.get(f"/v2/{repository}/manifests/{image}", headers={"Accept": MANIFEST_TYPES})
    code = reply.json()["errors"][0]["code"] if reply.status_code >= 400 else ""
    return reply.status_code, code


def image_exists(stub, image: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        stub.GetImage(api.GetImageRequest(name=image))
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.NOT_FOUND
        return False
    return True


def test_a_confirmed_prune_deletes_the_manifest_in_the_fronted_registry_and_a_dry_run_does_not(
    fronted: Fronted,
) -> None:
    stub, stream = fronted.server.stub, unique("app")
    with fronted.pusher() as pusher:
        old, current = (push_image(pusher, f"team/{stream}", text) for text in ("old", "current"))
        record(stub, fronted.registry, stream, "prod", old)
        record(stub, fronted.registry, stream, "prod", current)

        dry = prune(stub, confirm=False)[old]
        assert (dry.registry_repository, dry.registry_deleted, dry.registry_error) == (f"team/{stream}", False, "")
        assert manifest(pusher, f"team/{stream}", old) == (200, "")
        assert current not in prune(stub, confirm=False)

        pruned = prune(stub, confirm=True)[old]
        assert (pruned.registry_repository, pruned.registry_deleted, pruned.registry_error) == (
            f"team/{stream}",
            True,
            "",
        )
        assert manifest(pusher, f"team/{stream}", old) == (404, "MANIFEST_UNKNOWN")
        assert not image_exists(stub, old)
        # The tag's current image stays, in the registry too.
        assert manifest(pusher, f"team/{stream}", current) == (200, "")
        assert image_exists(stub, current)


def test_prune_registry_false_removes_the_records_only(fronted: Fronted) -> None:
    stub, stream = fronted.server.stub, unique("app")
    with fronted.pusher() as pusher:
        old, current = (push_image(pusher, f"team/{stream}", text) for text in ("kept-old", "kept-current"))
        record(stub, fronted.registry, stream, "prod", old)
        record(stub, fronted.registry, stream, "prod", current)
        pruned = prune(stub, confirm=True, prune_registry=False)[old]
        assert (pruned.registry_repository, pruned.registry_deleted, pruned.registry_error) == ("", False, "")
        assert not image_exists(stub, old)
        assert manifest(pusher, f"team/{stream}", old) == (200, "")


def test_an_image_from_another_registry_is_never_deleted_there(
    fronted: Fronted, plain_registry: support.RunningRegistry
) -> None:
    # The other registry allows deletes: only the service's choice keeps the manifest there.
    stub, stream = fronted.server.stub, unique("ext")
    with plain_registry.pusher() as pusher:
        old, current = (push_image(pusher, f"team/{stream}", text) for text in ("ext-old", "ext-current"))
        record(stub, plain_registry.host, stream, "prod", old)
        record(stub, plain_registry.host, stream, "prod", current)
        pruned = prune(stub, confirm=True)[old]
        assert (pruned.registry_repository, pruned.registry_deleted, pruned.registry_error) == ("", False, "")
        assert not image_exists(stub, old)
        assert manifest(pusher, f"team/{stream}", old) == (200, "")


def test_a_registry_that_refuses_deletes_or_is_gone_is_reported_and_the_records_still_go(tmp_path: Path) -> None:
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there
    with (
        support.running_registry(tmp_path / "registry", deletes=False) as refusing,
        running_server(
            sqlite_store(tmp_path / "store"), registry_hostname=refusing.host, registry_public_hostname=dead
        ) as server,
    ):
        stub, stream = server.stub, unique("app")
        with refusing.pusher() as pusher:
            old, current = (push_image(pusher, f"team/{stream}", text) for text in ("r-old", "r-current"))
            record(stub, refusing.host, stream, "prod", old)
            record(stub, refusing.host, stream, "prod", current)
            # An image whose pull spec names the registry by its public name, which cannot be reached.
            lost = digest("dead1")
            record(stub, dead, stream, "other", lost)
            record(stub, dead, stream, "other", digest("dead2"))
            removed = prune(stub, confirm=True)
            refused = removed[old]
            assert refused.registry_repository == f"team/{stream}" and not refused.registry_deleted
            assert "405" in refused.registry_error and "storage.delete.enabled" in refused.registry_error
            assert manifest(pusher, f"team/{stream}", old) == (200, "")
            unreachable = removed[lost]
            assert unreachable.registry_repository == f"team/{stream}" and not unreachable.registry_deleted
            assert "could not be reached" in unreachable.registry_error
            assert not image_exists(stub, old) and not image_exists(stub, lost)
