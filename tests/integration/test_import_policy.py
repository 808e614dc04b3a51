"""Import policies as OpenShift keeps them, against a registry that speaks plain HTTP only (so every import
needs `insecure`), on both stores: re-tagging with a changed policy imports again (`oc tag` resets the tag's
generation), and the stream's insecure-repository annotation is honoured on every import path without being
copied into the tags."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from imagestreams_server.application.commands import Destination, StreamInput, TagInput
from imagestreams_server.application.importing import Importing, ImportInput
from imagestreams_server.application.scheduling import ScheduledImports
from imagestreams_server.application.service import Service, new_uid
from imagestreams_server.domain.state import StreamState
from imagestreams_server.domain.tags import Source, SourceKind, TagSpec
from imagestreams_server.importer import RegistryClient
from imagestreams_server.store.app import EventLog

from tests.support import registry as registry_support
from tests.support.registry import RunningRegistry, build_image

plain_registry = registry_support.plain_registry
INTERVAL = timedelta(minutes=15)
INSECURE = {"openshift.io/image.insecureRepository": "true"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


class Setup:
    def __init__(self, log: EventLog) -> None:
        self.log = log
        self.clock = Clock()
        self.service = Service(log, clock=self.clock)
        self.registry = RegistryClient()
        self.importing = Importing(log, self.service.queries, self.registry, self.service.context, new_uid)
        self.scheduler = ScheduledImports(log, self.importing, self.registry, self.clock, INTERVAL)

    def tag(self, source: str, dest: str, **flags: bool) -> TagSpec:
        stream, tag = dest.split(":")
        result = self.service.commands.tag(
            TagInput(
                namespace="team",
                source=Source(SourceKind.DOCKER_IMAGE, source),
                destinations=[Destination("team", stream, tag)],
                **flags,  # type: ignore[arg-type]
            )
        )
        return result.specs[0]

    def state(self, stream: str = "app") -> StreamState:
        return self.service.queries.stream("team", stream).state

    def tick(self) -> None:
        self.clock.now += INTERVAL
        self.scheduler.run_once()


@pytest.fixture
def setup(store_config) -> Iterator[Setup]:  # type: ignore[no-untyped-def]
    log = EventLog(store_config)
    result = Setup(log)
    try:
        yield result
    finally:
        result.registry.close()
        log.close()


def push_image(registry: RunningRegistry, repo: str, tag_name: str, text: str) -> str:
    with registry.pusher() as pusher:
        return pusher.image(repo, tag_name, build_image(layer_texts=[text])).digest


def failure_reasons(state: StreamState, tag: str) -> list[str]:
    status = state.status_tags.get(tag)
    return [c.reason for c in status.conditions] if status else []


# -- item 8: re-tagging imports again ------------------------------------------------------------------------


def test_retagging_with_insecure_after_a_failed_import_imports_again(
    setup: Setup, plain_registry: RunningRegistry
) -> None:
    repo = f"policy/{uuid.uuid4().hex[:8]}"
    digest = push_image(plain_registry, repo, "1", "one")
    source = f"{plain_registry.host}/{repo}:1"
    first = setup.tag(source, "app:1")
    setup.tick()  # the background import fails: the registry is HTTP only
    state = setup.state()
    assert state.current("1") is None and failure_reasons(state, "1") == ["BadRequest"]
    assert not state.waiting_for_import("1")
    setup.tick()
    assert setup.state().current("1") is None  # a failure answers the generation: no retry loop

    # `tag --insecure` changes only the import policy, and (as `oc tag`, which sends generation 0) the tag
    # takes the new generation: it waits for import again, and the next tick imports it.
    retagged = setup.tag(source, "app:1", insecure=True)
    assert retagged.generation > first.generation and retagged.insecure
    assert setup.state().waiting_for_import("1")
    setup.tick()
    state = setup.state()
    current = state.current("1")
    # As OpenShift records an import: at the next stream generation, spec and status alike.
    assert current is not None and current.image == digest
    assert current.generation == state.spec_tags["1"].generation > retagged.generation
    assert failure_reasons(state, "1") == []


def test_the_same_tag_again_retries_a_failed_import_and_is_a_no_op_otherwise(
    setup: Setup, plain_registry: RunningRegistry
) -> None:
    repo = f"policy/{uuid.uuid4().hex[:8]}"
    source = f"{plain_registry.host}/{repo}:1"
    first = setup.tag(source, "app:1", insecure=True)
    setup.tick()
    assert failure_reasons(setup.state(), "1") == ["NotFound"]
    digest = push_image(plain_registry, repo, "1", "one")
    # Set again unchanged while its last import failed: a retry, as `oc tag` is.
    again = setup.tag(source, "app:1", insecure=True)
    assert again.generation > first.generation
    setup.tick()
    current = setup.state().current("1")
    assert current is not None and current.image == digest
    # Once imported, the same tag again records nothing.
    position = setup.log.max_position()
    assert setup.tag(source, "app:1", insecure=True).generation == current.generation
    assert setup.log.max_position() == position


def test_retagging_with_a_changed_policy_after_a_successful_import_imports_again(
    setup: Setup, plain_registry: RunningRegistry
) -> None:
    repo = f"policy/{uuid.uuid4().hex[:8]}"
    digest = push_image(plain_registry, repo, "1", "one")
    source = f"{plain_registry.host}/{repo}:1"
    setup.tag(source, "app:1", insecure=True)
    setup.tick()
    before = setup.state().current("1")
    assert before is not None and before.image == digest
    scheduled = setup.tag(source, "app:1", insecure=True, scheduled=True)
    assert scheduled.generation > before.generation and setup.state().waiting_for_import("1")
    setup.tick()
    state = setup.state()
    after = state.current("1")
    # Same image: the entry is updated in place with the new generation, not a new move.
    assert after is not None and after.image == digest and after.generation > scheduled.generation
    assert len(state.status_tags["1"].items) == 1 and not state.waiting_for_import("1")


# -- item 7: the stream's insecure annotation, on every path, never copied --------------------------------------


def annotated_stream(setup: Setup, name: str = "app") -> None:
    setup.service.commands.create_stream(StreamInput("team", name, annotations=dict(INSECURE)))


def test_background_import_honours_the_insecure_annotation_without_copying_it(
    setup: Setup, plain_registry: RunningRegistry
) -> None:
    repo = f"policy/{uuid.uuid4().hex[:8]}"
    digest = push_image(plain_registry, repo, "1", "one")
    annotated_stream(setup)
    setup.tag(f"{plain_registry.host}/{repo}:1", "app:1")
    setup.tick()
    state = setup.state()
    current = state.current("1")
    assert current is not None and current.image == digest, failure_reasons(state, "1")
    assert not state.spec_tags["1"].insecure


def test_scheduled_import_honours_the_insecure_annotation(setup: Setup, plain_registry: RunningRegistry) -> None:
    repo = f"policy/{uuid.uuid4().hex[:8]}"
    push_image(plain_registry, repo, "1", "one")
    annotated_stream(setup)
    setup.tag(f"{plain_registry.host}/{repo}:1", "app:1", scheduled=True)
    setup.tick()
    second = push_image(plain_registry, repo, "1", "two")
    setup.tick()  # the scheduled check sees the new digest over plain HTTP
    state = setup.state()
    current = state.current("1")
    assert current is not None and current.image == second, failure_reasons(state, "1")
    assert not state.spec_tags["1"].insecure and state.spec_tags["1"].scheduled


def test_import_image_honours_the_annotation_and_keeps_the_tag_policy(
    setup: Setup, plain_registry: RunningRegistry
) -> None:
    repo = f"policy/{uuid.uuid4().hex[:8]}"
    digest = push_image(plain_registry, repo, "1", "one")
    annotated_stream(setup)
    setup.tag(f"{plain_registry.host}/{repo}:1", "app:1", scheduled=True)
    result = setup.importing.import_image(ImportInput("team", "app", tag="1", confirm=True))
    assert result.outcomes[0].failure is None, result.outcomes[0].failure
    spec = setup.state().spec_tags["1"]
    # Neither the annotation (insecure) is copied into the tag, nor its scheduled flag dropped.
    assert (spec.insecure, spec.scheduled) == (False, True)
    assert setup.state().current("1").image == digest  # type: ignore[union-attr]
    # Without the annotation, the same import is refused plain HTTP: nothing was left behind in the tag.
    setup.service.commands.update_stream(StreamInput("team", "app"), ["annotations"])
    again = setup.importing.import_image(ImportInput("team", "app", tag="1", confirm=True))
    assert again.outcomes[0].failure is not None and again.outcomes[0].failure.reason == "BadRequest"
    # `--insecure` asked for is the request's policy: recorded on the tag.
    asked = setup.importing.import_image(ImportInput("team", "app", tag="1", confirm=True, insecure=True))
    assert asked.outcomes[0].failure is None and setup.state().spec_tags["1"].insecure


def test_repository_import_of_an_annotated_stream_leaves_the_tags_secure(
    setup: Setup, plain_registry: RunningRegistry
) -> None:
    repo = f"policy/{uuid.uuid4().hex[:8]}"
    one = push_image(plain_registry, repo, "1.0", "one")
    setup.service.commands.create_stream(
        StreamInput(
            "team", "mirror", annotations=dict(INSECURE), docker_image_repository=f"{plain_registry.host}/{repo}"
        )
    )
    setup.tick()
    state = setup.state("mirror")
    current = state.current("1.0")
    assert current is not None and current.image == one
    assert not state.spec_tags["1.0"].insecure
