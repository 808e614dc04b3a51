"""The snapshot store: image streams as `apply` built them every N events, beside the log.

eventsourcing keeps them in their own table (`imagestreams_snapshots` on PostgreSQL, `stored_snapshots` on
SQLite), keyed by stream and version like the events, and loads a stream from its newest snapshot at or
before the version asked for, then the events after it. Only snapshots of the running code's schema count
(`domain/stream_snapshot.py`): the schema is in the topic column, so older ones are skipped without being
decoded, and deleted at start. Snapshots are compressed: a stream's state repeats the same keys and pull
specs in every status entry.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Iterator
from typing import Any

from eventsourcing.compressor import ZlibCompressor
from eventsourcing.persistence import EventStore, Mapper

from ..domain.imagestream import ImageStream
from ..domain.stream_snapshot import StreamSnapshot
from .sql import events_table

log = logging.getLogger(__name__)


class FastZlibCompressor(ZlibCompressor):
    def compress(self, data: bytes) -> bytes:
        # Level 1: a snapshot is written on a command's path, and most of the gain is in the first level.
        return zlib.compress(data, 1)


class SnapshotStore(EventStore[str]):
    """The library's event store over the snapshots table, answering only current-schema snapshots."""

    def get(
        self,
        originator_id: str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Iterator[Any]:
        stored = self.recorder.select_events(originator_id=originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        # With `limit=1` (how streams are loaded) an outdated newest snapshot means a replay from the start.
        return (self.mapper.to_domain_event(s) for s in stored if s.topic == StreamSnapshot.TOPIC)

    def take(self, streams: list[ImageStream]) -> None:
        """Snapshots of these streams as they are; a failure is logged, never raised: the events are saved
        already, and a missing snapshot only makes later loads replay more."""
        try:
            self.put([StreamSnapshot.take(stream) for stream in streams])
        except Exception:
            log.warning("snapshot of %s not taken", ", ".join(s.id for s in streams), exc_info=True)


def snapshot_store(events_mapper: Mapper[str], recorder: Any) -> SnapshotStore:
    mapper: Mapper[str] = Mapper(
        transcoder=events_mapper.transcoder, compressor=FastZlibCompressor(), cipher=events_mapper.cipher
    )
    return SnapshotStore(mapper=mapper, recorder=recorder)


def outdated_statement(recorder: Any, sqlite: bool) -> str:
    """Deletes the snapshots of other schemas (older code's, or a newer one's after a downgrade)."""
    return f"DELETE FROM {events_table(recorder, sqlite=sqlite)} WHERE topic <> %s"
