"""A real server on loopback for tests: the aio gRPC server on its own event loop in a background thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams_server.api.server import RunningServer, ServerConfig, start
from imagestreams_server.store.config import StoreConfig


@dataclass
class TestServer:
    address: str
    channel: grpc.Channel
    stub: api_grpc.ImageStreamServiceStub
    store: StoreConfig
    # The registry notifications endpoint's port, when the server runs one.
    notifications_port: int = 0


@contextmanager
def running_server(store: StoreConfig, registry_hostname: str = "", **settings: Any) -> Iterator[TestServer]:
    """Starts a server on an ephemeral port; stops it (and closes its store) on exit. `settings` are further
    ServerConfig fields (watch settings, poll interval). Background import is off unless asked for: tests name
    registries that do not exist, and must not reach for them."""
    started = threading.Event()
    box: dict[str, object] = {}
    loop = asyncio.new_event_loop()

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def main() -> None:
            try:
                box["server"] = await start(
                    ServerConfig(
                        listen="127.0.0.1:0",
                        store=store,
                        registry_hostname=registry_hostname,
                        **{"auto_import": False, **settings},
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
    channel = grpc.insecure_channel(address)
    try:
        notifications = server.notifications.port if server.notifications else 0
        yield TestServer(address, channel, api_grpc.ImageStreamServiceStub(channel), store, notifications)
    finally:
        channel.close()
        loop.call_soon_threadsafe(box["stop"].set)  # type: ignore[attr-defined]
        thread.join(30)


def sqlite_store(directory: Path) -> StoreConfig:
    return StoreConfig(data_dir=directory)


def postgres_store(url: str) -> StoreConfig:
    return StoreConfig(database_url=url)
