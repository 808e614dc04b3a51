"""The read-only part of the registry API v2 for image streams, on the HTTP side: `GET`/`HEAD /v2/`,
`/v2/NS/STREAM/manifests/TAG|DIGEST` and `/v2/NS/STREAM/blobs/DIGEST`, so that a tag's `Local` pull spec
(`REGISTRY/NS/STREAM@sha256:...`, REGISTRY being this address) pulls.

Auth is the token service's: a request without a token that grants `pull` on `repository:NS/STREAM` is
answered 401 with a Bearer challenge naming this address's `/v2/token`. What is served must belong to an
image of the stream (`application/pull_through`), else 404. Manifests are fetched by digest from the image's
source registry and verified before they are sent; blobs stream through without being held in memory,
hashed on the way into a bounded on-disk cache, and a blob whose bytes do not match its digest is cut off
before its last chunk (the client sees a broken transfer, never wrong bytes presented as whole) and not kept
(`blob_relay`).

The upstream is read on the proxy's own threads (`Upstream` is blocking), never on the event loop, and not on
the server's worker threads, which a slow upstream would otherwise hold (docs/performance.md, "Pull-through").
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import httpx
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..application.blob_cache import BlobCache
from ..application.pull_through import SHA256_RE, PullThrough, Source
from ..application.registry_tokens import SigningKey, TokenSettings, allows_pull
from ..application.upstream import MANIFEST_ACCEPT, Upstream, UpstreamError
from .blob_relay import BlobRelay

if TYPE_CHECKING:
    from .http_app import HttpApp

log = logging.getLogger(__name__)

API_HEADERS = {"Docker-Distribution-API-Version": "registry/2.0"}
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
# Blobs move in chunks this large: each chunk costs a trip through the event loop and a thread.
RELAY_CHUNK = 1024 * 1024
# Threads for upstream work: a cold blob transfer holds one while it reads ahead and one while it writes the
# cache, neither while it waits for a slow client; a manifest holds one while it is fetched. Past this many at
# once, the work waits its turn.
UPSTREAM_THREADS = 16

_T = TypeVar("_T")


class _TooLarge(Exception):
    pass


class _BlobFile(FileResponse):
    chunk_size = RELAY_CHUNK


class RegistryProxy:
    def __init__(
        self,
        app: HttpApp,
        key: SigningKey,
        settings: TokenSettings,
        lookup: PullThrough,
        upstream: Upstream,
        cache: BlobCache,
        clock: Callable[[], datetime],
    ) -> None:
        self.app = app
        self.key = key
        self.settings = settings
        self.lookup = lookup
        self.upstream = upstream
        self.cache = cache
        self.clock = clock
        self._threads = ThreadPoolExecutor(UPSTREAM_THREADS, thread_name_prefix="upstream")

    def close(self) -> None:
        self._threads.shutdown(wait=False, cancel_futures=True)
        self.upstream.close()

    async def _upstream(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Runs upstream work (blocking: network, cache files) on this proxy's threads."""
        return await asyncio.get_running_loop().run_in_executor(self._threads, fn, *args)

    def routes(self) -> list[Route]:
        return [
            Route("/v2/", self.ping, methods=["GET", "HEAD"]),
            Route("/v2/{namespace}/{stream}/manifests/{reference}", self.manifest, methods=["GET", "HEAD"]),
            Route("/v2/{namespace}/{stream}/blobs/{digest}", self.blob, methods=["GET", "HEAD"]),
        ]

    def _challenge(self, request: Request, scope: str = "") -> Response:
        realm = f"{request.url.scheme}://{request.headers.get('host', request.url.netloc)}/v2/token"
        value = f'Bearer realm="{realm}",service="{self.settings.service}"'
        if scope:
            value += f',scope="{scope}"'
        return _error(401, "UNAUTHORIZED", "authentication required", {"WWW-Authenticate": value})

    def _bearer(self, request: Request) -> str:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        return token.strip() if scheme.lower() == "bearer" else ""

    async def ping(self, request: Request) -> Response:
        token = self._bearer(request)
        if not token or self.key.verify(token) is None:
            return self._challenge(request)
        return JSONResponse({}, headers=API_HEADERS)

    def _allowed(self, request: Request, repository: str) -> bool:
        token = self._bearer(request)
        return bool(token) and allows_pull(self.key, self.settings, token, repository, self.clock())

    async def manifest(self, request: Request) -> Response:
        namespace, stream = request.path_params["namespace"], request.path_params["stream"]
        reference = request.path_params["reference"]
        repository = f"{namespace}/{stream}"
        if not self._allowed(request, repository):
            return self._challenge(request, f"repository:{repository}:pull")
        source = await self.app.blocking(self.lookup.manifest, namespace, stream, reference)
        if source is None:
            return _error(404, "MANIFEST_UNKNOWN", "manifest unknown to this image stream")
        try:
            content, media_type = await self._upstream(self._fetch_manifest, source, namespace)
        except UpstreamError as error:
            return _upstream_error(error, "MANIFEST_UNKNOWN")
        except _TooLarge:
            return _error(502, "UNAVAILABLE", "the source registry's manifest is too large")
        if "sha256:" + hashlib.sha256(content).hexdigest() != source.digest:
            log.warning("manifest %s from %s does not match its digest; not served", source.digest, source.host)
            return _error(502, "UNAVAILABLE", "the source registry's manifest does not match its digest")
        headers = {
            **API_HEADERS,
            "Docker-Content-Digest": source.digest,
            "Content-Type": media_type,
            "Content-Length": str(len(content)),
        }
        return Response(b"" if request.method == "HEAD" else content, headers=headers)

    def _fetch_manifest(self, source: Source, namespace: str) -> tuple[bytes, str]:
        """The manifest's bytes and media type from its source registry (on a thread)."""
        response = self.upstream.open(source, namespace, f"manifests/{source.digest}", MANIFEST_ACCEPT)
        try:
            content = b""
            for chunk in response.iter_bytes():
                content += chunk
                if len(content) > MAX_MANIFEST_BYTES:
                    raise _TooLarge
            return content, response.headers.get("content-type", "")
        except httpx.HTTPError as error:
            raise UpstreamError(502, f"reading from the source registry failed: {type(error).__name__}") from None
        finally:
            response.close()

    async def blob(self, request: Request) -> Response:
        namespace, stream, digest = (request.path_params[k] for k in ("namespace", "stream", "digest"))
        repository = f"{namespace}/{stream}"
        if not self._allowed(request, repository):
            return self._challenge(request, f"repository:{repository}:pull")
        if not SHA256_RE.fullmatch(digest):
            return _error(404, "BLOB_UNKNOWN", "blob unknown to this image stream")
        source = await self.app.blocking(self.lookup.blob, namespace, stream, digest)
        if source is None:
            return _error(404, "BLOB_UNKNOWN", "blob unknown to this image stream")
        headers = {**API_HEADERS, "Docker-Content-Digest": digest}
        cached = self.cache.get(digest)
        if cached is not None:
            if request.method == "HEAD":
                size = cached.stat().st_size
                return Response(headers={**headers, "Content-Length": str(size)}, media_type="application/octet-stream")
            return _BlobFile(cached, headers=headers, media_type="application/octet-stream")
        try:
            response = await self._upstream(self.upstream.open, source, namespace, f"blobs/{digest}")
        except UpstreamError as error:
            return _upstream_error(error, "BLOB_UNKNOWN")
        length = response.headers.get("content-length")
        if length and length.isdigit():
            headers["Content-Length"] = length
        if request.method == "HEAD":
            await self._upstream(response.close)
            return Response(headers=headers, media_type="application/octet-stream")
        writer = self.cache.writer(digest, int(length) if length and length.isdigit() else None)
        relay = BlobRelay(response, writer, self._threads, RELAY_CHUNK)
        return StreamingResponse(relay.chunks(), headers=headers, media_type="application/octet-stream")


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"code": code, "message": message}]}, status, headers={**API_HEADERS, **(headers or {})}
    )


def _upstream_error(error: UpstreamError, unknown: str) -> JSONResponse:
    if error.status == 404:
        return _error(404, unknown, "not found at the image's source registry")
    return _error(502, "UNAVAILABLE", str(error))
