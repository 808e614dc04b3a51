"""Reading a server-streaming Watch from a test: responses land in a queue, read with timeouts."""

from __future__ import annotations

import queue
import threading
from typing import Any

import grpc
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams.v1 import watch_service_pb2_grpc as watch_grpc


class Watcher:
    """A running Watch call. `next()` returns the next response, or raises the call's RpcError."""

    def __init__(self, channel: grpc.Channel, *, established: bool = True, **request: Any) -> None:
        """With `established`, waits for the first response: the marker saying the watch has started (so
        writes made afterwards are sure to be seen), kept in `self.start`."""
        self.call = watch_grpc.WatchServiceStub(channel).Watch(watch_api.WatchRequest(**request))
        self._queue: queue.Queue[watch_api.WatchResponse | grpc.RpcError | None] = queue.Queue()
        self._thread = threading.Thread(target=self._pump, daemon=True)
        self._thread.start()
        self.start = self.next() if established and not request.get("snapshot") else None

    def _pump(self) -> None:
        try:
            for response in self.call:
                self._queue.put(response)
            self._queue.put(None)
        except grpc.RpcError as error:
            self._queue.put(error)

    def next(self, timeout: float = 10.0) -> watch_api.WatchResponse:
        item = self._queue.get(timeout=timeout)
        if isinstance(item, grpc.RpcError):
            raise item
        if item is None:
            raise EOFError("the watch ended")
        return item

    def changes(self, count: int, timeout: float = 10.0) -> list[watch_api.WatchResponse]:
        """The next `count` changes, skipping progress markers."""
        result = []
        while len(result) < count:
            response = self.next(timeout)
            if response.marker != watch_api.MARKER_PROGRESS:
                result.append(response)
        return result

    def quiet(self, seconds: float) -> list[watch_api.WatchResponse]:
        """Everything that arrives within `seconds` (progress markers included)."""
        received = []
        try:
            while True:
                received.append(self.next(seconds))
        except queue.Empty:
            return received

    def cancel(self) -> None:
        self.call.cancel()
        self._thread.join(5)
