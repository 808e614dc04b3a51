"""Reads of the past: a stream as it was at a log position or at a moment, from the log itself.

The stream's newest version at or before that point is found in the events table (store/past.py: a binary
search over its versions, by position or by the events' times) and the stream is loaded at that version: its
newest snapshot at or before it, then the events after it, applied with the same code that applies them live
(the snapshot is what that code built), so an answer is a replay of the log up to that point; the views are
then built as present-day reads build them. The cost is one snapshot and fewer events than the snapshot
interval, plus about log2 of the stream's events' count lookups by primary key, however long its history.
Times are taken as ordered along a stream (each event's time is its recording server's clock): the point is
the last version recorded at or before the time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.errors import InvalidField, NotFound
from ..domain.imagestream import ImageStream, stream_id
from ..domain.names import StreamName, istag_name
from ..store import past
from ..store.app import EventLog
from .errors import PositionNotReached
from .queries import Queries
from .views import StreamDescription, StreamView, TagView


@dataclass(frozen=True)
class AsOf:
    """A point of the past: a log position, or a moment (the state after the last event recorded at or
    before it)."""

    position: int = 0
    time: datetime | None = None

    def describe(self) -> str:
        return f"position {self.position}" if self.time is None else self.time.isoformat()


class TimeTravel:
    def __init__(self, log: EventLog, queries: Queries, clock: Callable[[], datetime]) -> None:
        self.log = log
        self.queries = queries
        self.clock = clock

    def stream(self, namespace: str, name: str, as_of: AsOf, name_field: str = "name") -> StreamView:
        stream_name = StreamName(namespace, name)
        stream_name.validate(name_field=name_field)
        head = self.log.max_position()
        if as_of.time is None:
            if as_of.position <= 0:
                raise InvalidField("as_of.position", "a log position is 1 or more")
            if as_of.position > head:
                raise PositionNotReached(as_of.position, head)
            up_to = as_of.position
        else:
            if as_of.time > self.clock():
                raise InvalidField("as_of.time", f"{as_of.time.isoformat()} is in the future")
            up_to = head
        aggregate_id = stream_id(namespace, name)
        recorder = self.log.recorder
        with self.log.read() as sql:
            found = past.newest_at(sql, recorder, aggregate_id, up_to)
            if found and as_of.time is not None:
                moment = as_of.time

                def recorded_by_then(version: int) -> bool:
                    stored = past.stored_event(sql, recorder, aggregate_id, version)
                    return bool(self.log.mapper.to_domain_event(stored).timestamp <= moment)

                version = past.last_version(found[0], recorded_by_then)
                found = (version, past.position_of(sql, recorder, aggregate_id, version)) if version else None
        stream: Any = None
        position = 0
        if found:
            # The newest snapshot at or before that version, then the events after it (fewer than the interval).
            stream = self.log.repository.get(aggregate_id, version=found[0])
            position = found[1]
        if not isinstance(stream, ImageStream) or stream.deleted:
            raise NotFound("imagestream", f"{stream_name} as of {as_of.describe()}")
        return StreamView(stream.state, position)

    def tag(self, namespace: str, stream: str, tag: str, as_of: AsOf) -> TagView:
        if not tag:
            raise InvalidField("tag", "tag is required")
        view = self.stream(namespace, stream, as_of, name_field="stream")
        state = view.state
        if tag not in state.spec_tags and tag not in state.status_tags:
            raise NotFound("imagestreamtag", f"{istag_name(namespace, stream, tag)} as of {as_of.describe()}")
        return self.queries.tag_view(view, tag)

    def tags(
        self, namespace: str, stream: str, after: tuple[str, str] | None, limit: int, as_of: AsOf
    ) -> list[TagView]:
        if not stream:
            raise InvalidField("stream", "reading tags as of a point of the past needs a stream")
        view = self.stream(namespace, stream, as_of, name_field="stream")
        names = [t for t in view.state.tag_names() if not after or (view.state.name, t) > after]
        return [self.queries.tag_view(view, t) for t in names[:limit]]

    def describe(self, namespace: str, name: str, as_of: AsOf) -> StreamDescription:
        return self.queries.describe_view(self.stream(namespace, name, as_of))
