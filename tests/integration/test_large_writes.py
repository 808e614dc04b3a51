"""The largest writes the limits allow commit in bounded time, and leave the store usable for the next write.

On PostgreSQL a batch is one INSERT of every event, and a Tag into a thousand new streams makes that
statement several MB: more than a socket's send buffer. Over a link slower than the client (a real network,
or a busy database host) the client must keep writing it while it waits for the answer; the pipelined append
stopped writing and waited forever, holding the events table's lock, so every later write timed out. The
server here talks to PostgreSQL through a relay that passes the client's bytes on in small, paced chunks.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from urllib.parse import urlsplit, urlunsplit

import pytest
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb
from imagestreams_server.domain import limits

from tests.support.builders import docker, pinned
from tests.support.postgres import fresh_database
from tests.support.server import postgres_store, running_server

# Bounds well above what these writes take on a 2-core machine (a few seconds), far below a wedge (forever).
LARGEST_WRITE_SECONDS = 90
NEXT_WRITE_SECONDS = 15

# Annotations written to every destination of the largest Tag: as large as the copy budget allows.
_NOTE = "n" * (limits.MAX_TAG_ANNOTATION_COPIES_BYTES // limits.MAX_TAG_DESTINATIONS - len("note"))


class SlowLink:
    """A TCP relay on loopback that passes the client's bytes to `target` 4 KiB at a time with a pause after
    each (about 4 MB/s), through a 4 KiB receive buffer; the answers go back as they come."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(32)
        self.port = self._listener.getsockname()[1]
        self._sockets: list[socket.socket] = []
        threading.Thread(target=self._accept, name="slow-link", daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            server = socket.create_connection(self.target)
            self._sockets += [client, server]
            threading.Thread(target=self._pass, args=(client, server, 0.001), daemon=True).start()
            threading.Thread(target=self._pass, args=(server, client, 0.0), daemon=True).start()

    @staticmethod
    def _pass(source: socket.socket, sink: socket.socket, pause: float) -> None:
        try:
            while data := source.recv(4096):
                sink.sendall(data)
                if pause:
                    time.sleep(pause)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                with suppress(OSError):
                    end.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        self._listener.close()
        for end in self._sockets:
            end.close()


@contextmanager
def slow_postgres() -> Iterator[str]:
    """A fresh database, and a URL that reaches it through a SlowLink."""
    with fresh_database() as url:
        parts = urlsplit(url)
        link = SlowLink((parts.hostname or "127.0.0.1", parts.port or 5432))
        userinfo = parts.netloc.rpartition("@")[0]
        netloc = f"{userinfo}@127.0.0.1:{link.port}" if userinfo else f"127.0.0.1:{link.port}"
        try:
            yield urlunsplit(parts._replace(netloc=netloc))
        finally:
            link.close()


def largest_tag(prefix: str) -> api.TagRequest:
    """A Tag at the limits: every destination a new stream, each given the most annotations the budget lets
    a Tag copy."""
    return api.TagRequest(
        namespace="team",
        source=docker(pinned("a")),
        annotations={"note": _NOTE},
        destinations=[
            api.TagDestination(namespace="team", stream=f"{prefix}{i}", tag="latest")
            for i in range(limits.MAX_TAG_DESTINATIONS)
        ],
    )


def largest_stream(name: str) -> api.CreateImageStreamRequest:
    spec_tags = [
        pb.TagReference(name=f"v{i}", **{"from": docker(pinned("b", repo=f"team/app{i}"))})
        for i in range(limits.MAX_SPEC_TAGS)
    ]
    return api.CreateImageStreamRequest(image_stream=pb.ImageStream(namespace="team", name=name, spec_tags=spec_tags))


def next_write(stub, name: str) -> float:  # type: ignore[no-untyped-def]
    """A small write after the large one: seconds it took (it must not wait on a lock the large one kept)."""
    started = time.monotonic()
    stub.Tag(
        api.TagRequest(
            namespace="team",
            source=docker(pinned("c")),
            destinations=[api.TagDestination(namespace="team", stream=name, tag="next")],
        ),
        timeout=NEXT_WRITE_SECONDS,
    )
    return time.monotonic() - started


def test_the_largest_tag_commits_over_a_slow_link_to_postgres() -> None:
    with slow_postgres() as url, running_server(postgres_store(url)) as server:
        request = largest_tag("s")
        started = time.monotonic()
        response = server.stub.Tag(request, timeout=LARGEST_WRITE_SECONDS)
        elapsed = time.monotonic() - started
        print(f"largest Tag over a slow link to PostgreSQL: {elapsed:.1f} s")
        assert len(response.tags) == limits.MAX_TAG_DESTINATIONS
        got = server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="s999")).image_stream
        assert [t.annotations["note"] for t in got.spec_tags] == [_NOTE]
        assert next_write(server.stub, "after") < NEXT_WRITE_SECONDS


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_the_largest_writes_commit_in_bounded_time(server) -> None:  # type: ignore[no-untyped-def]
    """At loopback speed, on both stores: the largest Tag and the largest stream, then a small write."""
    timings = {}
    started = time.monotonic()
    server.stub.Tag(largest_tag("t"), timeout=LARGEST_WRITE_SECONDS)
    timings["Tag"] = time.monotonic() - started
    started = time.monotonic()
    server.stub.CreateImageStream(largest_stream("release"), timeout=LARGEST_WRITE_SECONDS)
    timings["CreateImageStream"] = time.monotonic() - started
    print(f"{server.store.describe()}: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
    stream = server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="release")).image_stream
    assert len(stream.spec_tags) == limits.MAX_SPEC_TAGS
    assert next_write(server.stub, "after") < NEXT_WRITE_SECONDS
