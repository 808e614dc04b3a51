"""The service's HTTP side: one ASGI application (Starlette) on uvicorn, on one address beside the gRPC port.

Registries speak HTTP/1.1 and JSON, not gRPC: their push notifications, the token service their clients log
in through, and a health check live here. Every route shares the gRPC side's application layer, access
snapshot and worker threads; blocking work (the store, a registry) runs on those threads, never on the event
loop. Request bodies are bounded, and no header value (a token, a secret) is ever logged: uvicorn's access
log is off, and the routes log only what they decided.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from collections.abc import Callable, Iterator
from concurrent.futures import Executor
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from .observability.metrics import Metrics, metrics_route
from .registry_notifications import PATH as NOTIFICATIONS_PATH
from .registry_notifications import RegistryNotifications

if TYPE_CHECKING:
    from ..application.access_snapshot import AccessCache
    from ..application.registry_tokens import SigningKey, TokenSettings
    from ..application.service import Service
    from .registry_proxy import RegistryProxy
    from .server import ServerConfig

log = logging.getLogger(__name__)

HEALTH_PATH = "/healthz"
# Headers (request line included) larger than this are refused by the HTTP parser.
MAX_HEADER_BYTES = 16 * 1024
# Connections served at once; past it uvicorn answers 503 rather than queueing without bound.
MAX_CONNECTIONS = 1000

_T = TypeVar("_T")


class BodyTooLarge(Exception):
    pass


async def read_body(request: Request, limit: int) -> bytes:
    """The request body, refused past `limit` bytes (whatever Content-Length claims, it is counted)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


class HttpApp:
    """Builds the ASGI application from the parts this server runs (each optional)."""

    def __init__(self, executor: Executor, ready: Callable[[], bool] | None = None) -> None:
        self.executor = executor
        # Whether the store answers (PostgreSQL's probe); a container's health check and load balancers read it.
        self.ready = ready or (lambda: True)
        self.routes: list[Route] = [Route(HEALTH_PATH, self.health, methods=["GET", "HEAD"])]

    async def blocking(self, fn: Callable[..., _T], *args: Any) -> _T:
        """Runs store or registry work on the server's worker threads (with the request's context)."""
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)

    def add_notifications(self, notifications: RegistryNotifications) -> None:
        async def notify(request: Request) -> Response:
            try:
                body = await read_body(request, notifications.max_body)
            except BodyTooLarge:
                return PlainTextResponse("envelope too large", status_code=413)
            status, message = await self.blocking(notifications.handle, request.headers.get("authorization", ""), body)
            return PlainTextResponse(message, status_code=status)

        self.routes.append(Route(NOTIFICATIONS_PATH, notify, methods=["POST"]))

    def add_route(self, route: Route) -> None:
        self.routes.append(route)

    async def health(self, request: Request) -> Response:
        if not self.ready():
            return PlainTextResponse("the store is unavailable", status_code=503)
        return PlainTextResponse("ok")

    def build(self) -> Starlette:
        return Starlette(routes=self.routes)


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the process's own (`serve`) decide when everything stops."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class HttpSide:
    """The HTTP server on its own address. The socket is bound when this is made, so a busy address stops the
    start at once and port 0 gives a known port; serving starts with `start`."""

    def __init__(self, listen: str, app: Starlette) -> None:
        host, _, port = listen.rpartition(":")
        host = host.strip("[]") or "127.0.0.1"
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self._socket = socket.socket(family, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self._socket.bind((host, int(port)))
        except (OSError, ValueError) as error:
            self._socket.close()
            raise OSError(f"cannot listen on {listen} (HTTP): the address is in use or not available") from error
        self._socket.listen(128)
        self._socket.setblocking(False)
        self.host = host
        self.port: int = self._socket.getsockname()[1]
        config = uvicorn.Config(
            app,
            http="h11",
            lifespan="off",
            # Our logging stays as the process set it up; no access log (it would carry query strings).
            log_config=None,
            access_log=False,
            server_header=False,
            proxy_headers=False,
            h11_max_incomplete_event_size=MAX_HEADER_BYTES,
            limit_concurrency=MAX_CONNECTIONS,
            timeout_keep_alive=15,
            # A stopping server waits this long for requests in flight.
            timeout_graceful_shutdown=5,
        )
        self._server = _Server(config)
        self._task: asyncio.Task[None] | None = None
        # The registry token service's signing key (its certificate is the registry's rootcertbundle).
        self.token_key: SigningKey | None = None
        # Run once the server has stopped (clients it owns).
        self.on_stop: list[Callable[[], None]] = []

    async def start(self) -> None:
        self._task = asyncio.create_task(self._server.serve(sockets=[self._socket]), name="http")
        while not self._server.started:
            if self._task.done():
                self._task.result()  # raises what stopped it
                raise OSError("the HTTP server stopped as it started")
            await asyncio.sleep(0.01)
        log.info("serving HTTP (registry notifications, token service, health) on %s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._task is None:
            self._socket.close()
            return
        self._server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._socket.close()
        for callback in self.on_stop:
            callback()


async def start_http_side(
    config: ServerConfig,
    service: Service,
    access_cache: AccessCache,
    executor: Executor,
    credentials_for: Callable[[str], Any] | None = None,
    metrics: Metrics | None = None,
    ready: Callable[[], bool] | None = None,
) -> HttpSide | None:
    """The HTTP side this configuration asks for, serving (None when it names no address)."""
    from ..application.pushed_images import PushedImages
    from ..application.registry_tokens import IMAGE_PRUNER
    from ..importer import RegistryClient, RetryPolicy
    from .registry_tokens import RegistryTokenService

    listen = config.http_listen or config.notifications_listen
    if not listen:
        return None
    if config.notifications_listen and not config.notifications_secret:
        raise ValueError("the registry notifications endpoint needs a secret")
    app = HttpApp(executor, ready)
    settings = config.registry_tokens
    key = await app.blocking(settings.signing_key, config.store.data_dir)
    # Pruning deletes manifests in the registry that trusts this key (`oc adm prune images --prune-registry`).
    service.pruning.manifests.own_token = _own_token(key, settings, service.clock, IMAGE_PRUNER, "delete")
    tokens = RegistryTokenService(app, key, settings, access_cache, service.queries, service.clock)
    for route in tokens.routes():
        app.add_route(route)
    if metrics is not None:
        app.add_route(metrics_route(metrics, app.blocking))
    # Reads pushed images' metadata while the registry waits for the notification's answer: kept short.
    proxy = _registry_proxy(config, service, app, key, credentials_for or (lambda namespace: None))
    for route in proxy.routes():
        app.add_route(route)
    registry = RegistryClient(timeout=5.0, retry=RetryPolicy(max_attempts=2, max_backoff=1.0, total_timeout=8.0))
    if config.notifications_secret:
        pushed = PushedImages(registry, key, service.queries, config.registry_hostname)
        app.add_notifications(
            RegistryNotifications(
                config.notifications_secret,
                service.commands,
                project_exists=lambda namespace: access_cache.fresh().project_exists(namespace),
                read_metadata=pushed.metadata,
            )
        )
    try:
        side = HttpSide(listen, app.build())
    except OSError:
        registry.close()
        proxy.close()
        raise
    side.token_key = key
    side.on_stop.append(registry.close)
    side.on_stop.append(proxy.close)
    await side.start()
    return side


def _own_token(
    key: SigningKey, settings: TokenSettings, clock: Callable[[], datetime], subject: str, action: str
) -> Callable[[str, str], str | None]:
    """Tokens the service signs for itself, granting `action` on one repository, for a registry that asks our
    token service (by its `service` name) and so trusts our key; None for any other registry."""
    from ..application.registry_tokens import issue

    def own_token(asked_service: str, repository: str) -> str | None:
        if asked_service != settings.service:
            return None
        access = [{"type": "repository", "name": repository, "actions": [action]}]
        return issue(key, settings, subject, access, clock()).token

    return own_token


def _registry_proxy(
    config: ServerConfig, service: Service, app: HttpApp, key: SigningKey, credentials_for: Callable[[str], Any]
) -> RegistryProxy:
    """The registry API of image streams (pull-through for `Local` tags)."""
    from ..application.blob_cache import BlobCache
    from ..application.pull_through import PullThrough
    from ..application.registry_tokens import METADATA_READER
    from ..application.upstream import Upstream
    from .registry_proxy import RegistryProxy

    settings = config.registry_tokens
    own_token = _own_token(key, settings, service.clock, METADATA_READER, "pull")
    cache = BlobCache(config.registry_cache_dir or config.store.data_dir / "blob-cache", config.registry_cache_bytes)
    upstream = Upstream(credentials_for, own_token)
    return RegistryProxy(app, key, settings, PullThrough(service.queries), upstream, cache, service.clock)
