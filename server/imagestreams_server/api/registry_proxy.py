"""The read-only part of the registry API v2 for image streams, on the HTTP side: `GET`/`HEAD /v2/`,
`/v2/NS/STREAM/manifests/TAG|DIGEST` and `/v2/NS/STREAM/blobs/DIGEST`, so that a tag's `Local` pull spec
(`REGISTRY/NS/STREAM@sha256:...`, REGISTRY being this address) pulls.

Auth is the token service's: a request without a token that grants `pull` on `repository:NS/STREAM` is
answered 401 with a Bearer challenge naming this address's `/v2/token`. What is served must belong to an
image of the stream (`application/pull_through`), else 404. Manifests are fetched by digest from the image's
source registry and verified before they are sent; blobs stream through without being held in memory,
hashed on the way into a bounded on-disk cache, and a blob whose bytes do not match its digest is cut off
(the client sees a broken transfer, never wrong bytes presented as whole) and not kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from ..application.blob_cache import BlobCache, DigestMismatch
from ..application.pull_through import SHA256_RE, PullThrough
from ..application.registry_tokens import SigningKey, TokenSettings, allows_pull
from ..application.upstream import MANIFEST_ACCEPT, Upstream, UpstreamError

if TYPE_CHECKING:
    from .http_app import HttpApp

log = logging.getLogger(__name__)

API_HEADERS = {"Docker-Distribution-API-Version": "registry/2.0"}
MAX_MANIFEST_BYTES = 4 * 1024 * 1024
# Blobs move in chunks this large: each chunk costs a trip through the event loop (and, from a file, a thread).
RELAY_CHUNK = 1024 * 1024


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
            response = await self.upstream.open(source, namespace, f"manifests/{source.digest}", MANIFEST_ACCEPT)
        except UpstreamError as error:
            return _upstream_error(error, "MANIFEST_UNKNOWN")
        try:
            content = b""
            async for chunk in response.aiter_bytes():
                content += chunk
                if len(content) > MAX_MANIFEST_BYTES:
                    return _error(502, "UNAVAILABLE", "the source registry's manifest is too large")
            media_type = response.headers.get("content-type", "")
        finally:
            await response.aclose()
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
            response = await self.upstream.open(source, namespace, f"blobs/{digest}")
        except UpstreamError as error:
            return _upstream_error(error, "BLOB_UNKNOWN")
        length = response.headers.get("content-length")
        if length and length.isdigit():
            headers["Content-Length"] = length
        if request.method == "HEAD":
            await response.aclose()
            return Response(headers=headers, media_type="application/octet-stream")
        return StreamingResponse(self._relay(response, digest), headers=headers, media_type="application/octet-stream")

    async def _relay(self, response: object, digest: str) -> AsyncIterator[bytes]:
        writer = self.cache.writer(digest)
        loop = asyncio.get_running_loop()
        # Hashing and writing a chunk run on a thread while the chunk goes to the client (both let go of the
        # GIL): the cache costs the relay little. One chunk at a time, in order.
        pending: asyncio.Future[None] | None = None
        done = False
        try:
            # Raw: the blob's own bytes (asked for with `Accept-Encoding: identity`), gathered into large chunks.
            gathered: list[bytes] = []
            size = 0
            async for piece in response.aiter_raw():  # type: ignore[attr-defined]
                gathered.append(piece)
                size += len(piece)
                if size < RELAY_CHUNK:
                    continue
                chunk, gathered, size = b"".join(gathered), [], 0
                if pending is not None:
                    await pending
                pending = loop.run_in_executor(None, writer.write, chunk)
                yield chunk
            if pending is not None:
                await pending
            if gathered:
                chunk = b"".join(gathered)
                writer.write(chunk)
                yield chunk
            done = True
        finally:
            await response.aclose()  # type: ignore[attr-defined]
            if not done:
                if pending is not None:
                    with contextlib.suppress(Exception):
                        await pending
                writer.abandon()
        try:
            writer.finish()
        except DigestMismatch:
            log.warning("blob %s from the source registry does not match its digest; not kept", digest)
            raise


def _error(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"errors": [{"code": code, "message": message}]}, status, headers={**API_HEADERS, **(headers or {})}
    )


def _upstream_error(error: UpstreamError, unknown: str) -> JSONResponse:
    if error.status == 404:
        return _error(404, unknown, "not found at the image's source registry")
    return _error(502, "UNAVAILABLE", str(error))
