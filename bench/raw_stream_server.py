"""Baseline for bench/watch_fanout.py: a bare grpc.aio server-streaming fan-out, with no database.

Usage: python bench/raw_stream_server.py  (prints `port N` and `token T` on stdout once it serves, as
bench/server_process.py does; SIGTERM or SIGINT stops it). The token is a random one of the real tokens' shape,
which the benchmark then sends with every call as it does to the real server, so both see the same requests;
this server checks nothing.

It speaks the same two RPCs the benchmark uses, so the very same client code drives it:

  ImageStreamService.Tag  gives the next two positions to a SPEC_CHANGED and a TAG_UPDATED WatchResponse built
                          like the real server's (same fields, so the same size on the wire), appends them to an
                          in-memory log, offers them to every matching watch, and returns the second position;
  WatchService.Watch      namespace, or stream + tag (which also sees the stream's own changes); from now
                          (MARKER_PROGRESS first) or after_position (MARKER_PROGRESS, the logged changes after it,
                          then MARKER_PROGRESS at the end of the log, then live).

Each watch has a bounded queue of 1000 changes, like the real server's, and is ended with RESOURCE_EXHAUSTED
when it overflows. What this leaves out, compared with imagestreams, is the cost of the product: PostgreSQL,
the commit, reading the log back and turning events into changes, and building a message per watcher.
"""

from __future__ import annotations

import asyncio
import secrets
import signal
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import grpc
from google.protobuf.timestamp_pb2 import Timestamp
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import resources_pb2 as pb
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams.v1 import watch_service_pb2_grpc as watch_grpc

CAPACITY = 1000
ACTOR = "system:local"


@dataclass(eq=False)  # hashed by identity: a set member
class Watcher:
    namespace: str
    stream: str
    tag: str
    queue: asyncio.Queue[watch_api.WatchResponse | None] = field(default_factory=asyncio.Queue)
    overflowed: bool = False

    def matches(self, change: watch_api.WatchResponse) -> bool:
        if change.namespace != self.namespace or (self.stream and change.stream != self.stream):
            return False
        return not self.tag or change.tag in ("", self.tag)

    def offer(self, change: watch_api.WatchResponse) -> None:
        if self.overflowed:
            return
        if self.queue.qsize() >= CAPACITY:
            self.overflowed = True
            self.queue.put_nowait(None)
            return
        self.queue.put_nowait(change)


@dataclass
class Hub:
    position: int = 0
    log: list[watch_api.WatchResponse] = field(default_factory=list)
    watchers: set[Watcher] = field(default_factory=set)
    # (namespace, stream, tag) -> (current TagEvent, generation)
    current: dict[tuple[str, str, str], tuple[pb.TagEvent, int]] = field(default_factory=dict)

    def publish(self, change: watch_api.WatchResponse) -> None:
        self.position += 1
        change.position = self.position
        self.log.append(change)
        for watcher in self.watchers:
            if watcher.matches(change):
                watcher.offer(change)


class RawTagServicer(api_grpc.ImageStreamServiceServicer):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def Tag(self, request: api.TagRequest, context: grpc.aio.ServicerContext) -> api.TagResponse:
        hub = self.hub
        now = Timestamp()
        now.GetCurrentTime()
        reference = request.source.name
        digest = reference.rsplit("@", 1)[-1]
        for dest in request.destinations:
            key = (request.namespace, dest.stream, dest.tag)
            previous, generation = hub.current.get(key, (None, 0))
            generation += 1
            spec = pb.TagReference(
                name=dest.tag,
                generation=generation,
                import_policy=pb.TagImportPolicy(import_mode=pb.IMPORT_MODE_LEGACY),
                reference_policy=pb.TagReferencePolicy(type=pb.REFERENCE_POLICY_TYPE_SOURCE),
            )
            getattr(spec, "from").CopyFrom(pb.ObjectReference(kind=pb.SOURCE_KIND_DOCKER_IMAGE, name=reference))
            common = {"namespace": request.namespace, "stream": dest.stream, "tag": dest.tag, "actor": ACTOR}
            hub.publish(watch_api.WatchResponse(kind=watch_api.CHANGE_KIND_SPEC_CHANGED, spec=spec, time=now, **common))
            current = pb.TagEvent(
                create_time=now, docker_image_reference=reference, image=digest, generation=generation
            )
            hub.publish(
                watch_api.WatchResponse(
                    kind=watch_api.CHANGE_KIND_TAG_UPDATED, current=current, previous=previous, time=now, **common
                )
            )
            hub.current[key] = (current, generation)
        return api.TagResponse(position=hub.position)


class RawWatchServicer(watch_grpc.WatchServiceServicer):
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    async def Watch(
        self, request: watch_api.WatchRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[watch_api.WatchResponse]:
        hub = self.hub
        watcher = Watcher(request.namespace, request.stream, request.tag)
        # No await between subscribing and reading the log's end: nothing can slip between the two.
        hub.watchers.add(watcher)
        top = hub.position
        try:
            last = top
            if request.WhichOneof("start") == "after_position":
                last = request.after_position
                yield watch_api.WatchResponse(position=last, marker=watch_api.MARKER_PROGRESS)
                for change in hub.log[last:top]:
                    if watcher.matches(change):
                        yield change
                last = top
            yield watch_api.WatchResponse(position=last, marker=watch_api.MARKER_PROGRESS)
            while True:
                item = await watcher.queue.get()
                if item is None:
                    await context.abort(grpc.StatusCode.RESOURCE_EXHAUSTED, f"more than {CAPACITY} changes behind")
                    return
                if item.position > last:
                    last = item.position
                    yield item
        finally:
            hub.watchers.discard(watcher)


async def serve() -> None:
    hub = Hub()
    server = grpc.aio.server()
    api_grpc.add_ImageStreamServiceServicer_to_server(RawTagServicer(hub), server)
    watch_grpc.add_WatchServiceServicer_to_server(RawWatchServicer(hub), server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    print(f"port {port}", flush=True)
    # The shape of imagestreams_server.application.tokens.new_token(): `ist_` and 43 base64url characters.
    print(f"token ist_{secrets.token_urlsafe(32)}", flush=True)
    await stop.wait()
    await server.stop(1.0)


if __name__ == "__main__":
    asyncio.run(serve())
