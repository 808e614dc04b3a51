"""A real container registry for tests: Debian's `docker-registry` (distribution 2.8) on loopback.

Three flavours, each a session fixture: no auth (`plain_registry`), htpasswd Basic auth (`basic_registry`)
and token auth (`token_registry`, with a small ES256 token server written here). Plus helpers that build
synthetic images (Docker schema 2, OCI, manifest lists, OCI indexes with attestations) and push them
with httpx, returning their digests.

Make the fixtures visible to a test module by assignment (an import would trip ruff's F811 at every use):

    from tests.support import registry as support
    plain_registry = support.plain_registry

    def test_something(plain_registry):
        with plain_registry.pusher() as push:
            samples = support.push_samples(push, "team/app")  # one image of each kind, with digests

The binaries come from Debian packages (`docker-registry`, `apache2-utils` for `htpasswd`). When they are
missing and we are root, they are installed once per session with apt-get; otherwise the fixture fails
with a message saying what to install (never a skip: a green run must mean the registry tests ran).
See docs toolchain.md §7 for the recipes and the registry's quirks.
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import socket
import ssl
import subprocess
import tarfile
import threading
import time
from collections.abc import Generator, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from tests.support.certificates import Authority

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
IN_TOTO_LAYER = "application/vnd.in-toto+json"

# Credentials of the registries' one user. Tests assert these never show up in a message or a log line.
USERNAME = "alice"
PASSWORD = "s3cret-Pa55word"


# -- building images (pure) -----------------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def make_layer(text: str) -> tuple[bytes, str]:
    """A reproducible gzipped tar holding one file; returns (blob, diff_id)."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w") as tf:
        data = text.encode()
        info = tarfile.TarInfo("hello.txt")
        info.size, info.mtime, info.mode = len(data), 0, 0o644
        tf.addfile(info, io.BytesIO(data))
    tar = raw.getvalue()
    return gzip.compress(tar, mtime=0), sha256(tar)


def image_config(
    arch: str = "amd64",
    os_name: str = "linux",
    *,
    diff_ids: list[str],
    variant: str = "",
    created: str | None = "2024-01-02T03:04:05.123456789Z",
    author: str = "",
    settings: dict[str, Any] | None = None,
) -> bytes:
    config: dict[str, Any] = {
        "architecture": arch,
        "os": os_name,
        "config": {"Cmd": ["/hello"], **(settings or {})},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }
    if variant:
        config["variant"] = variant
    if created is not None:
        config["created"] = created
    if author:
        config["author"] = author
    return json.dumps(config, sort_keys=True).encode()


def manifest_body(config: bytes, layers: list[bytes], *, oci: bool = False, layer_type: str = "") -> bytes:
    media_type = OCI_MANIFEST if oci else DOCKER_MANIFEST
    layer_type = layer_type or (OCI_LAYER if oci else DOCKER_LAYER)
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": media_type,
            "config": {
                "mediaType": OCI_CONFIG if oci else DOCKER_CONFIG,
                "size": len(config),
                "digest": sha256(config),
            },
            "layers": [{"mediaType": layer_type, "size": len(layer), "digest": sha256(layer)} for layer in layers],
        },
        indent=2,
    ).encode()


@dataclass(frozen=True)
class Entry:
    """One entry of a manifest list or index."""

    digest: str
    size: int
    media_type: str
    arch: str
    os: str
    variant: str = ""
    annotations: dict[str, str] = field(default_factory=dict)

    def descriptor(self) -> dict[str, Any]:
        platform: dict[str, str] = {"architecture": self.arch, "os": self.os}
        if self.variant:
            platform["variant"] = self.variant
        value: dict[str, Any] = {"mediaType": self.media_type, "size": self.size, "digest": self.digest}
        if self.annotations:
            value["annotations"] = self.annotations
        value["platform"] = platform
        return value


def list_body(entries: list[Entry], *, oci: bool = False) -> bytes:
    return json.dumps(
        {
            "schemaVersion": 2,
            "mediaType": OCI_INDEX if oci else DOCKER_LIST,
            "manifests": [e.descriptor() for e in entries],
        }
    ).encode()


@dataclass(frozen=True)
class BuiltImage:
    """An image as bytes: what a registry (real or fake) is given to serve."""

    manifest: bytes
    media_type: str
    config: bytes
    layers: tuple[bytes, ...]
    arch: str
    os: str
    variant: str = ""

    @property
    def digest(self) -> str:
        return sha256(self.manifest)

    @property
    def size(self) -> int:
        return len(self.manifest)

    @property
    def config_digest(self) -> str:
        return sha256(self.config)

    def entry(self, annotations: dict[str, str] | None = None) -> Entry:
        return Entry(self.digest, self.size, self.media_type, self.arch, self.os, self.variant, annotations or {})


def build_image(
    arch: str = "amd64",
    os_name: str = "linux",
    *,
    oci: bool = False,
    variant: str = "",
    layer_texts: list[str] | None = None,
    settings: dict[str, Any] | None = None,
    created: str | None = "2024-01-02T03:04:05.123456789Z",
    author: str = "",
) -> BuiltImage:
    """A single-platform image; `layer_texts` repeated give a duplicate layer (counted once in the size)."""
    layers = [make_layer(text) for text in (layer_texts or [f"hello from {os_name}/{arch}{variant}\n"])]
    config = image_config(
        arch,
        os_name,
        diff_ids=[d for _, d in layers],
        variant=variant,
        created=created,
        author=author,
        settings=settings,
    )
    blobs = [blob for blob, _ in layers]
    return BuiltImage(
        manifest_body(config, blobs, oci=oci),
        OCI_MANIFEST if oci else DOCKER_MANIFEST,
        config,
        tuple(blobs),
        arch,
        os_name,
        variant,
    )


def build_attestation(subject: BuiltImage) -> tuple[BuiltImage, dict[str, str]]:
    """A BuildKit-style provenance manifest for `subject`, and the annotations its index entry carries."""
    statement = json.dumps({"_type": "https://in-toto.io/Statement/v0.1", "subject": [{"digest": subject.digest}]})
    layer = statement.encode()
    config = json.dumps(
        {
            "architecture": "unknown",
            "os": "unknown",
            "config": {},
            "rootfs": {"type": "layers", "diff_ids": [sha256(layer)]},
        }
    ).encode()
    image = BuiltImage(
        manifest_body(config, [layer], oci=True, layer_type=IN_TOTO_LAYER),
        OCI_MANIFEST,
        config,
        (layer,),
        "unknown",
        "unknown",
    )
    annotations = {"vnd.docker.reference.digest": subject.digest, "vnd.docker.reference.type": "attestation-manifest"}
    return image, annotations


# -- pushing with httpx -------------------------------------------------------------------------------------


class PushAuth(httpx.Auth):
    """Answers both registry challenges for pushes: Basic, and Bearer from the token server."""

    def __init__(self, username: str, password: str) -> None:
        self.basic = "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()
        self.header: str | None = None

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        if self.header:
            request.headers["Authorization"] = self.header
        response = yield request
        if response.status_code != 401:
            return
        challenge = response.headers.get("WWW-Authenticate", "")
        if challenge.startswith("Basic"):
            self.header = self.basic
        elif challenge.startswith("Bearer "):
            params = dict(re.findall(r'(\w+)="([^"]*)"', challenge))
            realm = params.pop("realm")
            token_response = yield httpx.Request("GET", realm, params=params, headers={"Authorization": self.basic})
            token_response.read()
            token_response.raise_for_status()
            body = token_response.json()
            self.header = "Bearer " + (body.get("token") or body["access_token"])
        else:
            return
        request.headers["Authorization"] = self.header
        yield request


class Pusher:
    """Pushes built images to a registry (as its admin user when it has auth)."""

    def __init__(self, url: str, credentials: tuple[str, str] | None = None, ca: Path | None = None) -> None:
        auth = PushAuth(*credentials) if credentials else None
        verify: ssl.SSLContext | bool = ssl.create_default_context(cafile=str(ca)) if ca else True
        self.client = httpx.Client(base_url=url, auth=auth, timeout=30, trust_env=False, verify=verify)

    def close(self) -> None:
        self.client.close()

    def blob(self, repo: str, data: bytes) -> str:
        digest = sha256(data)
        if self.client.head(f"/v2/{repo}/blobs/{digest}").status_code == 200:
            return digest
        # Registry 2.8 ignores a body on the POST (no monolithic upload): POST, then one PUT with the body.
        response = self.client.post(f"/v2/{repo}/blobs/uploads/")
        assert response.status_code == 202, response.text
        # copy_merge_params keeps the upload's `_state` query; `params=` would drop it (404 BLOB_UPLOAD_INVALID).
        url = httpx.URL(response.headers["Location"]).copy_merge_params({"digest": digest})
        response = self.client.put(url, content=data, headers={"Content-Type": "application/octet-stream"})
        assert response.status_code == 201, response.text
        return digest

    def manifest(self, repo: str, reference: str, body: bytes, media_type: str) -> str:
        response = self.client.put(
            f"/v2/{repo}/manifests/{reference}", content=body, headers={"Content-Type": media_type}
        )
        assert response.status_code == 201, response.text
        assert response.headers["Docker-Content-Digest"] == sha256(body)
        return sha256(body)

    def image(self, repo: str, tag: str | None, image: BuiltImage) -> BuiltImage:
        for layer in image.layers:
            self.blob(repo, layer)
        self.blob(repo, image.config)
        self.manifest(repo, tag or image.digest, image.manifest, image.media_type)
        return image

    def image_list(self, repo: str, tag: str, entries: list[Entry], *, oci: bool = False) -> tuple[str, bytes]:
        """Pushes a list/index over manifests already pushed; returns (digest, body)."""
        body = list_body(entries, oci=oci)
        return self.manifest(repo, tag, body, OCI_INDEX if oci else DOCKER_LIST), body


@dataclass(frozen=True)
class Samples:
    """Digests of the images `push_samples` pushed, by tag."""

    repository: str
    single: str  # tag "single": Docker schema 2, linux/amd64
    oci: str  # tag "oci": OCI image manifest, linux/amd64
    amd64: str  # children of "multi" and "index" (untagged)
    arm64: str
    multi: str  # tag "multi": Docker manifest list (amd64, arm64)
    oci_amd64: str
    attestation: str
    index: str  # tag "index": OCI index (attestation first, then amd64)


def push_samples(pusher: Pusher, repository: str) -> Samples:
    """Pushes one of each kind of image the importer reads to `repository` and returns their digests."""
    single = pusher.image(repository, "single", build_image(layer_texts=[f"{repository} single\n"]))
    oci = pusher.image(repository, "oci", build_image(oci=True, layer_texts=[f"{repository} oci\n"]))
    amd64 = pusher.image(repository, None, build_image("amd64", layer_texts=[f"{repository} amd64\n"]))
    arm64 = pusher.image(repository, None, build_image("arm64", variant="v8", layer_texts=[f"{repository} arm64\n"]))
    multi, _ = pusher.image_list(repository, "multi", [amd64.entry(), arm64.entry()])
    oci_amd64 = pusher.image(repository, None, build_image(oci=True, layer_texts=[f"{repository} index\n"]))
    attestation, annotations = build_attestation(oci_amd64)
    pusher.image(repository, None, attestation)
    index, _ = pusher.image_list(repository, "index", [attestation.entry(annotations), oci_amd64.entry()], oci=True)
    return Samples(
        repository,
        single.digest,
        oci.digest,
        amd64.digest,
        arm64.digest,
        multi,
        oci_amd64.digest,
        attestation.digest,
        index,
    )


# -- the token server ---------------------------------------------------------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class TokenRequest:
    """What the token server was asked for; the password is never kept."""

    username: str | None
    scope: str
    granted: bool


class TokenServer:
    """Issues ES256 JWTs the registry trusts (docs toolchain.md §7).

    Policy: the user with the right password gets every action asked for; a wrong password gets 401;
    anonymous callers get `pull` on repositories under `public/` and nothing elsewhere (an empty grant, as
    real token servers do: the registry then answers 401).
    """

    def __init__(self, workdir: Path, service: str = "test-registry", issuer: str = "test-issuer") -> None:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import NameOID

        self.service = service
        self.issuer = issuer
        self.expires_in = 300
        self.requests: list[TokenRequest] = []
        # Every token handed out, so tests can check none leaks into a message or a log line.
        self.issued: list[str] = []
        self._key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-token-issuer")])
        now = time.time()
        import datetime as dt

        certificate = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(dt.datetime.fromtimestamp(now - 3600, dt.UTC))
            .not_valid_after(dt.datetime.fromtimestamp(now + 30 * 86400, dt.UTC))
            .sign(self._key, hashes.SHA256())
        )
        self.certificate_path = workdir / "token.crt"
        self.certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
        der = self._key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        # libtrust key id: base32 of the first 30 bytes of sha256(SPKI), in 12 groups of 4.
        raw = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
        self.kid = ":".join(raw[i : i + 4] for i in range(0, 48, 4))
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="token-server", daemon=True
        )

    @property
    def realm(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}/token"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def issue(self, subject: str, access: list[dict[str, Any]]) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        now = int(time.time())
        header = {"typ": "JWT", "alg": "ES256", "kid": self.kid}
        claims = {
            "iss": self.issuer,
            "sub": subject,
            "aud": self.service,
            "exp": now + self.expires_in,
            "nbf": now - 10,
            "iat": now,
            "jti": secrets.token_hex(8),
            "access": access,
        }
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        r, s = decode_dss_signature(self._key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        token = f"{signing_input}.{_b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
        self.issued.append(token)
        return token

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                scope = " ".join(query.get("scope", []))
                username: str | None = None
                authorization = self.headers.get("Authorization", "")
                if authorization.startswith("Basic "):
                    user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
                    if (user, password) != (USERNAME, PASSWORD):
                        server.requests.append(TokenRequest(user, scope, False))
                        self._reply(401, {"details": "incorrect username or password"})
                        return
                    username = user
                access = []
                for item in query.get("scope", []):
                    kind, _, rest = item.partition(":")
                    name, _, actions = rest.rpartition(":")
                    wanted = [a for a in actions.split(",") if a]
                    if username is None:
                        wanted = [a for a in wanted if a == "pull"] if name.startswith("public/") else []
                    access.append({"type": kind, "name": name, "actions": wanted})
                server.requests.append(TokenRequest(username, scope, True))
                token = server.issue(username or "", access)
                self._reply(200, {"token": token, "access_token": token, "expires_in": server.expires_in})

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        return Handler


# -- the registry process -----------------------------------------------------------------------------------

_install_lock = threading.Lock()
_install_tried = False


def registry_binary() -> str:
    """The `docker-registry` binary; installs the Debian packages once per session when root."""
    global _install_tried
    with _install_lock:
        found = shutil.which("docker-registry") or _existing("/usr/bin/docker-registry")
        if found and shutil.which("htpasswd"):
            return found
        can_install = os.geteuid() == 0 and shutil.which("apt-get") is not None
        if can_install and not _install_tried:
            _install_tried = True
            env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
            subprocess.run(["apt-get", "update", "-qq"], env=env, capture_output=True, timeout=300)
            done = subprocess.run(
                ["apt-get", "install", "-y", "-qq", "docker-registry", "apache2-utils"],
                env=env,
                capture_output=True,
                text=True,
                timeout=600,
            )
            if done.returncode != 0:
                raise RuntimeError(f"apt-get install docker-registry apache2-utils failed:\n{done.stderr[-2000:]}")
            found = shutil.which("docker-registry") or _existing("/usr/bin/docker-registry")
        if not found or not shutil.which("htpasswd"):
            raise RuntimeError(
                "the registry tests need Debian's docker-registry and apache2-utils (htpasswd): run "
                "`apt-get install -y docker-registry apache2-utils` as root (the test fixtures do it themselves "
                "when they run as root)"
            )
        return found


def _existing(path: str) -> str | None:
    return path if os.access(path, os.X_OK) else None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class RunningRegistry:
    """A registry process on 127.0.0.1."""

    host: str
    workdir: Path
    process: subprocess.Popen[bytes]
    auth: str  # "none", "basic", "token"
    token_server: TokenServer | None = None
    # With TLS: the certificate authority that signed the registry's certificate.
    ca: Path | None = None

    @property
    def url(self) -> str:
        return f"{'https' if self.ca else 'http'}://{self.host}"

    @property
    def credentials(self) -> tuple[str, str] | None:
        return None if self.auth == "none" else (USERNAME, PASSWORD)

    @contextlib.contextmanager
    def pusher(self) -> Iterator[Pusher]:
        pusher = Pusher(self.url, self.credentials, self.ca)
        try:
            yield pusher
        finally:
            pusher.close()

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        if self.token_server is not None:
            self.token_server.stop()


def start_registry(workdir: Path, auth: str = "none", *, tls: bool = False, deletes: bool = True) -> RunningRegistry:
    """Starts `docker-registry serve` with a config of our own (the package's default is unusable). With
    `tls`, it serves HTTPS with a certificate for 127.0.0.1 and localhost from a CA of its own (`ca`); without
    `deletes`, a DELETE of a manifest is refused (405), as the registry's default configuration does."""
    binary = registry_binary()
    workdir.mkdir(parents=True, exist_ok=True)
    token_server = None
    auth_config = ""
    if auth == "basic":
        hashed = subprocess.run(
            ["htpasswd", "-Bbn", USERNAME, PASSWORD], check=True, capture_output=True, text=True, timeout=60
        ).stdout
        (workdir / "htpasswd").write_text(hashed)
        auth_config = f"auth:\n  htpasswd: {{realm: test-registry, path: {workdir / 'htpasswd'}}}\n"
    elif auth == "token":
        token_server = TokenServer(workdir)
        token_server.start()
        auth_config = (
            "auth:\n  token:\n"
            f"    realm: {token_server.realm}\n    service: {token_server.service}\n"
            f"    issuer: {token_server.issuer}\n    rootcertbundle: {token_server.certificate_path}\n"
        )
    elif auth != "none":
        raise ValueError(f"unknown auth {auth!r}")
    tls_config, ca = "", None
    if tls:
        authority = Authority(workdir, "registry-ca")
        issued = authority.issue("registry", server=True)
        tls_config, ca = f", tls: {{certificate: {issued.cert}, key: {issued.key}}}", authority.cert
    last_error = ""
    for _ in range(3):  # a free port can be taken between our probe and the registry's bind
        port = free_port()
        config = workdir / "config.yml"
        config.write_text(
            "version: 0.1\n"
            "log: {level: error, accesslog: {disabled: true}}\n"
            f"storage:\n  filesystem: {{rootdirectory: {workdir / 'data'}}}\n"
            f"  delete: {{enabled: {'true' if deletes else 'false'}}}\n"
            f"http: {{addr: '127.0.0.1:{port}', secret: test-only{tls_config}}}\n" + auth_config
        )
        log_path = workdir / "registry.log"
        with open(log_path, "wb") as log_file:
            process = subprocess.Popen([binary, "serve", str(config)], stdout=log_file, stderr=subprocess.STDOUT)
        registry = RunningRegistry(f"127.0.0.1:{port}", workdir, process, auth, token_server, ca)
        if _wait_ready(registry):
            return registry
        process.kill()
        process.wait(10)
        last_error = log_path.read_text(errors="replace")[-2000:]
    if token_server is not None:
        token_server.stop()
    raise RuntimeError(f"docker-registry did not start: {last_error}")


def _wait_ready(registry: RunningRegistry, timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if registry.process.poll() is not None:
            return False
        try:
            verify = ssl.create_default_context(cafile=str(registry.ca)) if registry.ca else True
            status = httpx.get(f"{registry.url}/v2/", timeout=1, trust_env=False, verify=verify).status_code
        except httpx.TransportError:
            status = 0
        if status in (200, 401):
            return True
        time.sleep(0.02)
    return False


@contextlib.contextmanager
def running_registry(
    workdir: Path, auth: str = "none", *, tls: bool = False, deletes: bool = True
) -> Iterator[RunningRegistry]:
    registry = start_registry(workdir, auth, tls=tls, deletes=deletes)
    try:
        yield registry
    finally:
        registry.stop()


# -- fixtures -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def plain_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    """A registry with no auth, shared by the session: use a repository name of your own."""
    with running_registry(tmp_path_factory.mktemp("registry-plain"), "none") as registry:
        yield registry


@pytest.fixture(scope="session")
def basic_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    """A registry with htpasswd (bcrypt) Basic auth for USERNAME / PASSWORD."""
    with running_registry(tmp_path_factory.mktemp("registry-basic"), "basic") as registry:
        yield registry


@pytest.fixture(scope="session")
def token_registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    """A registry with token auth; anonymous users may pull `public/*` only."""
    with running_registry(tmp_path_factory.mktemp("registry-token"), "token") as registry:
        yield registry


def make_client(**options: Any) -> Any:
    """A RegistryClient tuned for tests: quick backoff, a short overall deadline, no proxy from the env."""
    from imagestreams_server.importer import RegistryClient, RetryPolicy

    options.setdefault("retry", RetryPolicy(max_attempts=3, backoff=0.01, max_backoff=0.05, total_timeout=10))
    options.setdefault("timeout", 5.0)
    options.setdefault("trust_env", False)
    return RegistryClient(**options)
