"""kill -9 under write load, on both stores: every write the server acknowledged is in the log exactly once
after a restart; a write cut off in flight is there at most once; nothing is there that nobody wrote.

Writer threads record images at tags, tag images into new tags and delete tags they made, each write with
a value of its own (a fresh digest, a fresh tag name), and keep a ledger of what the server answered OK.
The server (`isctl serve`, a process of its own) is killed with SIGKILL while they write, started again on
the same store and port, killed again; then each tag's history (ListTagHistory) is checked against the
ledger: 0 lost, 0 duplicated, 0 unexplained.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import project_service_pb2_grpc as project_grpc
from imagestreams.v1 import resources_pb2 as pb

from tests.faults.figures import record
from tests.faults.serve_process import ServeProcess
from tests.support.postgres import fresh_database
from tests.support.server import channel_for

pytestmark = pytest.mark.faults

NAMESPACE = "crash"
REGISTRY = "registry.example.com/crash"
WRITERS = 4
KILLS = 2
# Seconds of load before each kill, and after the last restart (writes that land after a restart count too).
LOAD_SECONDS = 3.0
CALL_TIMEOUT = 5.0
# The call may or may not have been applied: the server went away (or was going) while it ran.
IN_DOUBT = {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.CANCELLED}


def digest(writer: int, serial: int) -> str:
    return f"sha256:{writer:04x}{serial:060x}"


@dataclass(frozen=True)
class Write:
    """One write as the history records it: the tag it touched and what it did there."""

    stream: str
    tag: str
    change: str  # "moved" or "deleted"
    image: str = ""  # the digest a move put at the tag


@dataclass
class Ledger:
    acknowledged: list[Write] = field(default_factory=list)
    in_doubt: list[Write] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def outcome(self, write: Write, call: Callable[[], object]) -> bool:
        """Runs the write's call and files it by its answer; True when acknowledged."""
        try:
            call()
        except grpc.RpcError as error:
            with self.lock:
                if error.code() in IN_DOUBT:
                    self.in_doubt.append(write)
                else:
                    self.unexpected.append(f"{write}: {error.code().name}: {error.details()}")
            return False
        with self.lock:
            self.acknowledged.append(write)
        return True


def writer(index: int, address: str, token: str, ledger: Ledger, stop: threading.Event) -> None:
    """Mapping, tag, delete, over and over: each write's value is its own."""
    stream = f"w{index}"
    live_tags: list[str] = []
    with channel_for(address, token) as channel:
        stub = api_grpc.ImageStreamServiceStub(channel)
        for serial in itertools.count():
            if stop.is_set():
                return
            image = digest(index, serial)
            op = serial % 3
            if op == 0:
                tag = f"m{serial % 4}"
                request = api.CreateImageStreamMappingRequest(
                    namespace=NAMESPACE,
                    name=stream,
                    tag=tag,
                    image=pb.Image(name=image, docker_image_reference=f"{REGISTRY}/{stream}@{image}"),
                )
                acked = ledger.outcome(
                    Write(stream, tag, "moved", image),
                    lambda r=request: stub.CreateImageStreamMapping(r, timeout=CALL_TIMEOUT),
                )
            elif op == 1 or not live_tags:
                tag = f"t{serial}"
                request = api.TagRequest(
                    namespace=NAMESPACE,
                    source=pb.ObjectReference(kind=pb.SOURCE_KIND_DOCKER_IMAGE, name=f"{REGISTRY}/other@{image}"),
                    destinations=[api.TagDestination(stream=stream, tag=tag)],
                )
                acked = ledger.outcome(
                    Write(stream, tag, "moved", image), lambda r=request: stub.Tag(r, timeout=CALL_TIMEOUT)
                )
                if acked:
                    live_tags.append(tag)
            else:
                tag = live_tags.pop(0)
                request = api.DeleteTagRequest(namespace=NAMESPACE, stream=stream, tag=tag)
                acked = ledger.outcome(
                    Write(stream, tag, "deleted"), lambda r=request: stub.DeleteTag(r, timeout=CALL_TIMEOUT)
                )
            if not acked:
                time.sleep(0.05)  # the server is down or restarting: do not spin


def history(address: str, token: str, stream: str) -> list[pb.TagHistoryEntry]:
    entries: list[pb.TagHistoryEntry] = []
    with channel_for(address, token) as channel:
        stub = api_grpc.ImageStreamServiceStub(channel)
        token_ = ""
        while True:
            page = stub.ListTagHistory(
                api.ListTagHistoryRequest(namespace=NAMESPACE, stream=stream, page_size=500, page_token=token_),
                timeout=30,
            )
            entries.extend(page.entries)
            token_ = page.next_page_token
            if not token_:
                return entries


def recorded(entry: pb.TagHistoryEntry) -> Write | None:
    """The write a history entry records, in the ledger's terms (None: an entry no writer makes)."""
    if entry.change == "deleted":
        return Write(entry.stream, entry.tag, "deleted")
    if entry.change == "moved":
        return Write(entry.stream, entry.tag, "moved", entry.event.image)
    return None


@pytest.fixture(params=["sqlite", "postgres"])
def serve(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, ServeProcess]]:
    if request.param == "sqlite":
        server = ServeProcess(tmp_path)
        try:
            yield request.param, server
        finally:
            server.stop()
    else:
        with fresh_database() as url:
            server = ServeProcess(tmp_path, url)
            try:
                yield request.param, server
            finally:
                server.stop()


def test_every_acknowledged_write_survives_kill_9(serve: tuple[str, ServeProcess]) -> None:
    backend, server = serve
    server.start()
    with channel_for(server.address, server.token) as channel:
        project_grpc.ProjectServiceStub(channel).CreateProject(
            project_api.CreateProjectRequest(name=NAMESPACE), timeout=30
        )
    ledger = Ledger()
    stop = threading.Event()
    threads = [
        threading.Thread(target=writer, args=(i, server.address, server.token, ledger, stop), daemon=True)
        for i in range(WRITERS)
    ]
    for thread in threads:
        thread.start()
    restarts: list[float] = []
    try:
        for _ in range(KILLS):
            time.sleep(LOAD_SECONDS)
            server.kill()
            restarts.append(server.start())
        time.sleep(LOAD_SECONDS)
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)

    assert not ledger.unexpected, ledger.unexpected[:10]
    found: Counter[Write] = Counter()
    unexplained: list[pb.TagHistoryEntry] = []
    for index in range(WRITERS):
        for entry in history(server.address, server.token, f"w{index}"):
            write = recorded(entry)
            if write is None:
                unexplained.append(entry)
            else:
                found[write] += 1
    acknowledged = Counter(ledger.acknowledged)
    in_doubt = set(ledger.in_doubt)
    # A write is unique by construction; a tag deleted, then made again, does not happen (names are fresh).
    assert all(n == 1 for n in acknowledged.values())
    lost = [w for w in acknowledged if found[w] == 0]
    duplicated = [w for w, n in found.items() if n > 1]
    unexplained += [w for w in found if w not in acknowledged and w not in in_doubt]  # type: ignore[misc]
    applied_in_doubt = sum(1 for w in in_doubt if found[w])
    record(
        f"kill9[{backend}]",
        f"{KILLS} kills, {len(acknowledged)} acknowledged writes, {len(in_doubt)} in doubt "
        f"({applied_in_doubt} applied), lost={len(lost)}, duplicated={len(duplicated)}, "
        f"unexplained={len(unexplained)}, restart to SERVING {max(restarts):.1f} s at most",
    )
    assert not lost, f"{len(lost)} acknowledged writes lost: {lost[:5]}"
    assert not duplicated, f"{len(duplicated)} writes recorded more than once: {duplicated[:5]}"
    assert not unexplained, f"history entries no writer made: {unexplained[:5]}"
    # The load ran on both sides of each kill: writes were acknowledged, and some were cut off in flight.
    assert len(acknowledged) > 100
