"""A snapshot of an image stream: the state its events' `apply` built at one version, so that loading the
stream (as it is now, or as it was at a position of the past) reads one snapshot and the events after it
instead of every event since the stream was created.

A snapshot is a cache of the log, never history: a missing one costs a longer replay, and one taken by other
code is worthless. `SCHEMA` names the code that built it: a change to what `apply` builds (an event's `apply`,
`ImageStream._reset`, or the shape of `StreamState` and what it holds, or their `to_dict`/`from_dict`) must
bump it. The schema is part of the snapshot's topic (a column beside the state, readable without decoding
it): snapshots of another schema are ignored, and dropped at the next start, so answers stay those of a
replay of the log by the code that runs. `tests/unit/test_stream_snapshot.py` fails when that code
changes without a new fingerprint beside the schema.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from eventsourcing.domain import CanSnapshotAggregate, MetaDomainEvent
from eventsourcing.utils import register_topic

from .imagestream import ImageStream
from .state import StreamState

SCHEMA = 1


class StreamSnapshot(CanSnapshotAggregate[str], metaclass=MetaDomainEvent):
    """`timestamp` is the time of the stream's last event at the snapshot's version (not when it was taken),
    so a read as of a time can tell whether the snapshot is part of that past."""

    TOPIC = f"imagestreams:ImageStream.Snapshot.v{SCHEMA}"

    originator_id: str
    originator_version: int
    timestamp: datetime
    topic: str
    state: dict[str, Any]

    @classmethod
    def take(cls, aggregate: Any) -> StreamSnapshot:
        stream: ImageStream = aggregate
        return cls(
            originator_id=stream.id,
            originator_version=stream.version,
            timestamp=stream.modified_on,
            topic=ImageStream.TOPIC,
            state={
                "created_on": stream.created_on.isoformat(),
                "deleted": stream.deleted,
                "stream": stream.state.to_dict(),
            },
        )

    def mutate(self, _: Any) -> ImageStream:
        stream = object.__new__(ImageStream)
        stream.__dict__.update(
            _id=self.originator_id,
            _version=self.originator_version,
            _created_on=datetime.fromisoformat(self.state["created_on"]),
            _modified_on=self.timestamp,
            _pending_events=[],
            deleted=bool(self.state["deleted"]),
            state=StreamState.from_dict(self.state["stream"]),
        )
        return stream


# Stored snapshots name their class by this topic; it resolves in a process that has not written one yet.
register_topic(StreamSnapshot.TOPIC, StreamSnapshot)
