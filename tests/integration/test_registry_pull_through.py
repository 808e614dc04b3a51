"""Pull-through for `Local` tags: the service serves the registry API of image streams, so a Local tag's pull
spec pulls with skopeo, the image coming from a private registry (htpasswd) through the project's pull
secret, blob by blob, never held in memory."""

from __future__ import annotations

import gc
import hashlib
import json
import os
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams.v1 import resources_pb2 as pb
from imagestreams.v1 import secret_service_pb2 as secret_api
from imagestreams.v1 import secret_service_pb2_grpc as secret_grpc

from tests.integration.test_registry_tokens import skopeo_binary
from tests.support import registry as support
from tests.support.access import Admin, user
from tests.support.builders import docker, get_istag, tag
from tests.support.registry import free_port
from tests.support.server import TestServer, running_server, sqlite_store

basic_registry = support.basic_registry
LOCAL = pb.REFERENCE_POLICY_TYPE_LOCAL
BIG = 64 * 1024 * 1024


@dataclass
class Setup:
    server: TestServer
    admin: Admin
    http: str
    upstream: support.RunningRegistry
    workdir: Path

    def skopeo(self, *args: str) -> subprocess.CompletedProcess[str]:
        home = str(self.workdir)
        env = {"PATH": os.environ["PATH"], "HOME": home, "REGISTRY_AUTH_FILE": str(self.workdir / "a.json")}
        return subprocess.run(
            [skopeo_binary(), "--command-timeout", "120s", *args], env=env, capture_output=True, text=True, timeout=180
        )

    def local_tag(self, stream: str, source: str, **flags: object) -> str:
        """Tags `source` (in the private upstream) as `team/STREAM:v1` with the Local policy, imports it, and
        returns the tag's pull spec."""
        tag(self.server.stub, docker(source), f"{stream}:v1", reference_policy=LOCAL, insecure=True, **flags)
        request = import_api.ImportImageRequest(
            namespace="team",
            name=stream,
            tag="v1",
            confirm=True,
            reference_policy=LOCAL,
            import_mode=flags.get("import_mode", pb.IMPORT_MODE_LEGACY),  # type: ignore[arg-type]
        )
        outcome = import_grpc.ImportServiceStub(self.server.channel).ImportImage(request).tags[0]
        assert outcome.succeeded, outcome
        return str(get_istag(self.server.stub, f"{stream}:v1").pull_spec)


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, basic_registry: support.RunningRegistry) -> Iterator[Setup]:
    workdir = tmp_path_factory.mktemp("pull-through")
    (workdir / "a.json").write_text("{}")
    http = f"127.0.0.1:{free_port()}"
    settings = {"http_listen": http, "import_interval": 0, "registry_cache_dir": workdir / "cache"}
    with running_server(sqlite_store(workdir / "store"), registry_hostname=http, **settings) as server:
        credential = secret_api.RegistryCredential(
            server=basic_registry.host, username=support.USERNAME, password=support.PASSWORD
        )
        secret_grpc.SecretServiceStub(server.channel).CreateSecret(
            secret_api.CreateSecretRequest(namespace="team", name="upstream", credential=credential)
        )
        yield Setup(server, Admin(server), http, basic_registry, workdir)


def puller(setup: Setup, name: str) -> str:
    token = setup.admin.user_token(name)
    setup.admin.bind("team", "system:image-puller", user(name))
    return token


def test_a_local_tag_pulls_exactly_the_upstream_image_through_the_service(setup: Setup) -> None:
    with setup.upstream.pusher() as push:
        image = push.image("private/app", "v1", support.build_image(layer_texts=["one", "two"]))
    pull_spec = setup.local_tag("app", f"{setup.upstream.host}/private/app:v1")
    assert pull_spec == f"{setup.http}/team/app@{image.digest}"
    token = puller(setup, "pt-puller")
    # The private registry is not reachable without the project's secret.
    assert setup.skopeo("inspect", "--tls-verify=false", f"docker://{setup.upstream.host}/private/app:v1").returncode

    out = setup.workdir / "copied"
    copied = setup.skopeo(
        "copy", "--src-tls-verify=false", "--src-creds", f"x:{token}", f"docker://{pull_spec}", f"dir:{out}"
    )
    assert copied.returncode == 0, copied.stderr
    assert (out / "manifest.json").read_bytes() == image.manifest
    for blob in (image.config, *image.layers):
        assert (out / hashlib.sha256(blob).hexdigest()).read_bytes() == blob
    # Again, from the cache: the same bytes.
    again = setup.skopeo(
        "copy", "--src-tls-verify=false", "--src-creds", f"x:{token}", f"docker://{pull_spec}", f"dir:{out}-2"
    )
    assert again.returncode == 0, again.stderr
    assert (out / "manifest.json").read_bytes() == (Path(f"{out}-2") / "manifest.json").read_bytes()


def test_a_manifest_list_is_served_as_imported(setup: Setup) -> None:
    with setup.upstream.pusher() as push:
        amd64 = push.image("private/multi", None, support.build_image("amd64", layer_texts=["list amd64"]))
        arm64 = push.image("private/multi", None, support.build_image("arm64", layer_texts=["list arm64"]))
        listed, body = push.image_list("private/multi", "v1", [amd64.entry(), arm64.entry()])
    source = f"{setup.upstream.host}/private/multi:v1"
    kept = setup.local_tag("multi", source, import_mode=pb.IMPORT_MODE_PRESERVE_ORIGINAL)
    assert kept == f"{setup.http}/team/multi@{listed}"
    picked = setup.local_tag("legacy", source)
    assert picked == f"{setup.http}/team/legacy@{amd64.digest}"
    token = puller(setup, "pt-lists")
    out = setup.workdir / "multi"
    copied = setup.skopeo(
        "copy", "--all", "--src-tls-verify=false", "--src-creds", f"x:{token}", f"docker://{kept}", f"dir:{out}"
    )
    assert copied.returncode == 0, copied.stderr
    assert (out / "manifest.json").read_bytes() == body
    for child in (amd64, arm64):
        assert (out / f"{child.digest.removeprefix('sha256:')}.manifest.json").read_bytes() == child.manifest
        for blob in (child.config, *child.layers):
            assert (out / hashlib.sha256(blob).hexdigest()).read_bytes() == blob
    one = setup.skopeo(
        "copy", "--src-tls-verify=false", "--src-creds", f"x:{token}", f"docker://{picked}", f"dir:{out}-legacy"
    )
    assert one.returncode == 0, one.stderr
    assert (Path(f"{out}-legacy") / "manifest.json").read_bytes() == amd64.manifest


def test_only_what_belongs_to_the_stream_is_served_and_only_with_a_token(setup: Setup) -> None:
    with setup.upstream.pusher() as push:
        # One upstream repository holds both: only the service's check keeps one stream from the other's.
        mine = push.image("private/shared", "mine", support.build_image(layer_texts=["mine"]))
        theirs = push.image("private/shared", "theirs", support.build_image(layer_texts=["theirs"]))
    setup.local_tag("mine", f"{setup.upstream.host}/private/shared:mine")
    setup.local_tag("theirs", f"{setup.upstream.host}/private/shared:theirs")
    token = puller(setup, "pt-reader")
    base = f"http://{setup.http}"

    def registry_token(scope: str, who: str | None = token) -> str:
        headers = {"Authorization": f"Bearer {who}"} if who else {}
        return str(httpx.get(f"{base}/v2/token", params={"scope": scope}, headers=headers).json()["token"])

    bearer = {"Authorization": f"Bearer {registry_token('repository:team/mine:pull')}"}
    layer, other_layer = support.sha256(mine.layers[0]), support.sha256(theirs.layers[0])
    assert httpx.get(f"{base}/v2/team/mine/blobs/{layer}", headers=bearer).content == mine.layers[0]
    # A blob of another stream's image: unknown here, even with a valid token.
    refused = httpx.get(f"{base}/v2/team/mine/blobs/{other_layer}", headers=bearer)
    assert refused.status_code == 404 and refused.json()["errors"][0]["code"] == "BLOB_UNKNOWN"
    # A digest the stream never had, and a tag it does not have.
    assert httpx.get(f"{base}/v2/team/mine/manifests/{theirs.digest}", headers=bearer).status_code == 404
    assert httpx.get(f"{base}/v2/team/mine/manifests/nope", headers=bearer).status_code == 404
    manifest = httpx.get(f"{base}/v2/team/mine/manifests/v1", headers=bearer)
    assert manifest.content == mine.manifest and manifest.headers["Docker-Content-Digest"] == mine.digest
    # The token is for team/mine: team/theirs asks for another; no token at all gets the Bearer challenge.
    assert httpx.get(f"{base}/v2/team/theirs/blobs/{other_layer}", headers=bearer).status_code == 401
    challenge = httpx.get(f"{base}/v2/team/mine/blobs/{layer}")
    assert challenge.status_code == 401
    assert challenge.headers["WWW-Authenticate"] == (
        f'Bearer realm="{base}/v2/token",service="imagestreams-registry",scope="repository:team/mine:pull"'
    )
    # A stranger's token grants nothing; neither does anonymous.
    stranger = setup.admin.user_token("pt-stranger")
    for who in (stranger, None):
        nothing = {"Authorization": f"Bearer {registry_token('repository:team/mine:pull', who)}"}
        assert httpx.get(f"{base}/v2/team/mine/blobs/{layer}", headers=nothing).status_code == 401


def _rss_kib() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


def test_a_large_blob_streams_through_without_the_server_holding_it(setup: Setup) -> None:
    layer = os.urandom(BIG)
    config = support.image_config(diff_ids=[support.sha256(b"big")])
    image = support.BuiltImage(
        support.manifest_body(config, [layer]), support.DOCKER_MANIFEST, config, (layer,), "amd64", "linux"
    )
    with setup.upstream.pusher() as push:
        push.image("private/big", "v1", image)
    digest = support.sha256(layer)
    del layer, image, push
    setup.local_tag("big", f"{setup.upstream.host}/private/big:v1")
    token = puller(setup, "pt-big")
    gc.collect()
    # The server runs in this process: its memory is this process's. Sampled while skopeo (another process)
    # pulls the blob through it.
    before = _rss_kib()
    peak = [before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], _rss_kib())
            time.sleep(0.005)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        out = setup.workdir / "big"
        copied = setup.skopeo(
            "copy",
            "--src-tls-verify=false",
            "--src-creds",
            f"x:{token}",
            f"docker://{setup.http}/team/big:v1",
            f"dir:{out}",
        )
    finally:
        stop.set()
        sampler.join()
    assert copied.returncode == 0, copied.stderr
    assert (out / digest.removeprefix("sha256:")).stat().st_size == BIG
    grown_mib = (peak[0] - before) / 1024
    print(f"server memory grew by {grown_mib:.1f} MiB while a {BIG >> 20} MiB blob streamed through")
    assert grown_mib < 32, grown_mib
    assert json.loads((out / "manifest.json").read_text())["layers"][0]["digest"] == digest


def test_a_blob_that_does_not_match_its_digest_is_cut_short_and_not_kept(setup: Setup) -> None:
    layer = os.urandom(3 * 1024 * 1024 + 5)  # a few relay chunks, the last one short
    config = support.image_config(diff_ids=[support.sha256(b"tampered")])
    image = support.BuiltImage(
        support.manifest_body(config, [layer]), support.DOCKER_MANIFEST, config, (layer,), "amd64", "linux"
    )
    with setup.upstream.pusher() as push:
        push.image("private/tampered", "v1", image)
    digest = support.sha256(layer)
    setup.local_tag("tampered", f"{setup.upstream.host}/private/tampered:v1")
    # The upstream's stored copy goes bad after the push (distribution serves its files as they are): the same
    # length, only the last byte differs, so every chunk but the last is still right.
    hexdigest = digest.removeprefix("sha256:")
    stored = setup.upstream.workdir / "data/docker/registry/v2/blobs/sha256" / hexdigest[:2] / hexdigest / "data"
    stored.write_bytes(layer[:-1] + bytes([layer[-1] ^ 0xFF]))
    token = puller(setup, "pt-tampered")
    bearer = {"Authorization": f"Bearer {_registry_token(setup, token, 'repository:team/tampered:pull')}"}
    url = f"http://{setup.http}/v2/team/tampered/blobs/{digest}"
    for _ in range(2):  # the second pull finds nothing cached and fails the same way
        received = 0
        with pytest.raises(httpx.TransportError), httpx.stream("GET", url, headers=bearer) as response:
            assert response.status_code == 200 and response.headers["Content-Length"] == str(len(layer))
            for chunk in response.iter_raw():
                received += len(chunk)
        # Cut off before the end: never the whole (wrong) blob.
        assert received < len(layer)
        # Nothing kept, and the partial file goes (removed on the relay's thread once the transfer is over).
        deadline = time.monotonic() + 10
        while _leftovers(setup, hexdigest) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _leftovers(setup, hexdigest) == []


def _leftovers(setup: Setup, hexdigest: str) -> list[str]:
    return [p.name for p in (setup.workdir / "cache").iterdir() if hexdigest in p.name or p.name.endswith(".partial")]


def _registry_token(setup: Setup, token: str, scope: str) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    return str(httpx.get(f"http://{setup.http}/v2/token", params={"scope": scope}, headers=headers).json()["token"])


def test_a_client_that_goes_away_mid_blob_leaves_nothing_behind(setup: Setup) -> None:
    layer = os.urandom(24 * 1024 * 1024)
    config = support.image_config(diff_ids=[support.sha256(b"abandoned")])
    image = support.BuiltImage(
        support.manifest_body(config, [layer]), support.DOCKER_MANIFEST, config, (layer,), "amd64", "linux"
    )
    with setup.upstream.pusher() as push:
        push.image("private/abandoned", "v1", image)
    digest = support.sha256(layer)
    hexdigest = digest.removeprefix("sha256:")
    setup.local_tag("abandoned", f"{setup.upstream.host}/private/abandoned:v1")
    token = puller(setup, "pt-abandoned")
    bearer = {"Authorization": f"Bearer {_registry_token(setup, token, 'repository:team/abandoned:pull')}"}
    url = f"http://{setup.http}/v2/team/abandoned/blobs/{digest}"
    with httpx.stream("GET", url, headers=bearer) as response:
        assert response.status_code == 200
        next(response.iter_raw(1024 * 1024))
    # The transfer is dropped with most of the blob unread: its partial cache file goes, nothing is kept.
    deadline = time.monotonic() + 10
    while _leftovers(setup, hexdigest) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _leftovers(setup, hexdigest) == []
    # The next pull fetches it whole, and keeps it (renamed into place on a thread as the transfer ends).
    assert httpx.get(url, headers=bearer).content == layer
    kept = setup.workdir / "cache" / f"sha256-{hexdigest}"
    deadline = time.monotonic() + 10
    while not kept.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert kept.stat().st_size == len(layer)
