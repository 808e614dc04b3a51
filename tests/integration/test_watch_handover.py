"""The catch-up to live hand-over under concurrent writers, with random reconnects: the union of what a
watcher saw equals the log's matching changes, in order, without duplicates."""

from __future__ import annotations

import threading
import uuid

import grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.changes import WatchFilter, change_of

from tests.support.builders import dest, docker, pinned
from tests.support.watch import Watcher

writes = st.lists(
    st.tuples(st.sampled_from(["a", "b", "c"]), st.sampled_from(["1", "2", "latest"]), st.sampled_from("0123")),
    min_size=10,
    max_size=40,
)


@settings(max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=writes, reconnects=st.lists(st.integers(1, 8), max_size=6), split=st.integers(0, 40))
def test_reconnecting_watcher_sees_every_change_once_in_order(server, plan, reconnects, split) -> None:
    namespace = f"p{uuid.uuid4().hex[:8]}"
    server.create_project(namespace)
    log = EventLog(server.store)
    try:
        before = log.max_position()
        errors: list[BaseException] = []

        def writer(items: list[tuple[str, str, str]]) -> None:
            with server.open_channel(server.admin_token) as channel:
                client = api_grpc.ImageStreamServiceStub(channel)
                for stream, tag, seed in items:
                    request = api.TagRequest(
                        namespace=namespace, source=docker(pinned(seed)), destinations=[dest(f"{stream}:{tag}")]
                    )
                    try:
                        client.Tag(request)
                    except grpc.RpcError as error:
                        if error.code() != grpc.StatusCode.ABORTED:
                            errors.append(error)

        threads = [
            threading.Thread(target=writer, args=(plan[:split],)),
            threading.Thread(target=writer, args=(plan[split:],)),
        ]
        for thread in threads:
            thread.start()

        seen: list[int] = []
        last = before
        pending = list(reconnects)
        done = False
        while not done:
            watcher = Watcher(server.channel, namespace=namespace, after_position=last, progress_interval_seconds=1)
            try:
                budget = pending.pop(0) if pending else None
                taken = 0
                while budget is None or taken < budget:
                    response = watcher.next(timeout=30)
                    if response.marker == watch_api.MARKER_UNSPECIFIED:
                        seen.append(response.position)
                        last = response.position
                        taken += 1
                    elif not any(t.is_alive() for t in threads) and response.position >= log.max_position():
                        done = True
                        break
            finally:
                watcher.cancel()
        for thread in threads:
            thread.join()
        assert errors == []

        wanted = WatchFilter(namespace)
        expected = [
            position
            for position, event in log.replay()
            if position > before and (change := change_of(position, event)) is not None and wanted.matches(change)
        ]
        assert seen == expected
    finally:
        log.close()
