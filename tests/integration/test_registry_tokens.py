"""The registry token service, with a real `docker-registry` (token auth pointed at the service, notifications
sent to it) and a real image client (`skopeo`): who may pull and push is decided by roles, and a push is
recorded as the pusher's."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from tests.support import registry as support
from tests.support.access import Admin, group, service_account, user
from tests.support.builders import get_istag
from tests.support.registry import free_port, registry_binary
from tests.support.server import TestServer, running_server, sqlite_store

plain_registry = support.plain_registry
SECRET = "s3cret-for-notifications"
_skopeo_lock = threading.Lock()


def skopeo_binary() -> str:
    """Debian's skopeo; installed with apt-get when missing and we are root (never a skip)."""
    with _skopeo_lock:
        found = shutil.which("skopeo")
        if found:
            return found
        if os.geteuid() == 0 and shutil.which("apt-get"):
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=300)
            subprocess.run(["apt-get", "install", "-y", "-qq", "skopeo"], env=env, capture_output=True, timeout=600)
            found = shutil.which("skopeo")
        if not found:
            raise RuntimeError("the registry token tests need skopeo: apt-get install -y skopeo")
        return found


@dataclass
class Setup:
    server: TestServer
    admin: Admin
    registry: str  # host:port of the docker-registry that asks our token service
    upstream: str  # host:port of a plain registry the test images come from
    home: Path

    def skopeo(self, *args: str) -> subprocess.CompletedProcess[str]:
        # A HOME and auth file of its own: no credentials but those given on the command line.
        env = {"PATH": os.environ["PATH"], "HOME": str(self.home), "REGISTRY_AUTH_FILE": str(self.home / "auth.json")}
        return subprocess.run(
            [skopeo_binary(), "--command-timeout", "60s", *args], env=env, capture_output=True, text=True, timeout=90
        )

    def push(self, source: str, destination: str, token: str | None) -> subprocess.CompletedProcess[str]:
        """skopeo copy from the upstream registry into ours, logged in with `token` (None: anonymous)."""
        creds = ["--dest-creds", f"anyone:{token}"] if token else ["--dest-no-creds"]
        return self.skopeo(
            "copy",
            "--src-tls-verify=false",
            "--dest-tls-verify=false",
            *creds,
            f"docker://{self.upstream}/{source}",
            f"docker://{self.registry}/{destination}",
        )

    def pull(self, reference: str, token: str | None) -> subprocess.CompletedProcess[str]:
        creds = ["--creds", f"anyone:{token}"] if token else ["--no-creds"]
        return self.skopeo("inspect", "--tls-verify=false", *creds, f"docker://{self.registry}/{reference}")

    def token_claims(self, token: str | None, *scopes: str) -> httpx.Response:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        url = f"http://127.0.0.1:{self.server.http_port}/v2/token"
        return httpx.get(url, params=[("scope", s) for s in scopes], headers=headers)


def claims_of(reply: httpx.Response) -> dict:  # type: ignore[type-arg]
    assert reply.status_code == 200, reply.text
    payload = reply.json()["token"].split(".")[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory, plain_registry: support.RunningRegistry) -> Iterator[Setup]:
    workdir = tmp_path_factory.mktemp("registry-tokens")
    settings = {"http_listen": "127.0.0.1:0", "notifications_secret": SECRET, "import_interval": 0}
    with running_server(sqlite_store(workdir / "store"), **settings) as server:
        key = server.running.http.token_key
        http = f"127.0.0.1:{server.http_port}"
        port = free_port()
        config = workdir / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log: {level: error, accesslog: {disabled: true}}\n"
            f"storage: {{filesystem: {{rootdirectory: {workdir / 'data'}}}}}\n"
            f"http: {{addr: '127.0.0.1:{port}', secret: test-only}}\n"
            "auth:\n  token:\n"
            f"    realm: http://{http}/v2/token\n    service: imagestreams-registry\n"
            f"    issuer: imagestreams\n    rootcertbundle: {key.cert_path}\n"
            "notifications:\n  endpoints:\n    - name: imagestreams\n"
            f"      url: http://{http}/registry/notifications\n"
            f"      headers: {{Authorization: ['Bearer {SECRET}']}}\n"
            "      timeout: 2s\n      threshold: 3\n      backoff: 200ms\n"
        )
        with open(workdir / "registry.log", "wb") as log_file:
            process = subprocess.Popen(
                [registry_binary(), "serve", str(config)], stdout=log_file, stderr=subprocess.STDOUT
            )
        try:
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline:
                try:
                    if httpx.get(f"http://127.0.0.1:{port}/v2/", timeout=1).status_code == 401:
                        break
                except httpx.TransportError:
                    time.sleep(0.05)
            home = workdir / "home"
            home.mkdir()
            (home / "auth.json").write_text("{}")
            yield Setup(server, Admin(server), f"127.0.0.1:{port}", plain_registry.host, home)
        finally:
            process.terminate()
            process.wait(10)


def upstream_image(setup: Setup, name: str, text: str) -> support.BuiltImage:
    with _pusher(setup) as pusher:
        return pusher.image(f"source/{name}", "v1", support.build_image(layer_texts=[text]))


class _pusher:
    def __init__(self, setup: Setup) -> None:
        self.pusher = support.Pusher(f"http://{setup.upstream}")

    def __enter__(self) -> support.Pusher:
        return self.pusher

    def __exit__(self, *exc: object) -> None:
        self.pusher.close()


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


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def history(setup: Setup, namespace: str, stream: str) -> list[tuple[str, str, str]]:
    request = api.ListTagHistoryRequest(namespace=namespace, stream=stream)
    return [(m.tag, m.actor, m.change) for m in setup.server.stub.ListTagHistory(request).entries]


# -- the tests ----------------------------------------------------------------------------------------------


def test_the_token_holds_exactly_what_roles_allow(setup: Setup) -> None:
    name = unique("u")
    puller = setup.admin.user_token(name)
    setup.admin.bind("team", "system:image-puller", user(name))
    asked = ("repository:team/app:pull,push", "repository:ops/app:pull", "registry:catalog:*")
    claims = claims_of(setup.token_claims(puller, *asked))
    assert claims["sub"] == name and claims["aud"] == "imagestreams-registry" and claims["iss"] == "imagestreams"
    assert claims["access"] == [
        {"type": "repository", "name": "team/app", "actions": ["pull"]},
        {"type": "repository", "name": "ops/app", "actions": []},
        {"type": "registry", "name": "catalog", "actions": []},
    ]
    assert 0 < claims["exp"] - claims["iat"] <= 300
    # The cluster administrator may list the catalog; a nested or invalid repository name gets nothing.
    admin = claims_of(setup.token_claims(setup.server.admin_token, "registry:catalog:*", "repository:team/a/b:pull"))
    assert [a["actions"] for a in admin["access"]] == [["*"], []]
    # Bad credentials are 401 and say nothing of the token; a scope that cannot be read is 400.
    bad = setup.token_claims("ist_" + "A" * 43, "repository:team/app:pull")
    assert bad.status_code == 401 and "ist_" not in bad.text
    basic = {"Authorization": "Basic " + base64.b64encode(f"x:{puller}x".encode()).decode()}
    assert httpx.get(f"http://127.0.0.1:{setup.server.http_port}/v2/token", headers=basic).status_code == 401
    assert setup.token_claims(puller, "repository").status_code == 400


def test_the_servers_own_reader_may_pull_and_nothing_else(setup: Setup) -> None:
    username, password = setup.server.running.http.token_key.reader_credential()
    url = f"http://127.0.0.1:{setup.server.http_port}/v2/token"
    scopes = [("scope", "repository:team/app:pull,push"), ("scope", "registry:catalog:*")]
    reply = httpx.get(url, params=scopes, auth=(username, password))
    assert [a["actions"] for a in claims_of(reply)["access"]] == [["pull"], []]
    assert httpx.get(url, params=scopes, auth=(username, password + "x")).status_code == 401


def test_a_puller_pulls_and_cannot_push_a_stranger_can_do_neither(setup: Setup) -> None:
    stream = unique("p")
    image = upstream_image(setup, stream, f"{stream} pulled")
    builder = setup.admin.token(service_account("team", "builder"))
    pushed = setup.push(f"source/{stream}:v1", f"team/{stream}:v1", builder)
    assert pushed.returncode == 0, pushed.stderr

    puller_name, stranger_name = unique("puller"), unique("stranger")
    puller = setup.admin.user_token(puller_name)
    setup.admin.bind("team", "system:image-puller", user(puller_name))
    stranger = setup.admin.user_token(stranger_name)

    pulled = setup.pull(f"team/{stream}:v1", puller)
    assert pulled.returncode == 0, pulled.stderr
    assert json.loads(pulled.stdout)["Digest"] == image.digest
    refused = setup.push(f"source/{stream}:v1", f"team/{stream}:v2", puller)
    assert refused.returncode != 0 and "unauthorized" in refused.stderr.lower()

    assert setup.pull(f"team/{stream}:v1", stranger).returncode != 0
    assert setup.push(f"source/{stream}:v1", f"team/{stream}:v3", stranger).returncode != 0
    # Neither the refused pushes nor anything else moved the stream.
    assert [(tag, change) for tag, _, change in history(setup, "team", stream)] == [("v1", "moved")]


def test_a_pusher_pushes_into_an_existing_stream_but_cannot_create_one(setup: Setup) -> None:
    stream = unique("q")
    upstream_image(setup, stream, f"{stream} pushed")
    setup.server.stub.CreateImageStream(
        api.CreateImageStreamRequest(image_stream=pb.ImageStream(namespace="team", name=stream))
    )
    name = unique("pusher")
    pusher = setup.admin.user_token(name)
    setup.admin.bind("team", "system:image-pusher", user(name))
    pushed = setup.push(f"source/{stream}:v1", f"team/{stream}:v1", pusher)
    assert pushed.returncode == 0, pushed.stderr
    assert wait_for(lambda: history(setup, "team", stream)) == [("v1", name, "moved")]
    # image-pusher has no `create` on imagestreams: a new stream is refused at the token.
    refused = setup.push(f"source/{stream}:v1", f"team/{unique('new')}:v1", pusher)
    assert refused.returncode != 0


def test_a_push_creates_the_stream_as_the_pusher_and_the_same_digest_again_records_nothing(setup: Setup) -> None:
    stream = unique("c")
    image = upstream_image(setup, stream, f"{stream} created")
    builder = setup.admin.token(service_account("team", "builder"))
    assert setup.push(f"source/{stream}:v1", f"team/{stream}:v1", builder).returncode == 0
    actor = "system:serviceaccount:team:builder"
    assert wait_for(lambda: history(setup, "team", stream)) == [("v1", actor, "moved")]
    view = get_istag(setup.server.stub, f"{stream}:v1")
    assert view.image.name == image.digest
    assert view.pull_spec == f"{setup.registry}/team/{stream}@{image.digest}"
    # Its metadata was read from the registry, as an import reads it.
    assert view.image.metadata_known and view.image.metadata.architecture == "amd64"
    assert [(layer.name, layer.size) for layer in view.image.layers] == [
        (support.sha256(blob), len(blob)) for blob in image.layers
    ]
    assert view.image.metadata.size == len(image.config) + sum(len(blob) for blob in image.layers)
    before = setup.server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name=stream))

    again = setup.push(f"source/{stream}:v1", f"team/{stream}:v1", builder)
    assert again.returncode == 0, again.stderr
    time.sleep(1.5)  # the registry notifies within milliseconds; give it time to have done so
    after = setup.server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name=stream))
    assert after.image_stream == before.image_stream
    assert history(setup, "team", stream) == [("v1", actor, "moved")]


def test_an_expired_or_revoked_token_fails(setup: Setup) -> None:
    stream = unique("e")
    upstream_image(setup, stream, f"{stream} expired")
    short = setup.admin.token(service_account("team", "builder"), seconds=1)
    revoked = setup.admin.token(service_account("team", "builder"))
    setup.admin.revoke(revoked)
    time.sleep(1.5)
    assert setup.push(f"source/{stream}:v1", f"team/{stream}:v1", short).returncode != 0
    assert setup.push(f"source/{stream}:v1", f"team/{stream}:v1", revoked).returncode != 0
    assert setup.token_claims(short, f"repository:team/{stream}:pull").status_code == 401
    assert setup.token_claims(revoked, f"repository:team/{stream}:pull").status_code == 401


def test_anonymous_is_refused_unless_granted(setup: Setup) -> None:
    project = unique("anon")
    setup.admin.create_project(project)
    stream = unique("a")
    upstream_image(setup, stream, f"{stream} anonymous")
    assert setup.push(f"source/{stream}:v1", f"{project}/{stream}:v1", setup.server.admin_token).returncode == 0
    assert setup.pull(f"{project}/{stream}:v1", None).returncode != 0
    assert setup.push(f"source/{stream}:v1", f"{project}/{stream}:v2", None).returncode != 0

    setup.admin.bind(project, "system:image-puller", group("system:unauthenticated"))
    pulled = setup.pull(f"{project}/{stream}:v1", None)
    assert pulled.returncode == 0, pulled.stderr
    assert claims_of(setup.token_claims(None, f"repository:{project}/{stream}:pull,push"))["access"][0]["actions"] == [
        "pull"
    ]
    assert setup.push(f"source/{stream}:v1", f"{project}/{stream}:v2", None).returncode != 0


def test_no_token_reaches_the_log(setup: Setup, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    name = unique("logged")
    token = setup.admin.user_token(name)
    setup.admin.bind("team", "system:image-pusher", user(name))
    issued = setup.token_claims(token, "repository:team/logged:pull,push")
    assert issued.status_code == 200
    bad = setup.token_claims(token + "x", "repository:team/logged:pull")
    assert bad.status_code == 401
    logged = caplog.text
    assert token not in logged and issued.json()["token"] not in logged
    assert token[4:20] not in logged
