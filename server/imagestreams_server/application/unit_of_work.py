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
from ..domain.pruning import beyond_limit
from ..store.app import EventLog
from . import aggregate_locks, idempotency
from .errors import ConcurrentUpdate

T = TypeVar("T")

# A command that collides with another writer is re-run on fresh state this many times, then ABORTED.
MAX_ATTEMPTS = 10
# A command that keeps finding new aggregates to lock out of order starts again at most this many times.
MAX_REORDERS = 20


@dataclass(frozen=True)
class Context:
    """Who asks, when, and why: recorded on every event."""

    now: datetime
    actor: str
    cause: str = ""
    # Entries kept in each tag's status history: a change that leaves more trims the oldest in the same save
    # (0: no limit).
    max_status_history: int = 0


class UnitOfWork:
    def __init__(
        self,
        log: EventLog,
        context: Context,
        new_uid: Callable[[], str],
        locks: aggregate_locks.HeldLocks | None = None,
    ) -> None:
        self.log = log
        self.context = context
        self.new_uid = new_uid
        self.locks = locks or aggregate_locks.HeldLocks()
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
        """The image with this digest, created if absent (or pruned); metadata is filled in once, when first known."""
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
        elif image.deleted:
            # Pruned, and recorded again: it is back, as new.
            image.restore(docker_image_reference, metadata, now=self.context.now, actor=self.context.actor)
        elif metadata:
            image.record_metadata(metadata, now=self.context.now, actor=self.context.actor)
        return image

    def changed(self) -> list[Any]:
        return [a for a in self._loaded.values() if a.pending_events]

    def limit_status_history(self) -> None:
        """Trims the status history of each changed stream's tags to the limit, as pruning trims it (a
        `TagHistoryPruned` event, move cause `prune`), so the trim is part of the change that made the history
        too long. The log keeps every entry: ListTagHistory and reads of the past still see them."""
        limit = self.context.max_status_history
        if limit <= 0:
            return
        for aggregate in self.changed():
            if not isinstance(aggregate, ImageStream) or aggregate.deleted:
                continue
            for tag, removed in beyond_limit(aggregate.state, limit).items():
                aggregate.prune_history(
                    tag, removed, now=self.context.now, actor=self.context.actor, cause=self.context.cause
                )

    def _get(self, aggregate_id: str) -> Any:
        if aggregate_id in self._loaded:
            return self._loaded[aggregate_id]
        # Locked before it is loaded, so no other command of this process changes it until this one saved.
        self.locks.lock(aggregate_id)
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
    """Runs `command` on fresh aggregates and saves what it changed in one transaction. The aggregates it
    loads are locked in this process until the save (aggregate_locks), so writers here take turns; a save
    that still loses a race (another replica saved the same aggregate first) is retried on reloaded state
    with a short, growing, jittered pause; after MAX_ATTEMPTS the caller gets ConcurrentUpdate. The current
    request's id, if it has one, is recorded in the save's transaction. Returns the command's result and the
    log position of the change (the current position when nothing changed)."""
    wanted: set[int] = set()
    collisions = 0
    reorders = 0
    while True:
        if collisions:
            time.sleep(random.uniform(0, 0.002 * 2**collisions))
        locks = aggregate_locks.HeldLocks(wanted)
        try:
            locks.acquire_wanted()
            unit = UnitOfWork(log, context_factory(), new_uid, locks)
            result = command(unit)
            unit.limit_status_history()
            changed = unit.changed()
            if not changed:
                return result, log.max_position()
            position = _save(log, changed)
            if position is not None:
                return result, position
        except aggregate_locks.Reorder:
            reorders += 1
            if reorders > MAX_REORDERS:
                raise ConcurrentUpdate("the change kept finding its streams busy; try again") from None
            wanted = locks.wanted
            continue
        except aggregate_locks.TimedOut:
            raise ConcurrentUpdate(
                f"other writers held the stream for more than {aggregate_locks.WAIT_SECONDS:g}s; try again"
            ) from None
        finally:
            locks.release()
        collisions += 1
        if collisions >= MAX_ATTEMPTS:
            raise ConcurrentUpdate(f"the change collided with other writers {MAX_ATTEMPTS} times; try again")


def _save(log: EventLog, changed: list[Any]) -> int | None:
    """Saves in one transaction, with the current request's id when it has one. The position of the change,
    or None when another writer saved one of the aggregates first."""
    request = idempotency.pending()
    try:
        extra = {} if request is None else {"request_row": request.row}
        recordings = log.save(*changed, **extra)
    except Exception as error:
        # The same request applied by another attempt (a retry that overtook this one, on any replica): its
        # row made this transaction fail, and its answer is the one to give.
        if request is not None and request.already_applied(log):
            raise idempotency.AlreadyApplied from error
        if isinstance(error, IntegrityError):
            return None
        raise
    position = recordings[-1].notification.id
    if request is not None:
        request.recorded_at = position
    return position
