"""A pinned tag against a real registry: a scheduled import of a new upstream image leaves it alone, and
after unpinning it moves only when asked."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from imagestreams_server.application.importing import Importing, ImportInput
from imagestreams_server.application.scheduling import ScheduledImports
from imagestreams_server.application.service import Service, new_uid
from imagestreams_server.importer import RegistryClient
from imagestreams_server.store.app import EventLog

from tests.support import registry as registry_support
from tests.support.registry import RunningRegistry, build_image

plain_registry = registry_support.plain_registry
INTERVAL = timedelta(minutes=15)


class World:
    def __init__(self, log: EventLog) -> None:
        self.now = datetime(2026, 1, 1, tzinfo=UTC)
        self.service = Service(log, clock=lambda: self.now)
        self.registry = RegistryClient()
        self.importing = Importing(log, self.service.queries, self.registry, self.service.context, new_uid)
        self.scheduler = ScheduledImports(log, self.importing, self.registry, lambda: self.now, INTERVAL)

    def tick(self) -> int:
        """One scheduled check an interval later; the number of tags it moved."""
        self.now += INTERVAL
        return self.scheduler.run_once().moved

    def image(self) -> str:
        current = self.service.queries.stream("team", "app").state.current("prod")
        assert current is not None
        return current.image

    def moves(self) -> list[tuple[str, str, str]]:
        entries = self.service.queries.tag_history("team", "app", "prod", None, 100)
        return [(m.change, m.move_cause, m.current.image if m.current else "") for m in entries]


@pytest.fixture
def world(store_config) -> Iterator[World]:  # type: ignore[no-untyped-def]
    log = EventLog(store_config)
    made = World(log)
    try:
        yield made
    finally:
        made.registry.close()
        log.close()


def test_a_pinned_tag_survives_a_scheduled_import_and_moves_on_unpin_only_when_asked(
    world: World, plain_registry: RunningRegistry
) -> None:
    repo = f"pin/{uuid.uuid4().hex[:8]}"
    source = f"{plain_registry.host}/{repo}:latest"
    with plain_registry.pusher() as pusher:
        first = pusher.image(repo, "latest", build_image(layer_texts=["one"])).digest
    prod = ImportInput("team", "app", tag="prod", source=source, confirm=True, insecure=True, scheduled=True)
    world.importing.import_image(prod)
    assert world.image() == first
    world.service.commands.pin_tag("team", "app", "prod", "incident 42")
    with plain_registry.pusher() as pusher:
        second = pusher.image(repo, "latest", build_image(layer_texts=["two"])).digest

    assert world.tick() == 0
    assert world.image() == first
    assert world.moves() == [("moved", "import", first), ("skipped", "scheduled-import", second)]
    assert world.tick() == 0  # checked again: the same skipped move is not recorded twice
    assert len(world.moves()) == 2

    world.service.commands.unpin_tag("team", "app", "prod")
    assert world.tick() == 0
    assert world.image() == first
    # Asked: an import takes the upstream image now.
    world.importing.import_image(ImportInput("team", "app", tag="prod", source=source, confirm=True, insecure=True))
    assert world.image() == second
    assert world.moves()[-1] == ("moved", "import", second)
