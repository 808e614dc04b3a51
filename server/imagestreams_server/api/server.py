"""Builds and runs the gRPC server: the image stream service, health checking and reflection."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import ipaddress
import logging
import os
import signal
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import access_service_pb2_grpc as access_grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import project_service_pb2_grpc as project_grpc
from imagestreams.v1 import registry_service_pb2 as registry_api
from imagestreams.v1 import registry_service_pb2_grpc as registry_grpc
from imagestreams.v1 import secret_service_pb2 as secret_api
from imagestreams.v1 import secret_service_pb2_grpc as secret_grpc
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams.v1 import watch_service_pb2_grpc as watch_grpc

from ..application.access import AccessCommands
from ..application.access_snapshot import AccessCache
from ..application.caller import ContextExecutor
from ..application.importing import Importing
from ..application.registry_tokens import TokenSettings
from ..application.scheduling import ScheduledImports
from ..application.secrets import Secrets
from ..application.service import Service, new_uid
from ..application.watching import Watching, WatchSettings
from ..domain import limits
from ..importer import RegistryClient
from ..store import access_rows
from ..store.app import EventLog
from ..store.config import StoreConfig
from ..store.crypto import SecretKeyConfig, load_secret_box
from ..store.health import StoreHealth, StoreUnavailable, wait_until_reachable
from ..store.pg_datastore import health_of
from ..store.pg_listener import PostgresListener
from ..store.read_cache import follow_log
from ..store.recorders import ProjectingPostgresRecorder
from ..store.watch_hub import WatchHub
from . import collector
from .access_guard import AccessGuard, GuardedServer
from .access_servicer import AccessServicer, ProjectServicer
from .http_app import HttpSide, start_http_side
from .import_servicer import ImportServicer
from .observability.metrics import Metrics
from .observability.rpc import RpcObserver
from .reflection import enable as enable_reflection
from .registry_servicer import RegistryServicer
from .secret_servicer import SecretServicer
from .servicer import ImageStreamServicer
from .watch_servicer import WatchServicer

log = logging.getLogger(__name__)
SERVICE_NAME = api.DESCRIPTOR.services_by_name["ImageStreamService"].full_name
WATCH_SERVICE_NAME = watch_api.DESCRIPTOR.services_by_name["WatchService"].full_name
IMPORT_SERVICE_NAME = import_api.DESCRIPTOR.services_by_name["ImportService"].full_name
SECRET_SERVICE_NAME = secret_api.DESCRIPTOR.services_by_name["SecretService"].full_name
ACCESS_SERVICE_NAME = access_api.DESCRIPTOR.services_by_name["AccessService"].full_name
PROJECT_SERVICE_NAME = project_api.DESCRIPTOR.services_by_name["ProjectService"].full_name
REGISTRY_SERVICE_NAME = registry_api.DESCRIPTOR.services_by_name["RegistryService"].full_name
SERVICE_NAMES = (
    SERVICE_NAME,
    WATCH_SERVICE_NAME,
    IMPORT_SERVICE_NAME,
    SECRET_SERVICE_NAME,
    ACCESS_SERVICE_NAME,
    PROJECT_SERVICE_NAME,
    REGISTRY_SERVICE_NAME,
)
ADMIN_TOKEN_FILE = "admin.token"
# Seconds a stopping server waits for work already running on its threads.
STOP_WAIT = 10.0


@dataclass(frozen=True)
class TlsConfig:
    """The server's certificate and key (PEM files), and the CA whose client certificates it requires."""

    cert_file: Path
    key_file: Path
    client_ca_file: Path | None = None

    def credentials(self) -> grpc.ServerCredentials:
        ca = self.client_ca_file.read_bytes() if self.client_ca_file else None
        return grpc.ssl_server_credentials(
            [(self.key_file.read_bytes(), self.cert_file.read_bytes())],
            root_certificates=ca,
            # grpc either requires a client certificate or does not ask for one: with a client CA, mutual TLS.
            require_client_auth=ca is not None,
        )


class InsecureListen(ValueError):
    """A non-loopback address without TLS: tokens would cross the network in clear text."""


@dataclass(frozen=True)
class ServerConfig:
    listen: str = "127.0.0.1:50051"
    store: StoreConfig = field(default_factory=StoreConfig)
    # Threads that run application calls (each holds at most one database connection at a time).
    workers: int = 8
    registry_hostname: str = ""
    # The registry's hostname as clients outside reach it (OpenShift's first external registry hostname).
    registry_public_hostname: str = ""
    watch: WatchSettings = field(default_factory=WatchSettings)
    # Seconds between reads of the log when nothing woke the watch hub (a safety net for lost wake-ups).
    watch_poll_interval: float = 2.0
    # At most this many tags of a repository are imported by one `all` import (-1: no limit).
    import_max_tags: int = 50
    # Seconds between checks of each tag with a scheduled import policy (0 turns periodic re-checks off).
    import_interval: float = 900.0
    # Entries kept in each tag's status history; a move beyond it trims the oldest (0: no limit).
    max_status_history: int = 0
    # Import registry tags and repositories that wait for their first import, in the background.
    auto_import: bool = True
    # HOST:PORT of the HTTP side: registry notifications, the registry token service, health (empty: off).
    http_listen: str = ""
    # The HTTP side's former name, when only notifications were served there (deprecated: use http_listen).
    notifications_listen: str = ""
    # The secret registries send with their notifications (empty: no notifications route).
    notifications_secret: str = ""
    # The registry token service on the HTTP side: its service and issuer names, token lifetime, signing key.
    registry_tokens: TokenSettings = field(default_factory=TokenSettings)
    # The pull-through cache of blobs served for `Local` tags (default DATA_DIR/blob-cache) and its size.
    registry_cache_dir: Path | None = None
    registry_cache_bytes: int = 10 * 1024**3
    # The key that encrypts pull secrets (store/crypto.py says where it comes from when not given).
    secret_key: SecretKeyConfig = field(default_factory=SecretKeyConfig)
    tls: TlsConfig | None = None
    # Listen on a non-loopback address without TLS anyway (behind a TLS-terminating proxy, say).
    allow_insecure_listen: bool = False
    # Where a new store's cluster administrator token is written (default: DATA_DIR/admin.token).
    admin_token_file: Path | None = None
    # Off only in benchmarks that measure what the checks cost: every caller may do everything.
    access_control: bool = True


class RunningServer:
    """A started server: its bound port, and how to stop it."""

    def __init__(
        self,
        server: grpc.aio.Server,
        port: int,
        event_log: EventLog,
        hub: WatchHub,
        health_servicer: health.aio.HealthServicer,
        registry: RegistryClient,
        scheduler: asyncio.Task[None] | None,
        http: HttpSide | None = None,
        executor: ThreadPoolExecutor | None = None,
        admin_token: str = "",
        access_cache: AccessCache | None = None,
        store_health: StoreHealth | None = None,
        metrics: Metrics | None = None,
    ) -> None:
        self.server = server
        self.port = port
        self.event_log = event_log
        self.hub = hub
        self.health = health_servicer
        self.registry = registry
        self.scheduler = scheduler
        self.http = http
        self.executor = executor or ThreadPoolExecutor(max_workers=1)
        # The cluster administrator's token when this start created it (a new store), else empty.
        self.admin_token = admin_token
        self.access_cache = access_cache
        self.store_health = store_health
        self.metrics = metrics

    async def stop(self, grace: float = 5.0) -> None:
        await self.health.enter_graceful_shutdown()
        self.hub.close_watchers()
        await self.server.stop(grace)
        if self.http is not None:
            await self.http.stop()
        if self.scheduler is not None:
            self.scheduler.cancel()
            await asyncio.gather(self.scheduler, return_exceptions=True)
        await self.hub.stop()
        if self.store_health is not None:
            await asyncio.to_thread(self.store_health.stop)
        # Work already handed to the threads (a scheduler pass, a hub read) still runs after its task was
        # cancelled: let what has started finish before the store is closed under it; drop what has not. A task
        # stuck (waiting for a database that went away) gets STOP_WAIT seconds, then the store closes under it.
        shutdown = functools.partial(self.executor.shutdown, wait=True, cancel_futures=True)
        try:
            await asyncio.wait_for(asyncio.get_running_loop().run_in_executor(None, shutdown), STOP_WAIT)
        except TimeoutError:
            log.warning("work still running %.0f s after the server stopped; closing the store under it", STOP_WAIT)
        self.registry.close()
        self.event_log.close()


async def start(config: ServerConfig) -> RunningServer:
    # First: a key that cannot be used, or an address that would expose tokens, stops the start before
    # anything is opened.
    check_listen(config)
    # Each task runs with the submitting request's context variables: the caller recorded on its events.
    executor = ContextExecutor(max_workers=config.workers, thread_name_prefix="imagestreams")
    # A second server on a busy address is an error at start, not a silent twin splitting the clients.
    # The request size limit is stated, not left to grpc's default: a larger request is RESOURCE_EXHAUSTED.
    grpc_server = grpc.aio.server(
        migration_thread_pool=executor,
        options=[("grpc.so_reuseport", 0), ("grpc.max_receive_message_length", limits.MAX_REQUEST_BYTES)],
    )
    port = _bind(grpc_server, config)
    secret_box = load_secret_box(config.secret_key, config.store)
    event_log = await _open_store(config.store)
    service = Service(
        event_log,
        registry_hostname=config.registry_hostname,
        registry_public_hostname=config.registry_public_hostname,
        max_status_history=config.max_status_history,
    )
    access_cache = AccessCache(event_log)
    access = AccessCommands(event_log, access_cache, service.context, new_uid)
    admin_token = _bootstrap(config, access)
    _invalidate_on_access_changes(event_log, access_cache)
    hub = WatchHub(event_log, executor, poll_interval=config.watch_poll_interval)
    hub.observers.append(lambda event: access_rows.is_access_event(event) and access_cache.invalidate())
    await hub.start(_listener_factory(config.store, event_log))
    follow_log(service.queries.cache, event_log, hub)
    guard = AccessGuard(access_cache, executor, service.clock) if config.access_control else None
    metrics = Metrics()
    event_log.on_recorded.append(metrics.events_recorded)
    if isinstance(event_log.recorder, ProjectingPostgresRecorder):
        event_log.recorder.on_commit_size.append(metrics.appends_committed)
    # Services register through the guard: each of their methods is checked (health and reflection are not),
    # logged and counted.
    server = GuardedServer(grpc_server, guard, RpcObserver(metrics))
    access_grpc.add_AccessServiceServicer_to_server(AccessServicer(access, access_cache, executor), server)
    project_grpc.add_ProjectServiceServicer_to_server(ProjectServicer(access, access_cache, executor), server)
    api_grpc.add_ImageStreamServiceServicer_to_server(ImageStreamServicer(service, executor), server)
    registry_grpc.add_RegistryServiceServicer_to_server(
        RegistryServicer(config.registry_hostname, config.registry_public_hostname), server
    )
    watch_grpc.add_WatchServiceServicer_to_server(
        WatchServicer(Watching(event_log, hub, executor, config.watch)), server
    )
    secrets = Secrets(event_log, service.queries, service.context, new_uid, secret_box)
    secret_grpc.add_SecretServiceServicer_to_server(SecretServicer(secrets, executor), server)
    registry = RegistryClient()
    importing = Importing(
        event_log,
        service.queries,
        registry,
        service.context,
        new_uid,
        config.import_max_tags,
        credentials=secrets.credentials_for,
    )
    importing.on_read.append(metrics.import_read)
    metrics.follow(event_log, hub, registry.requests)
    import_grpc.add_ImportServiceServicer_to_server(ImportServicer(importing, service.queries, executor), server)
    scheduler = (
        _start_scheduler(config, event_log, importing, registry, service, executor)
        if config.auto_import or config.import_interval > 0
        else None
    )
    store_health = health_of(event_log.recorder.datastore)  # type: ignore[attr-defined]
    http = await start_http_side(
        config,
        service,
        access_cache,
        executor,
        secrets.credentials_for,
        metrics,
        ready=(lambda: store_health.up) if store_health is not None else None,
    )
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, grpc_server)
    # Reflection serves the .proto files with their comments (grpcurl describe, buf curl).
    enable_reflection((*SERVICE_NAMES, health.SERVICE_NAME, reflection.SERVICE_NAME), grpc_server)
    await grpc_server.start()
    for name in ("", *SERVICE_NAMES):
        await health_servicer.set(name, health_pb2.HealthCheckResponse.SERVING)
    if store_health is not None:
        _report_store_health(store_health, health_servicer)
        store_health.start()
    return RunningServer(
        grpc_server,
        port,
        event_log,
        hub,
        health_servicer,
        registry,
        scheduler,
        http,
        executor,
        admin_token=admin_token,
        access_cache=access_cache,
        store_health=store_health,
        metrics=metrics,
    )


async def _open_store(store: StoreConfig) -> EventLog:
    """The log, its read models up to date. A PostgreSQL database that cannot be reached is waited for (with a
    log line every few seconds) rather than ending the start: it may start after the service, or be restarting."""
    while True:
        if store.is_postgres:
            await wait_until_reachable(store.database_url, store.describe(), float(store.pool_timeout))
        event_log: EventLog | None = None
        try:
            event_log = EventLog(store)
            replayed = event_log.ensure_read_models()
            event_log.discard_outdated_snapshots()
        except StoreUnavailable as error:  # gone again between the probe and the opening
            log.warning("the database at %s went away while opening the store (%s)", store.describe(), error.reason)
            if event_log is not None:
                event_log.close()
            continue
        if replayed:
            log.info("rebuilt read models from %d events", replayed)
        return event_log


def _report_store_health(store_health: StoreHealth, health_servicer: health.aio.HealthServicer) -> None:
    """The health service says NOT_SERVING while the database cannot be reached, SERVING again once it can."""
    loop = asyncio.get_running_loop()
    # Reports run one at a time and each says the state as it is then: the last one leaves the latest state.
    serial = asyncio.Lock()

    async def report() -> None:
        async with serial:
            up = store_health.up
            status = health_pb2.HealthCheckResponse.SERVING if up else health_pb2.HealthCheckResponse.NOT_SERVING
            for name in ("", *SERVICE_NAMES):
                await health_servicer.set(name, status)

    def listener(_up: bool) -> None:  # called on the probe's thread, or a worker's
        if not loop.is_closed():
            asyncio.run_coroutine_threadsafe(report(), loop)

    store_health.listeners.append(listener)


def _bind(server: grpc.aio.Server, config: ServerConfig) -> int:
    """The port bound, before anything else is opened: a busy address stops the start at once."""
    try:
        if config.tls is not None:
            port = server.add_secure_port(config.listen, config.tls.credentials())
        else:
            port = server.add_insecure_port(config.listen)
    except RuntimeError as error:  # grpc says "Failed to bind" this way
        raise OSError(f"cannot listen on {config.listen}: the address is in use or not available") from error
    if port == 0:
        raise OSError(f"cannot listen on {config.listen}: the address is in use or not available")
    return port


def check_listen(config: ServerConfig) -> None:
    """Plain-text gRPC only on loopback, unless told otherwise: bearer tokens travel in every call."""
    if config.tls is not None or config.allow_insecure_listen:
        return
    host = config.listen.rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise InsecureListen(
            f"refusing to listen on {config.listen} without TLS: tokens would cross the network in clear text; "
            "give --tls-cert and --tls-key, or --allow-insecure-listen behind a TLS-terminating proxy"
        )


def _bootstrap(config: ServerConfig, access: AccessCommands) -> str:
    """On a new store: the cluster administrator's token, written once to a file only its owner can read."""
    issued = access.bootstrap()
    if issued is None:
        return ""
    path = config.admin_token_file or config.store.data_dir / ADMIN_TOKEN_FILE
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Created with its mode, never readable by others even for an instant.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as file:
            os.fchmod(file.fileno(), 0o600)
            file.write(issued.secret + "\n")
    except OSError as error:
        log.error("could not write the cluster administrator token to %s: %s", path, error.strerror)
    else:
        log.info(
            'created cluster administrator "admin"; its token is in %s (log in: isctl login --token="$(cat %s)")',
            path,
            path,
        )
    return issued.secret


def _invalidate_on_access_changes(event_log: EventLog, cache: AccessCache) -> None:
    """This process's access changes replace the snapshot before the command returns (read your writes)."""

    def observe(recordings: list[Any]) -> None:
        if any(access_rows.is_access_event(r.domain_event) for r in recordings):
            cache.invalidate()

    event_log.on_recorded.append(observe)


def _start_scheduler(
    config: ServerConfig,
    event_log: EventLog,
    importing: Importing,
    registry: RegistryClient,
    service: Service,
    executor: ThreadPoolExecutor,
) -> asyncio.Task[None]:
    """Imports in the background: tags waiting for their first import (woken by this process's commits, and
    at least every 30 s for other replicas' commits), and scheduled re-checks every interval."""
    interval = timedelta(seconds=config.import_interval) if config.import_interval > 0 else None
    scheduler = ScheduledImports(
        event_log, importing, registry, service.clock, interval, auto_import=config.auto_import
    )
    tick = min(config.import_interval / 4, 30.0) if interval else 30.0
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def on_commit() -> None:
        if not loop.is_closed():
            loop.call_soon_threadsafe(wake.set)

    event_log.on_commit.append(on_commit)

    async def run() -> None:
        while True:
            # asyncio.timeout, not wait_for: wait_for (Python 3.11) can swallow the cancel of a stop that lands
            # with a commit's wake-up, and the loop would outlive the server.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(tick):
                    await wake.wait()
            wake.clear()
            try:
                summary = await loop.run_in_executor(executor, scheduler.run_once)
            except Exception:
                log.exception("background import failed; trying again next tick")
            else:
                if summary.moved or summary.failed:
                    log.info(
                        "background import: %d checked, %d unchanged, %d moved, %d failed",
                        summary.checked,
                        summary.unchanged,
                        summary.moved,
                        summary.failed,
                    )
            # At most one pass a second, however many commits wake it.
            await asyncio.sleep(1.0)

    return asyncio.create_task(run(), name="background-import")


def _listener_factory(
    store: StoreConfig, event_log: EventLog
) -> Callable[[Callable[[], None]], PostgresListener] | None:
    """On PostgreSQL, one LISTEN connection wakes the hub for commits made by other replicas."""
    if not store.is_postgres:
        return None
    recorder = event_log.recorder
    channel = recorder.channel_name  # type: ignore[attr-defined]
    is_own = recorder.is_own_backend  # type: ignore[attr-defined]
    return lambda wake: PostgresListener(store.database_url, channel, wake, is_own=is_own)


async def serve(config: ServerConfig, ready: Callable[[RunningServer], Awaitable[None] | None] | None = None) -> None:
    """Runs until SIGINT or SIGTERM, then drains calls in flight."""
    running = await start(config)
    collector.settle_after_start()
    host = config.listen.rsplit(":", 1)[0]
    log.info("serving imagestreams.v1 on %s:%d (store: %s)", host, running.port, config.store.describe())
    if ready is not None:
        result = ready(running)
        if result is not None:
            await result
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    waiter = asyncio.create_task(running.server.wait_for_termination())
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({waiter, stopper}, return_when=asyncio.FIRST_COMPLETED)
    log.info("shutting down")
    await running.stop()
