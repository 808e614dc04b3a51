"""`isctl watch` end to end: a real server process, real `isctl watch` processes in the background, signals.

Every watch starts `--from` a log position read before the test's first change, so what it prints does not
depend on how fast it connects; every wait polls a file with a deadline instead of sleeping. Triggers record
each run of their command in a file, one line per run, and the tests compare that file with the moves made.
"""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status
from imagestreams.v1 import resources_pb2 as pb
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams.v1 import watch_service_pb2_grpc as watch_grpc
from imagestreams_client import Backoff, Client, Reconnect

from tests.e2e.conftest import _free_port, _stop, _wait_until_serving
from tests.e2e.support import REGISTRY, Isctl, digest, isctl_command, isctl_environment, push, read_admin_token

A, B, C, D, E, F = (digest(c) for c in "abcdef")
WAIT = 30.0
# What a trigger's command records of each run: the variables it was given, tab-separated.
RECORDED = ("ISCTL_POSITION", "ISCTL_KIND", "ISCTL_STREAM", "ISCTL_TAG", "ISCTL_IMAGE", "ISCTL_PREVIOUS_IMAGE")


def wait_until(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def read_lines(path: Path) -> list[str]:
    return path.read_text().splitlines() if path.exists() else []


def log_position(client: Client) -> int:
    """Where the log is now: the first response of a watch from now says so."""
    call = client.watch("default")
    try:
        return next(call).position
    finally:
        call.cancel()


@dataclass
class Watch:
    """An `isctl watch` process, its stdout and stderr in files."""

    process: subprocess.Popen[bytes]
    out: Path
    err: Path

    def lines(self) -> list[str]:
        return read_lines(self.out)

    def wait_for_lines(self, count: int) -> list[str]:
        wait_until(lambda: len(self.lines()) >= count, f"{count} lines of output; so far:\n{self.report()}")
        return self.lines()

    def signal(self, signum: int) -> int:
        """Sends `signum` and returns the exit code."""
        self.process.send_signal(signum)
        return self.wait()

    def wait(self, timeout: float = WAIT) -> int:
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"isctl watch did not exit in {timeout}s:\n{self.report()}") from None

    def report(self) -> str:
        return f"stdout:\n{self.out.read_text()}\nstderr:\n{self.err.read_text()}"

    def stderr(self) -> str:
        text = self.err.read_text()
        assert "Traceback" not in text, text
        return text


@dataclass
class Watches:
    """Starts `isctl watch` processes like a user would (clean environment, HOME in the test's directory),
    and kills any left running when the test ends."""

    address: str
    directory: Path
    token: str = ""
    started: list[Watch] = field(default_factory=list)

    def start(self, *args: str, address: str = "") -> Watch:
        index = len(self.started)
        out, err = self.directory / f"watch{index}.out", self.directory / f"watch{index}.err"
        environment = isctl_environment(
            address or self.address, self.token, self.directory / "isctl-config", {"HOME": str(self.directory)}
        )
        with out.open("wb") as stdout, err.open("wb") as stderr:
            process = subprocess.Popen(
                [*isctl_command(), "watch", *args], stdout=stdout, stderr=stderr, env=environment
            )
        watch = Watch(process, out, err)
        self.started.append(watch)
        return watch

    def close(self) -> None:
        for watch in self.started:
            if watch.process.poll() is None:
                watch.process.kill()
                watch.process.wait()


@pytest.fixture
def watches(server_address: str, admin_token: str, tmp_path: Path) -> Iterator[Watches]:
    started = Watches(server_address, tmp_path, admin_token)
    yield started
    started.close()


class Server:
    """An `isctl serve` of the test's own, which the test may kill and start again on the same port and
    data directory."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.address = f"127.0.0.1:{_free_port()}"
        self.process: subprocess.Popen[bytes] | None = None
        # The administrator's token, which the first start writes into the data directory.
        self.token = ""

    def elsewhere(self) -> Server:
        """A server on another port, on the same data directory (to use while this one is down)."""
        return Server(self.directory)

    def start(self) -> None:
        log = self.directory / "serve.log"
        with log.open("ab") as log_file:
            self.process = subprocess.Popen(
                [*isctl_command(), "serve", "--listen", self.address, "--data-dir", str(self.directory / "data")],
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        _wait_until_serving(self.address, self.process, log)
        self.token = read_admin_token(self.directory / "data")

    def client(self) -> Client:
        return Client(self.address, token=self.token or None)

    def kill(self) -> None:
        assert self.process is not None
        self.process.kill()
        self.process.wait()


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path)
    server.start()
    yield server
    assert server.process is not None
    _stop(server.process)


def line_fields(line: str) -> tuple[str, ...]:
    """A watch line without its column padding: POSITION KIND NAME IMAGE PULL-SPEC."""
    return tuple(line.split())


# -- printing --------------------------------------------------------------------------------------------


def test_lines_for_tag_moves_and_no_repeat_after_the_server_restarts(own_server: Server, tmp_path: Path) -> None:
    watches = Watches(own_server.address, tmp_path, own_server.token)
    try:
        with own_server.client() as client:
            start = log_position(client)
            watch = watches.start("is/web:prod", "--from", str(start))
            push(client, "web", "prod", A)
            push(client, "web", "prod", B)
            before = watch.wait_for_lines(3)

        own_server.kill()
        # A move while the watched address is down, made through another server on the same log: only a
        # watch that resumes after its last position, rather than from now, can print it.
        other = own_server.elsewhere()
        other.start()
        with other.client() as client:
            push(client, "web", "prod", C)
        other.kill()
        own_server.start()  # same port, same data directory: the log goes on where it was
        with own_server.client() as client:
            push(client, "web", "prod", D)
            lines = watch.wait_for_lines(5)
        assert watch.signal(signal.SIGINT) == 0
    finally:
        watches.close()

    assert lines[:3] == before
    fields = [line_fields(line) for line in lines]
    assert [f[1:] for f in fields] == [
        ("stream_created", "default/web", "<none>", "<none>"),
        ("tag_updated", "default/web:prod", A, f"{REGISTRY}/web@{A}"),
        ("tag_updated", "default/web:prod", B, f"{REGISTRY}/web@{B}"),
        ("tag_updated", "default/web:prod", C, f"{REGISTRY}/web@{C}"),
        ("tag_updated", "default/web:prod", D, f"{REGISTRY}/web@{D}"),
    ]
    positions = [int(f[0]) for f in fields]
    assert positions == sorted(set(positions)) and positions[0] > start
    # Resumed by itself, and said so; Ctrl-C ends quietly.
    notes = watch.stderr().splitlines()
    assert notes and all(n.startswith("isctl watch: ") and "watching again after position" in n for n in notes)


def test_json_lines_parse_with_the_proto_field_names(watches: Watches, client: Client) -> None:
    start = log_position(client)
    watch = watches.start("is/api", "-o", "json", "--from", str(start), "--kind", "tag_updated")
    push(client, "api", "v1", A)
    push(client, "api", "v1", B)
    push(client, "api", "v2", C)
    lines = watch.wait_for_lines(4)
    assert watch.signal(signal.SIGTERM) == 0
    assert watch.stderr() == ""

    objects = [json.loads(line) for line in lines]
    assert objects[0] == {"position": str(start), "marker": "MARKER_PROGRESS"}
    changes = [o for o in objects if "marker" not in o]
    assert [(o["kind"], o["stream"], o["tag"], o["current"]["image"]) for o in changes] == [
        ("CHANGE_KIND_TAG_UPDATED", "api", "v1", A),
        ("CHANGE_KIND_TAG_UPDATED", "api", "v1", B),
        ("CHANGE_KIND_TAG_UPDATED", "api", "v2", C),
    ]
    assert changes[0]["current"]["docker_image_reference"] == f"{REGISTRY}/api@{A}"
    assert changes[1]["previous"]["image"] == A
    assert "previous" not in changes[2]


def test_snapshot_prints_the_current_image_then_moves(watches: Watches, client: Client) -> None:
    push(client, "db", "prod", A)
    push(client, "db", "prod", B)
    watch = watches.start("db:prod", "--snapshot")
    lines = watch.wait_for_lines(1)
    push(client, "db", "prod", C)
    lines = watch.wait_for_lines(2)
    assert watch.signal(signal.SIGINT) == 0
    assert [line_fields(line)[1:4] for line in lines] == [
        ("current", "default/db:prod", B),
        ("tag_updated", "default/db:prod", C),
    ]


def test_bad_starts_are_errors(isctl: Isctl) -> None:
    assert "has not been reached" in isctl.fails("watch", "--from", "999999999")
    assert "--state-file applies only with --exec" in isctl.fails("watch", "--state-file", "x", code=2)
    assert "not allowed with argument" in isctl.fails("watch", "--from", "1", "--snapshot", code=2)
    assert 'unknown resource type "svc"' in isctl.fails("watch", "svc/app", code=2)


# -- triggers ---------------------------------------------------------------------------------------------


def recording_command(runs: Path, hold: Path | None = None) -> str:
    """Appends the change's variables to `runs`; then, while `hold` exists, waits (a command still running)."""
    formats = "\\t".join(["%s"] * len(RECORDED))
    values = " ".join(f'"${name}"' for name in RECORDED)
    command = f"printf '{formats}\\n' {values} >> {shlex.quote(str(runs))}"
    if hold is not None:
        command += f"; while [ -e {shlex.quote(str(hold))} ]; do sleep 0.02; done"
    return command


def runs_of(path: Path) -> list[dict[str, str]]:
    return [dict(zip(RECORDED, line.split("\t"), strict=True)) for line in read_lines(path)]


def images(runs: list[dict[str, str]]) -> list[str]:
    return [run["ISCTL_IMAGE"] for run in runs]


def saved_position(state: Path) -> int:
    return int(json.loads(state.read_text())["position"]) if state.exists() else -1


def wait_for_runs(runs: Path, count: int, watch: Watch) -> list[dict[str, str]]:
    wait_until(lambda: len(read_lines(runs)) >= count, f"{count} runs; so far:\n{watch.report()}")
    return runs_of(runs)


def wait_saved(state: Path, position: int) -> None:
    wait_until(lambda: saved_position(state) >= position, f"position {position} saved in {state}")


def test_trigger_runs_once_per_move_across_sigterm_and_sigkill(
    watches: Watches, client: Client, tmp_path: Path
) -> None:
    runs = tmp_path / "runs.txt"
    state = tmp_path / ".isctl" / "watch-default-svc:prod.state"  # the default, under the test's HOME
    start = str(log_position(client))
    trigger = ["is/svc:prod", "--exec", recording_command(runs), "--from", start]

    watch = watches.start(*trigger)
    push(client, "svc", "prod", A)
    push(client, "svc", "prod", B)
    push(client, "svc", "other", F)  # another tag of the stream: not this trigger's
    wait_saved(state, int(wait_for_runs(runs, 2, watch)[-1]["ISCTL_POSITION"]))
    assert watch.signal(signal.SIGTERM) == 0

    # Moves while the trigger is down; the restart resumes from the state file, not from --from.
    push(client, "svc", "prod", C)
    push(client, "svc", "prod", D)
    watch = watches.start(*trigger)
    wait_saved(state, int(wait_for_runs(runs, 4, watch)[-1]["ISCTL_POSITION"]))
    assert "resuming after position" in watch.stderr()
    # Killed outright once everything is saved: nothing to repeat.
    assert watch.signal(signal.SIGKILL) == -signal.SIGKILL

    push(client, "svc", "prod", E)
    watch = watches.start(*trigger)
    done = wait_for_runs(runs, 5, watch)
    wait_saved(state, int(done[-1]["ISCTL_POSITION"]))
    assert watch.signal(signal.SIGTERM) == 0

    assert images(done) == [A, B, C, D, E]
    assert [run["ISCTL_PREVIOUS_IMAGE"] for run in done] == ["", A, B, C, D]
    assert {(run["ISCTL_KIND"], run["ISCTL_STREAM"], run["ISCTL_TAG"]) for run in done} == {
        ("tag_updated", "svc", "prod")
    }
    positions = [int(run["ISCTL_POSITION"]) for run in done]
    assert positions == sorted(set(positions))
    lines = watch.lines()
    assert [line_fields(line)[1:4] for line in lines] == [("tag_updated", "default/svc:prod", E)]


def test_trigger_stopped_while_its_command_runs(watches: Watches, client: Client, tmp_path: Path) -> None:
    """SIGTERM lets the running command finish and saves it: no repeat. SIGKILL between the command and
    the save is the documented at-least-once window: that one change runs again, and only that one."""
    runs, hold, state = tmp_path / "runs.txt", tmp_path / "hold", tmp_path / "trigger.state"
    trigger = ["is/queue:prod", "--exec", recording_command(runs, hold), "--state-file", str(state)]
    trigger += ["--from", str(log_position(client))]

    watch = watches.start(*trigger)
    hold.touch()
    push(client, "queue", "prod", A)
    wait_for_runs(runs, 1, watch)  # the command has recorded A and is holding
    watch.process.send_signal(signal.SIGTERM)
    time.sleep(0.3)
    assert watch.process.poll() is None, "isctl watch exited while its command was still running"
    hold.unlink()
    assert watch.wait() == 0
    assert saved_position(state) == int(runs_of(runs)[0]["ISCTL_POSITION"])

    watch = watches.start(*trigger)
    push(client, "queue", "prod", B)
    wait_for_runs(runs, 2, watch)
    hold.touch()
    push(client, "queue", "prod", C)
    in_flight = wait_for_runs(runs, 3, watch)[-1]
    assert watch.signal(signal.SIGKILL) == -signal.SIGKILL  # C ran, and its position is not saved
    assert saved_position(state) < int(in_flight["ISCTL_POSITION"])
    hold.unlink()  # lets the orphaned command end

    watch = watches.start(*trigger)
    wait_saved(state, int(wait_for_runs(runs, 4, watch)[-1]["ISCTL_POSITION"]))
    push(client, "queue", "prod", D)
    done = wait_for_runs(runs, 5, watch)
    assert watch.signal(signal.SIGTERM) == 0
    assert images(done) == [A, B, C, C, D]
    assert done[2] == done[3]


def test_a_failing_command_is_retried_then_reported_without_saving(
    watches: Watches, client: Client, tmp_path: Path
) -> None:
    attempts, runs, state = tmp_path / "attempts.txt", tmp_path / "runs.txt", tmp_path / "trigger.state"
    start = log_position(client)
    failing = f'echo "$ISCTL_POSITION" >> {shlex.quote(str(attempts))}; exit 3'
    options = ["--state-file", str(state), "--from", str(start)]

    watch = watches.start("is/cron:prod", "--exec", failing, "--max-attempts", "3", "--retry-delay", "0.05", *options)
    push(client, "cron", "prod", A)
    assert watch.wait() == 1
    position = read_lines(attempts)[0]
    assert read_lines(attempts) == [position] * 3
    err = watch.stderr().splitlines()
    assert err[:2] == [
        f"isctl watch: the command exited 3 for position {position} (attempt 1 of 3); retrying in 0.05s",
        f"isctl watch: the command exited 3 for position {position} (attempt 2 of 3); retrying in 0.1s",
    ]
    assert err[2] == (
        f"error: the command exited 3 for position {position} (3 attempts); the state stays at position {start} "
        f"in {state}, so the next start runs it again"
    )
    assert saved_position(state) == start

    # Fixed, the trigger starts again from the state and runs the change that failed.
    watch = watches.start("is/cron:prod", "--exec", recording_command(runs), *options)
    done = wait_for_runs(runs, 1, watch)
    assert watch.signal(signal.SIGTERM) == 0
    assert (done[0]["ISCTL_POSITION"], done[0]["ISCTL_IMAGE"]) == (position, A)


def test_a_snapshot_trigger_runs_for_the_current_image_on_its_first_start_only(
    watches: Watches, client: Client, tmp_path: Path
) -> None:
    runs, state = tmp_path / "runs.txt", tmp_path / "trigger.state"
    push(client, "batch", "prod", A)
    push(client, "batch", "prod", B)
    trigger = ["is/batch:prod", "--exec", recording_command(runs), "--snapshot", "--state-file", str(state)]
    record = f'echo "$ISCTL_SYNTHETIC" >> {shlex.quote(str(tmp_path / "synthetic.txt"))}; '
    trigger[2] = record + trigger[2]

    watch = watches.start(*trigger)
    wait_for_runs(runs, 1, watch)  # the snapshot's run: C must come after it to be a move
    push(client, "batch", "prod", C)
    wait_for_runs(runs, 2, watch)
    assert watch.signal(signal.SIGTERM) == 0

    watch = watches.start(*trigger)  # the state file wins: no second snapshot
    push(client, "batch", "prod", D)
    done = wait_for_runs(runs, 3, watch)
    assert watch.signal(signal.SIGTERM) == 0
    assert images(done) == [B, C, D]
    assert read_lines(tmp_path / "synthetic.txt") == ["true", "false", "false"]


def test_a_first_start_from_now_saves_where_it_starts(watches: Watches, client: Client, tmp_path: Path) -> None:
    """Started without --from and stopped before any move, a trigger still runs for moves made while down."""
    runs, state = tmp_path / "runs.txt", tmp_path / "trigger.state"
    push(client, "cache", "prod", A)
    trigger = ["is/cache:prod", "--exec", recording_command(runs), "--state-file", str(state)]
    watch = watches.start(*trigger)
    wait_until(state.exists, f"the state file; so far:\n{watch.report()}")
    assert watch.signal(signal.SIGTERM) == 0

    push(client, "cache", "prod", B)
    watch = watches.start(*trigger)
    done = wait_for_runs(runs, 1, watch)
    assert watch.signal(signal.SIGTERM) == 0
    assert images(done) == [B]


def test_a_snapshot_trigger_that_fails_midway_takes_the_snapshot_again(
    watches: Watches, client: Client, tmp_path: Path
) -> None:
    """A snapshot's changes share one position, saved only once all of them are handled: a trigger that
    fails on the second tag must not resume past the snapshot."""
    runs, state = tmp_path / "runs.txt", tmp_path / "trigger.state"
    push(client, "mq", "a", A)
    push(client, "mq", "b", B)
    options = ["--snapshot", "--state-file", str(state), "--max-attempts", "1"]
    failing_on_b = f'[ "$ISCTL_TAG" = a ] && {recording_command(runs)}'
    watch = watches.start("is/mq", "--exec", failing_on_b, *options)
    assert watch.wait() == 1
    assert images(runs_of(runs)) == [A]
    assert not state.exists()

    watch = watches.start("is/mq", "--exec", recording_command(runs), *options)
    done = wait_for_runs(runs, 3, watch)
    assert watch.signal(signal.SIGTERM) == 0
    assert [(run["ISCTL_TAG"], run["ISCTL_IMAGE"]) for run in done] == [("a", A), ("a", A), ("b", B)]


# -- resumption, against a scripted server ------------------------------------------------------------------
# A real server only ends a watcher as too slow once megabytes of changes are queued behind it, and never
# stalls: a scripted WatchService produces both on cue, and records where each call asked to start.

Script = tuple[list[watch_api.WatchResponse], grpc.StatusCode | None, dict[str, str]]


class ScriptedWatchService(watch_grpc.WatchServiceServicer):
    """Answers the n-th Watch call with the n-th script: its responses, then its status (with an ErrorInfo
    carrying the metadata), or, for None, silence until the client cancels."""

    def __init__(self, scripts: list[Script]) -> None:
        self.scripts = scripts
        self.requests: list[watch_api.WatchRequest] = []

    def Watch(
        self, request: watch_api.WatchRequest, context: grpc.ServicerContext
    ) -> Iterator[watch_api.WatchResponse]:
        self.requests.append(request)
        responses, code, metadata = self.scripts.pop(0) if self.scripts else ([], None, {})
        yield from responses
        if code is None:
            while context.is_active():
                time.sleep(0.02)
            return
        info = error_details_pb2.ErrorInfo(reason="SCRIPTED", metadata=metadata)
        detail = any_pb2.Any()
        detail.Pack(info)
        message = f"scripted {code.name}"
        status = status_pb2.Status(code=code.value[0], message=message, details=[detail])
        context.abort_with_status(rpc_status.to_status(status))


@pytest.fixture
def scripted() -> Iterator[Callable[[list[Script]], tuple[str, ScriptedWatchService]]]:
    servers: list[grpc.Server] = []

    def serve(scripts: list[Script]) -> tuple[str, ScriptedWatchService]:
        service = ScriptedWatchService(scripts)
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
        watch_grpc.add_WatchServiceServicer_to_server(service, server)  # type: ignore[no-untyped-call]
        port = server.add_insecure_port("127.0.0.1:0")
        server.start()
        servers.append(server)
        return f"127.0.0.1:{port}", service

    yield serve
    for server in servers:
        server.stop(0)


def progress(position: int) -> watch_api.WatchResponse:
    return watch_api.WatchResponse(position=position, marker=watch_api.MARKER_PROGRESS)


def moved(position: int, image: str, tag: str = "prod", synthetic: bool = False) -> watch_api.WatchResponse:
    return watch_api.WatchResponse(
        position=position,
        kind=watch_api.CHANGE_KIND_TAG_UPDATED,
        namespace="default",
        stream="app",
        tag=tag,
        current=pb.TagEvent(image=image, docker_image_reference=f"{REGISTRY}/app@{image}"),
        synthetic=synthetic,
    )


def test_the_cli_resumes_after_too_slow_and_after_a_dropped_stream(
    scripted: Callable[[list[Script]], tuple[str, ScriptedWatchService]], watches: Watches
) -> None:
    address, service = scripted(
        [
            # Ended as too slow: the server's last_position (17) is past the last change sent (15).
            ([progress(10), moved(12, A), moved(15, B)], grpc.StatusCode.RESOURCE_EXHAUSTED, {"last_position": "17"}),
            # A change the client has seen comes again, then the connection drops.
            ([progress(17), moved(15, B), moved(20, C)], grpc.StatusCode.UNAVAILABLE, {}),
            ([progress(20), moved(23, D)], None, {}),
        ]
    )
    watch = watches.start("is/app:prod", "--from", "10", address=address)
    lines = watch.wait_for_lines(4)
    assert watch.signal(signal.SIGINT) == 0

    assert [line_fields(line)[:4] for line in lines] == [
        ("12", "tag_updated", "default/app:prod", A),
        ("15", "tag_updated", "default/app:prod", B),
        ("20", "tag_updated", "default/app:prod", C),
        ("23", "tag_updated", "default/app:prod", D),
    ]
    assert [r.after_position for r in service.requests] == [10, 17, 20]
    notes = watch.stderr().splitlines()
    assert len(notes) == 2
    assert "scripted RESOURCE_EXHAUSTED; watching again after position 17" in notes[0]
    assert "scripted UNAVAILABLE; watching again after position 20" in notes[1]


def test_follow_reconnects_a_stalled_stream_and_repeats_no_snapshot_state(
    scripted: Callable[[list[Script]], tuple[str, ScriptedWatchService]],
) -> None:
    snapshot_end = watch_api.WatchResponse(position=30, marker=watch_api.MARKER_SNAPSHOT_END)
    address, service = scripted(
        [
            # The connection drops in the middle of the snapshot: a new snapshot is needed ...
            ([moved(25, A, "x", True), moved(25, B, "y", True)], grpc.StatusCode.UNAVAILABLE, {}),
            # ... whose unchanged tag (x) is not yielded again; then the stream goes silent.
            ([moved(30, A, "x", True), moved(30, C, "y", True), snapshot_end, moved(31, D)], None, {}),
            ([progress(31), moved(33, E)], None, {}),
        ]
    )
    reconnects: list[Reconnect] = []
    with Client(address) as watcher:
        follow = watcher.follow(
            "default", "app", snapshot=True, idle_timeout=1.0, backoff=Backoff(0.05), on_reconnect=reconnects.append
        )
        seen = []
        for response in follow:
            seen.append((response.marker, response.position, response.tag, response.current.image))
            if response.position == 33:
                follow.close()

    assert seen == [
        (0, 25, "x", A),
        (0, 25, "y", B),
        (0, 30, "y", C),
        (watch_api.MARKER_SNAPSHOT_END, 30, "", ""),
        (0, 31, "prod", D),
        (watch_api.MARKER_PROGRESS, 31, "", ""),  # where the new call starts: markers may repeat a position
        (0, 33, "prod", E),
    ]
    requests = service.requests
    assert [(r.WhichOneof("start"), r.after_position) for r in requests] == [
        ("snapshot", 0),
        ("snapshot", 0),
        ("after_position", 31),
    ]
    assert [r.error.code for r in reconnects] == [grpc.StatusCode.UNAVAILABLE] * 2
    assert "nothing received from the server in 1s" in reconnects[1].error.message
