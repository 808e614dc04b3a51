"""One attempt at a command: the aggregates it loaded and changed, saved together in one transaction."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from eventsourcing.application import AggregateNotFoundError
from eventsourcing.persistence import IntegrityError

from ..domain.errors import NotFound
from ..domain.image import Image, image_id
from ..domain.imagestream import ImageStream, stream_id
from ..domain.names import StreamName
from ..store.app import EventLog
from .errors import ConcurrentUpdate

T = TypeVar("T")

# A command that collides with another writer is re-run on fresh state this many times, then ABORTED.
MAX_ATTEMPTS = 10


@dataclass(frozen=True)
class Context:
    """Who asks, when, and why: recorded on every event."""

    now: datetime
    actor: str
    cause: str = ""


class UnitOfWork:
    def __init__(self, log: EventLog, context: Context, new_uid: Callable[[], str]) -> None:
        self.log = log
        self.context = context
        self.new_uid = new_uid
        self._loaded: dict[str, Any] = {}

    def stream_or_none(self, name: StreamName) -> ImageStream | None:
        """The stream's aggregate, deleted or not, or None if the name was never used."""
        return self._get(stream_id(name.namespace, name.name))

    def stream(self, name: StreamName) -> ImageStream:
        """A live stream, or NOT_FOUND."""
        stream = self.stream_or_none(name)
        if stream is None or stream.deleted:
            raise NotFound("imagestream", str(name))
        return stream

    def stream_for_write(self, name: StreamName) -> ImageStream:
        """A live stream, created (or created again after a delete) when missing."""
        stream = self.stream_or_none(name)
        if stream is None:
            stream = ImageStream.create(
                name, uid=self.new_uid(), now=self.context.now, actor=self.context.actor, cause=self.context.cause
            )
            self._loaded[stream.id] = stream
        elif stream.deleted:
            stream.recreate(
                uid=self.new_uid(), now=self.context.now, actor=self.context.actor, cause=self.context.cause
            )
        return stream

    def get(self, aggregate_id: str) -> Any:
        """Any aggregate by id, or None if it was never created."""
        return self._get(aggregate_id)

    def add(self, aggregate: Any) -> None:
        self._loaded[aggregate.id] = aggregate

    def ensure_image(self, digest: str, docker_image_reference: str, metadata: dict[str, Any] | None) -> Image:
        """The image with this digest, created if absent; metadata is filled in once, when first known."""
        image = self._get(image_id(digest))
        if image is None:
            image = Image.create(
                digest,
                docker_image_reference=docker_image_reference,
                metadata=metadata,
                now=self.context.now,
                actor=self.context.actor,
            )
            self._loaded[image.id] = image
        elif metadata:
            image.record_metadata(metadata, now=self.context.now, actor=self.context.actor)
        return image

    def changed(self) -> list[Any]:
        return [a for a in self._loaded.values() if a.pending_events]

    def _get(self, aggregate_id: str) -> Any:
        if aggregate_id in self._loaded:
            return self._loaded[aggregate_id]
        try:
            aggregate = self.log.repository.get(aggregate_id)
        except AggregateNotFoundError:
            return None
        self._loaded[aggregate_id] = aggregate
        return aggregate


def run(
    log: EventLog,
    context_factory: Callable[[], Context],
    new_uid: Callable[[], str],
    command: Callable[[UnitOfWork], T],
) -> tuple[T, int]:
    """Runs `command` on fresh aggregates and saves what it changed in one transaction. A save that loses
    a race (another writer saved the same aggregate first) is retried on reloaded state with a short,
    growing, jittered pause; after MAX_ATTEMPTS the caller gets ConcurrentUpdate. Returns the command's result
    and the log position of the change (the current position when nothing changed)."""
    for attempt in range(MAX_ATTEMPTS):
        unit = UnitOfWork(log, context_factory(), new_uid)
        result = command(unit)
        changed = unit.changed()
        if not changed:
            return result, log.max_position()
        try:
            recordings = log.save(*changed)
        except IntegrityError:
            time.sleep(random.uniform(0, 0.002 * 2**attempt))
            continue
        return result, recordings[-1].notification.id
    raise ConcurrentUpdate(f"the change collided with other writers {MAX_ATTEMPTS} times; try again")
