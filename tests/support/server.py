"""A real server on loopback for tests: the aio gRPC server on its own event loop in a background thread.

The server's own channel (`TestServer.channel`) carries the cluster administrator's token, so tests that are
not about access control call as an administrator; `TestServer.open_channel(token)` opens one as anyone else.
The projects tests write into are created at the first start of a store, as an administrator would.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import threading
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import project_service_pb2_grpc as project_grpc
from imagestreams_server.api.server import RunningServer, ServerConfig, start
from imagestreams_server.store.config import StoreConfig

# The namespaces the tests write into: projects of every test store, made at its first start.
TEST_PROJECTS = ("team", "ops", "shared", "fuzz", "elsewhere", "bar", "other", "src", "dst", "demo", "a", "b")

# A store's administrator token, from the start that created it (later starts on the same store reuse it).
_admin_tokens: dict[str, str] = {}


class BearerToken(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
    """Adds `authorization: Bearer TOKEN` to every call of a channel."""

    def __init__(self, token: str) -> None:
        self.metadata = (("authorization", f"Bearer {token}"),)

    def _details(self, details: Any) -> Any:
        return details._replace(metadata=tuple(details.metadata or ()) + self.metadata)

    def intercept_unary_unary(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Callable[..., Any], details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)


def channel_for(address: str, token: str | None, credentials: grpc.ChannelCredentials | None = None) -> grpc.Channel:
    """A channel to `address` whose calls carry `token` (none: anonymous), over TLS given `credentials`."""
    channel = grpc.secure_channel(address, credentials) if credentials else grpc.insecure_channel(address)
    return grpc.intercept_channel(channel, BearerToken(token)) if token else channel


@dataclass
class TestServer:
    __test__ = False  # not a test class, whatever its name

    address: str
    channel: grpc.Channel
    stub: api_grpc.ImageStreamServiceStub
    store: StoreConfig
    # The registry notifications endpoint's port, when the server runs one.
    notifications_port: int = 0
    admin_token: str = ""
    running: Any = field(default=None, repr=False)
    credentials: grpc.ChannelCredentials | None = field(default=None, repr=False)

    @property
    def http_port(self) -> int:
        """The HTTP side's port (notifications, the registry token service), when the server runs one."""
        return self.notifications_port

    def create_project(self, name: str) -> None:
        """Creates a project as the administrator (nothing when it exists)."""
        _create_projects(self.channel, (name,))

    def open_channel(self, token: str | None, credentials: grpc.ChannelCredentials | None = None) -> grpc.Channel:
        """A new channel to this server as the owner of `token` (None: anonymous); close it after use."""
        return channel_for(self.address, token, credentials or self.credentials)


@contextmanager
def running_server(
    store: StoreConfig,
    registry_hostname: str = "",
    credentials: grpc.ChannelCredentials | None = None,
    **settings: Any,
) -> Iterator[TestServer]:
    """Starts a server on an ephemeral port; stops it (and closes its store) on exit. `settings` are further
    ServerConfig fields (watch settings, poll interval). Background import is off unless asked for: tests name
    registries that do not exist, and must not reach for them."""
    started = threading.Event()
    box: dict[str, object] = {}
    # Never the default DATA_DIR/admin.token: a PostgreSQL store's data dir is the working directory's.
    token_file = Path(tempfile.mkdtemp(prefix="ist-admin-")) / "admin.token"
    loop = asyncio.new_event_loop()

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def main() -> None:
            try:
                box["server"] = await start(
                    ServerConfig(
                        store=store,
                        registry_hostname=registry_hostname,
                        **{"listen": "127.0.0.1:0", "auto_import": False, "admin_token_file": token_file, **settings},
                    )
                )
            except BaseException as e:  # surfaced to the test below
                box["error"] = e
                started.set()
                return
            box["stop"] = asyncio.Event()
            started.set()
            await box["stop"].wait()  # type: ignore[attr-defined]
            await box["server"].stop(grace=1)  # type: ignore[attr-defined]

        loop.run_until_complete(main())

    thread = threading.Thread(target=run, name="test-server", daemon=True)
    thread.start()
    started.wait(60)
    if "error" in box:
        raise box["error"]  # type: ignore[misc]
    server: RunningServer = box["server"]  # type: ignore[assignment]
    address = f"127.0.0.1:{server.port}"
    key = store.describe()
    if server.admin_token:
        _admin_tokens[key] = server.admin_token
    admin_token = _admin_tokens.get(key, "")
    channel = channel_for(address, admin_token, credentials)
    if server.admin_token:
        _create_projects(channel, TEST_PROJECTS)
    try:
        notifications = server.http.port if server.http else 0
        yield TestServer(
            address,
            channel,
            api_grpc.ImageStreamServiceStub(channel),
            store,
            notifications,
            admin_token,
            server,
            credentials,
        )
    finally:
        channel.close()
        loop.call_soon_threadsafe(box["stop"].set)  # type: ignore[attr-defined]
        thread.join(60)
        # A server that does not stop would outlive its store (and keep the test run from exiting).
        assert not thread.is_alive(), f"the test server did not stop within 60 s:\n{_thread_stacks()}"


def sqlite_store(directory: Path) -> StoreConfig:
    return StoreConfig(data_dir=directory)


def postgres_store(url: str) -> StoreConfig:
    return StoreConfig(database_url=url)


def _thread_stacks() -> str:
    """Where every thread is now: what a server that does not stop is waiting for."""
    names = {t.ident: t.name for t in threading.enumerate()}
    return "\n".join(
        f"--- {names.get(ident, ident)}\n{''.join(traceback.format_stack(frame))}"
        for ident, frame in sys._current_frames().items()
    )


def _create_projects(channel: grpc.Channel, names: tuple[str, ...]) -> None:
    stub = project_grpc.ProjectServiceStub(channel)
    for name in names:
        try:
            stub.CreateProject(project_api.CreateProjectRequest(name=name), timeout=30)
        except grpc.RpcError as error:
            if error.code() != grpc.StatusCode.ALREADY_EXISTS:
                raise
