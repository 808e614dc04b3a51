"""Docker short names as users type them (`ubuntu`, `team/x`): kept as written, asked for with Docker's defaults
at Docker Hub's API host. The registry is an httpx MockTransport here: no test reaches the internet."""

from __future__ import annotations

import httpx
import pytest
from imagestreams_server.domain.reference import DockerImageReference
from imagestreams_server.importer import RegistryClient, RetryPolicy
from imagestreams_server.importer._target import resolve

from tests.support.registry import build_image

DIGEST = "sha256:" + "b" * 64


@pytest.mark.parametrize(
    ("typed", "repository", "reference", "shown"),
    [
        ("ubuntu", "library/ubuntu", "latest", "docker.io/library/ubuntu:latest"),
        ("ubuntu:22.04", "library/ubuntu", "22.04", "docker.io/library/ubuntu:22.04"),
        (f"ubuntu@{DIGEST}", "library/ubuntu", DIGEST, f"docker.io/library/ubuntu@{DIGEST}"),
        ("team/x", "team/x", "latest", "docker.io/team/x:latest"),
        ("team/x/y:1", "team/x/y", "1", "docker.io/team/x/y:1"),
        ("docker.io/ubuntu", "library/ubuntu", "latest", "docker.io/library/ubuntu:latest"),
    ],
)
def test_a_short_name_is_asked_for_at_docker_hub_with_docker_defaults(typed, repository, reference, shown):
    target = resolve(typed)
    assert (target.host, target.repository, target.reference) == ("registry-1.docker.io", repository, reference)
    assert target.registry == "docker.io"  # credentials are looked up by the name users give Docker Hub
    assert target.subject().reference == shown  # messages quote the full form, as OpenShift's do


@pytest.mark.parametrize("typed", ["ubuntu", "team/x", "docker.io/library/ubuntu:latest"])
def test_a_short_name_is_kept_as_written(typed):
    # A spec tag's `from.name` and the pull spec an import records keep the user's repository (OpenShift's
    # `Exact()` / `MostSpecific()`); only the registry request is defaulted.
    assert DockerImageReference.parse(typed).exact() == typed
    assert resolve(typed).pull_spec(DIGEST) == f"{typed.rsplit(':latest', 1)[0]}@{DIGEST}"


def test_importing_ubuntu_asks_registry_1_docker_io_for_library_ubuntu_latest():
    image = build_image(layer_texts=["ubuntu"])
    asked: list[str] = []

    def registry(request: httpx.Request) -> httpx.Response:
        asked.append(f"{request.method} {request.url}")
        path = request.url.path
        if path == "/v2/":
            return httpx.Response(200, headers={"Docker-Distribution-API-Version": "registry/2.0"})
        if path == "/v2/library/ubuntu/manifests/latest":
            headers = {"Content-Type": image.media_type, "Docker-Content-Digest": image.digest}
            return httpx.Response(200, content=image.manifest, headers=headers)
        if path == f"/v2/library/ubuntu/blobs/{image.config_digest}":
            return httpx.Response(200, content=image.config)
        return httpx.Response(404)

    with RegistryClient(transport=httpx.MockTransport(registry), retry=RetryPolicy(max_attempts=1)) as client:
        result = client.import_image("ubuntu")
    assert asked == [
        "GET https://registry-1.docker.io/v2/",
        "GET https://registry-1.docker.io/v2/library/ubuntu/manifests/latest",
        f"GET https://registry-1.docker.io/v2/library/ubuntu/blobs/{image.config_digest}",
    ]
    assert result.digest == image.digest
    assert result.docker_image_reference == f"ubuntu@{image.digest}"
