"""Scheduled import against a real registry: HEAD-only re-checks, moves, failures, restarts; and passes that do
not read every stream again while nothing can be due."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams_server.application.commands import Destination, StreamInput, TagInput
from imagestreams_server.application.importing import Importing, ImportInput
from imagestreams_server.application.scheduling import ScheduledImports
from imagestreams_server.application.service import Service, new_uid
from imagestreams_server.domain.tags import Source, SourceKind
from imagestreams_server.importer import RegistryClient
from imagestreams_server.store import import_state, readmodel
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.import_state import ImportState

from tests.support import registry as registry_support
from tests.support.builders import docker, get_istag, tag
from tests.support.registry import RunningRegistry, build_image
from tests.support.server import running_server, sqlite_store
from tests.support.watch import Watcher

plain_registry = registry_support.plain_registry
INTERVAL = timedelta(minutes=15)


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Setup:
    def __init__(self, log: EventLog, clock: Clock) -> None:
        self.log = log
        self.clock = clock
        self.service = Service(log, clock=clock)
        self.registry = RegistryClient()
        self.importing = Importing(log, self.service.queries, self.registry, self.service.context, new_uid)

    def scheduler(self) -> ScheduledImports:
        return ScheduledImports(self.log, self.importing, self.registry, self.clock, INTERVAL)

    def manifest_requests(self, method: str) -> int:
        return self.registry.requests.count(method=method, kind="manifest")


@pytest.fixture
def setup(store_config) -> Iterator[Setup]:  # type: ignore[no-untyped-def]
    log = EventLog(store_config)
    result = Setup(log, Clock())
    try:
        yield result
    finally:
        result.registry.close()
        log.close()


def push_image(registry: RunningRegistry, repo: str, tag_name: str, text: str) -> str:
    with registry.pusher() as pusher:
        return pusher.image(repo, tag_name, build_image(layer_texts=[text])).digest


def test_unchanged_upstream_costs_one_head_and_appends_nothing(setup: Setup, plain_registry: RunningRegistry) -> None:
    repo = f"sched/{uuid.uuid4().hex[:8]}"
    source = f"{plain_registry.host}/{repo}:1"
    first = push_image(plain_registry, repo, "1", "one")
    setup.importing.import_image(
        ImportInput("team", "app", tag="1", source=source, confirm=True, insecure=True, scheduled=True)
    )
    scheduler = setup.scheduler()
    setup.clock.now += INTERVAL
    setup.registry.requests.reset()
    summary = scheduler.run_once()  # the import remembered what upstream had: one HEAD
    assert (summary.checked, summary.unchanged, summary.moved) == (1, 1, 0)
    assert setup.manifest_requests("HEAD") == 1 and setup.manifest_requests("GET") == 0
    position = setup.log.max_position()

    setup.clock.now += INTERVAL / 2
    assert scheduler.run_once().checked == 0  # not due yet

    setup.clock.now += INTERVAL
    setup.registry.requests.reset()
    summary = scheduler.run_once()
    assert (summary.checked, summary.unchanged) == (1, 1)
    assert setup.manifest_requests("HEAD") == 1 and setup.manifest_requests("GET") == 0
    assert setup.log.max_position() == position  # nothing appended

    # A restarted scheduler remembers: nothing is due before the interval, and then it is one HEAD again.
    restarted = setup.scheduler()
    assert restarted.run_once().checked == 0

    second = push_image(plain_registry, repo, "1", "two")
    setup.clock.now += INTERVAL * 2
    summary = restarted.run_once()
    assert (summary.checked, summary.moved) == (1, 1)
    view = setup.service.queries.tag("team", "app", "1")
    assert view.current is not None and view.current.image == second
    assert [e.image for e in setup.service.queries.stream("team", "app").state.status_tags["1"].items] == [
        second,
        first,
    ]


def test_failures_set_a_condition_once_and_keep_history(setup: Setup, plain_registry: RunningRegistry) -> None:
    repo = f"sched/{uuid.uuid4().hex[:8]}"
    source = f"{plain_registry.host}/{repo}:gone"
    setup.importing.import_image(
        ImportInput("team", "app", tag="x", source=source, confirm=True, insecure=True, scheduled=True)
    )
    scheduler = setup.scheduler()
    summary = scheduler.run_once()
    assert summary.failed == 1
    status = setup.service.queries.stream("team", "app").state.status_tags["x"]
    assert [(c.reason, c.status) for c in status.conditions] == [("NotFound", "False")]
    position = setup.log.max_position()
    setup.clock.now += INTERVAL
    assert scheduler.run_once().failed == 1
    assert setup.log.max_position() == position  # the same failure again records nothing

    push_image(plain_registry, repo, "gone", "back")
    setup.clock.now += INTERVAL
    assert scheduler.run_once().moved == 1
    assert setup.service.queries.stream("team", "app").state.status_tags["x"].conditions == []


def test_the_server_reimports_scheduled_tags_on_its_interval(tmp_path: Path, plain_registry: RunningRegistry) -> None:
    repo = f"sched/{uuid.uuid4().hex[:8]}"
    push_image(plain_registry, repo, "latest", "one")
    with running_server(sqlite_store(tmp_path), import_interval=1) as server:
        tag(server.stub, docker(f"{plain_registry.host}/{repo}:latest"), "app:latest", scheduled=True, insecure=True)
        watcher = Watcher(server.channel, namespace="team", stream="app", kinds=[watch_api.CHANGE_KIND_TAG_UPDATED])
        try:
            (first,) = watcher.changes(1, timeout=15)  # the first scheduled check imports it
            second = push_image(plain_registry, repo, "latest", "two")
            (moved,) = watcher.changes(1, timeout=15)
            assert moved.current.image == second and moved.previous.image == first.current.image
        finally:
            watcher.cancel()
        assert get_istag(server.stub, "app:latest").image.name == second


def test_tags_and_repositories_waiting_for_import_are_imported_in_the_background(
    tmp_path: Path, plain_registry: RunningRegistry
) -> None:
    repo = f"auto/{uuid.uuid4().hex[:8]}"
    one = push_image(plain_registry, repo, "1.0", "one")
    two = push_image(plain_registry, repo, "2.0", "two")
    with running_server(sqlite_store(tmp_path), auto_import=True, import_interval=0) as server:
        watcher = Watcher(server.channel, namespace="team", kinds=[watch_api.CHANGE_KIND_TAG_UPDATED])
        try:
            # A registry source named by tag is imported without anyone asking.
            tag(server.stub, docker(f"{plain_registry.host}/{repo}:1.0"), "app:1.0", insecure=True)
            (change,) = watcher.changes(1, timeout=15)
            assert (change.stream, change.tag, change.current.image) == ("app", "1.0", one)
            # A stream created with a docker image repository imports that repository's tags.
            server.stub.CreateImageStream(
                api.CreateImageStreamRequest(
                    image_stream=pb.ImageStream(
                        namespace="team",
                        name="mirror",
                        docker_image_repository=f"{plain_registry.host}/{repo}",
                        annotations={"openshift.io/image.insecureRepository": "true"},
                    )
                )
            )
            imported = {(c.tag, c.current.image) for c in watcher.changes(2, timeout=15)}
            assert imported == {("1.0", one), ("2.0", two)}
        finally:
            watcher.cancel()


def test_a_pass_reads_the_streams_again_only_when_something_may_be_due(
    setup: Setup, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading every stream is what a pass costs on a large store: after a pass that found nothing due, the next
    ones skip it until the log moves, a remembered check changes, or the first tag's interval has passed."""
    source = "registry.example.com/team/app:1"
    destination = Destination("team", "app", "1")
    setup.service.commands.tag(TagInput("team", Source(SourceKind.DOCKER_IMAGE, source), [destination], scheduled=True))
    with setup.log.write() as sql:
        import_state.save(sql, ImportState("team", "app", "1", source, "", setup.clock.now))
    scheduler = ScheduledImports(setup.log, setup.importing, setup.registry, setup.clock, INTERVAL, auto_import=False)
    reads: list[int] = []
    real_list_streams = readmodel.list_streams

    def counted(*args: Any, **kwargs: Any) -> Any:
        reads.append(1)
        return real_list_streams(*args, **kwargs)

    checked: list[str] = []
    monkeypatch.setattr(readmodel, "list_streams", counted)
    monkeypatch.setattr(scheduler, "_check_stream", lambda name, due, summary: checked.extend(d.spec.name for d in due))

    scheduler.run_once()  # checked just now: nothing due
    scheduler.run_once()
    assert (len(reads), checked) == (1, [])
    with setup.log.write() as sql:  # a check remembered elsewhere (another replica, an import)
        import_state.save(sql, ImportState("team", "app", "1", source, "", setup.clock.now + timedelta(seconds=1)))
    scheduler.run_once()
    assert len(reads) == 2
    setup.service.commands.create_stream(StreamInput("team", "other"))  # the log moved
    scheduler.run_once()
    scheduler.run_once()
    assert (len(reads), checked) == (3, [])
    setup.clock.now += INTERVAL
    scheduler.run_once()
    assert (len(reads), checked) == (3, [])  # not quite: the check remembered above is a second later
    setup.clock.now += timedelta(seconds=1)
    scheduler.run_once()
    assert (len(reads), checked) == (4, ["1"])
    scheduler.run_once()  # something was due: the next pass reads again
    assert len(reads) == 5
