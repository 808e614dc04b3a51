"""A small in-memory registry on loopback that misbehaves on request.

For what a real registry will not do on demand: be down, hang, answer 401 or 429 or 500 and then recover,
serve malformed JSON or bytes that do not match their digest, page its tag list with `Link`, redirect blobs
to another host, refuse HEAD. It serves just enough of the distribution API for the importer: `/v2/`,
manifests (GET/HEAD by tag or digest), blobs (GET), `tags/list`, and a token endpoint.

    with FaultyRegistry() as registry:
        image = registry.add_image("demo/app", "v1", build_image())
        registry.fail("GET", "/v2/demo/app/manifests/v1", status=429, headers={"Retry-After": "1"})
        ...
        registry.requests  # what was asked, in order (method, path, headers)
"""

from __future__ import annotations

import base64
import json
import secrets
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.support.certificates import Issued
from tests.support.registry import PASSWORD, USERNAME, BuiltImage, free_port, sha256


@dataclass
class Fault:
    """One scripted answer for requests matching (method, path). `times` None means for ever."""

    method: str
    path: str
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    # Sleep this long before answering (a hang, for timeouts); then answer as scripted, or normally when
    # `status` is 0.
    delay: float = 0.0
    times: int | None = 1


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    headers: dict[str, str]


@dataclass
class _Manifest:
    body: bytes
    media_type: str
    # What Docker-Content-Digest says; the real digest when None. Lets a test serve a lie.
    digest_header: str | None = None


class FaultyRegistry:
    """`auth` is "none", "basic" (USERNAME/PASSWORD) or "bearer" (opaque tokens from our own /token, or from
    `token_server`'s). With `tls` (a server certificate) it serves HTTPS only."""

    def __init__(
        self,
        auth: str = "none",
        *,
        anonymous_pull: bool = False,
        tls: Issued | None = None,
        token_server: FaultyRegistry | None = None,
    ) -> None:
        self.auth = auth
        # With bearer auth: may a caller without credentials get a token that works?
        self.anonymous_pull = anonymous_pull
        self.scheme = "https" if tls else "http"
        # The Bearer challenge names this server's /token as its realm, and only its tokens are accepted.
        self.token_server = token_server
        self.requests: list[Recorded] = []
        self.faults: list[Fault] = []
        self.ping_status = 200
        self.head_allowed = True
        # Tags per repository, and how many a tags/list page holds (None: all in one page).
        self.tags: dict[str, list[str]] = {}
        self.tags_page_size: int | None = None
        self.absolute_links = False
        # GET of a blob answers 307 to `<blob_redirect>/cdn/<digest>` when set.
        self.blob_redirect: str | None = None
        self.manifests: dict[tuple[str, str], _Manifest] = {}
        self.blobs: dict[str, bytes] = {}
        self.tokens: set[str] = set()
        self.issued: list[str] = []
        self.token_requests: list[tuple[str | None, str]] = []  # (username, scope); never the password
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        if tls is not None:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(tls.cert, tls.key)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.02,), name="faulty-registry", daemon=True
        )

    # -- lifecycle ---------------------------------------------------------------------------------------

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._server.server_port}"

    @property
    def url(self) -> str:
        return f"{self.scheme}://{self.host}"

    def start(self) -> FaultyRegistry:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # ends any scripted hang at once
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FaultyRegistry:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # -- content ---------------------------------------------------------------------------------------------

    def add_blob(self, data: bytes) -> str:
        digest = sha256(data)
        self.blobs[digest] = data
        return digest

    def add_manifest(
        self, repo: str, body: bytes, media_type: str, *, tag: str | None = None, digest_header: str | None = None
    ) -> str:
        digest = sha256(body)
        manifest = _Manifest(body, media_type, digest_header)
        self.manifests[(repo, digest)] = manifest
        if tag is not None:
            self.manifests[(repo, tag)] = manifest
            tags = self.tags.setdefault(repo, [])
            if tag not in tags:
                tags.append(tag)
        return digest

    def add_image(self, repo: str, tag: str | None, image: BuiltImage) -> BuiltImage:
        for layer in image.layers:
            self.add_blob(layer)
        self.add_blob(image.config)
        self.add_manifest(repo, image.manifest, image.media_type, tag=tag)
        return image

    # -- faults ----------------------------------------------------------------------------------------------

    def fail(
        self,
        method: str,
        path: str,
        *,
        status: int = 500,
        headers: dict[str, str] | None = None,
        body: bytes | dict[str, Any] = b"",
        delay: float = 0.0,
        times: int | None = 1,
    ) -> None:
        """Scripts the next `times` answers to (method, path); `path` ending in `*` matches a prefix."""
        if isinstance(body, dict):
            body = json.dumps(body).encode()
        with self._lock:
            self.faults.append(Fault(method, path, status, dict(headers or {}), body, delay, times))

    def revoke_tokens(self) -> None:
        """Every token issued so far stops working (as if expired early)."""
        with self._lock:
            self.tokens.clear()

    def count(self, method: str | None = None, path_prefix: str = "") -> int:
        with self._lock:
            return sum(
                1 for r in self.requests if (method is None or r.method == method) and r.path.startswith(path_prefix)
            )

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self.faults:
                matches = path.startswith(fault.path[:-1]) if fault.path.endswith("*") else path == fault.path
                if fault.method == method and matches and (fault.times is None or fault.times > 0):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault
        return None

    # -- serving ---------------------------------------------------------------------------------------------

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        registry = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go out in separate writes: without this, Nagle and delayed ACKs add 40 ms to
            # every keep-alive request.
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                self._serve("GET")

            def do_HEAD(self) -> None:
                self._serve("HEAD")

            def _serve(self, method: str) -> None:
                path = urlsplit(self.path).path
                with registry._lock:
                    registry.requests.append(Recorded(method, self.path, dict(self.headers.items())))
                    registry.in_flight += 1
                    registry.max_in_flight = max(registry.max_in_flight, registry.in_flight)
                try:
                    fault = registry._take_fault(method, path)
                    if fault is not None and fault.delay and registry._stopping.wait(fault.delay):
                        return
                    if fault is not None and fault.status:
                        self._reply(method, fault.status, fault.body, fault.headers)
                        return
                    self._route(method, path)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nothing to tell it
                finally:
                    with registry._lock:
                        registry.in_flight -= 1

            def _route(self, method: str, path: str) -> None:
                if path == "/token":
                    self._token()
                    return
                if path.startswith("/cdn/"):
                    self._blob(method, path[len("/cdn/") :])
                    return
                if not path.startswith("/v2/"):
                    self._error(method, 404, "NOT_FOUND", "not found")
                    return
                if path == "/v2/" and registry.ping_status != 200:
                    self._reply(method, registry.ping_status, b"not a registry", {"Content-Type": "text/plain"})
                    return
                if not self._authorised(method):
                    return
                if path == "/v2/":
                    self._reply(method, 200, b"{}", {"Content-Type": "application/json"})
                    return
                rest = path[len("/v2/") :]
                for marker, handler in (("/manifests/", self._manifest), ("/blobs/", self._blob_in_repo)):
                    if marker in rest:
                        repo, _, reference = rest.rpartition(marker)
                        handler(method, repo, reference)
                        return
                if rest.endswith("/tags/list"):
                    self._tags(method, rest[: -len("/tags/list")])
                    return
                self._error(method, 404, "NOT_FOUND", "not found")

            def _authorised(self, method: str) -> bool:
                authorization = self.headers.get("Authorization", "")
                if registry.auth == "basic":
                    expected = "Basic " + base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
                    if authorization == expected:
                        return True
                    self._error(
                        method,
                        401,
                        "UNAUTHORIZED",
                        "authentication required",
                        {"WWW-Authenticate": 'Basic realm="faulty"'},
                    )
                    return False
                if registry.auth == "bearer":
                    token = authorization[len("Bearer ") :] if authorization.startswith("Bearer ") else ""
                    issuer = registry.token_server or registry
                    with issuer._lock:
                        valid = token in issuer.tokens
                    if valid:
                        return True
                    realm = f"{issuer.url}/token"
                    self._error(
                        method,
                        401,
                        "UNAUTHORIZED",
                        "authentication required",
                        {"WWW-Authenticate": f'Bearer realm="{realm}",service="faulty"'},
                    )
                    return False
                return True

            def _token(self) -> None:
                query = parse_qs(urlsplit(self.path).query)
                scope = " ".join(query.get("scope", []))
                authorization = self.headers.get("Authorization", "")
                username = None
                if authorization.startswith("Basic "):
                    user, _, password = base64.b64decode(authorization[6:]).decode().partition(":")
                    if (user, password) != (USERNAME, PASSWORD):
                        registry.token_requests.append((user, scope))
                        self._reply("GET", 401, b'{"details":"incorrect username or password"}')
                        return
                    username = user
                registry.token_requests.append((username, scope))
                token = secrets.token_urlsafe(24)
                registry.issued.append(token)
                if username is not None or registry.anonymous_pull:
                    with registry._lock:
                        registry.tokens.add(token)
                body = json.dumps({"token": token, "expires_in": 300}).encode()
                self._reply("GET", 200, body, {"Content-Type": "application/json"})

            def _manifest(self, method: str, repo: str, reference: str) -> None:
                if method == "HEAD" and not registry.head_allowed:
                    self._reply(method, 405, b"")
                    return
                manifest = registry.manifests.get((repo, reference))
                if manifest is None:
                    if not any(r == repo for r, _ in registry.manifests):
                        self._error(method, 404, "NAME_UNKNOWN", "repository name not known to registry")
                    else:
                        self._error(method, 404, "MANIFEST_UNKNOWN", "manifest unknown")
                    return
                self._reply(
                    method,
                    200,
                    manifest.body,
                    {
                        "Content-Type": manifest.media_type,
                        "Docker-Content-Digest": manifest.digest_header or sha256(manifest.body),
                    },
                )

            def _blob_in_repo(self, method: str, repo: str, digest: str) -> None:
                if registry.blob_redirect is not None and method == "GET":
                    self._reply(method, 307, b"", {"Location": f"{registry.blob_redirect}/cdn/{digest}"})
                    return
                self._blob(method, digest)

            def _blob(self, method: str, digest: str) -> None:
                data = registry.blobs.get(digest)
                if data is None:
                    self._error(method, 404, "BLOB_UNKNOWN", "blob unknown to registry")
                    return
                self._reply(
                    method, 200, data, {"Content-Type": "application/octet-stream", "Docker-Content-Digest": digest}
                )

            def _tags(self, method: str, repo: str) -> None:
                if repo not in registry.tags:
                    self._error(method, 404, "NAME_UNKNOWN", "repository name not known to registry")
                    return
                tags = registry.tags[repo]
                query = parse_qs(urlsplit(self.path).query)
                last = query.get("last", [None])[0]
                start = tags.index(last) + 1 if last is not None and last in tags else 0
                size = registry.tags_page_size or len(tags)
                page = tags[start : start + size]
                headers = {"Content-Type": "application/json"}
                if start + size < len(tags):
                    link = f"/v2/{repo}/tags/list?n={size}&last={page[-1]}"
                    if registry.absolute_links:
                        link = registry.url + link
                    headers["Link"] = f'<{link}>; rel="next"'
                self._reply(method, 200, json.dumps({"name": repo, "tags": page}).encode(), headers)

            def _error(
                self, method: str, status: int, code: str, message: str, headers: dict[str, str] | None = None
            ) -> None:
                body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
                self._reply(method, status, body, {"Content-Type": "application/json", **(headers or {})})

            def _reply(self, method: str, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(body)

        return Handler


def closed_port() -> str:
    """`127.0.0.1:<port>` with nothing listening: a registry that is down."""
    return f"127.0.0.1:{free_port()}"


@contextmanager
def faulty_registry(auth: str = "none", **options: Any) -> Iterator[FaultyRegistry]:
    registry = FaultyRegistry(auth, **options)
    with registry:
        yield registry
