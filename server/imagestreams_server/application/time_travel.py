"""Reads of the past: a stream as it was at a log position or at a moment, from the log itself.

The stream's own events up to that point are read (their positions from the events table, their content from
the event store) and applied with the same code that applies them live, so an answer is by construction a
replay of the log up to that point; the views are then built as present-day reads build them. The cost is the
stream's own events up to that point (not the log's), one query for their positions and one for the events.
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
        with self.log.read() as sql:
            positions = past.event_positions(sql, self.log.recorder, aggregate_id, up_to)
        stream: Any = None
        position = 0
        if positions:
            events = self.log.events.get(aggregate_id, lte=positions[-1][0])
            for event, (_, event_position) in zip(events, positions, strict=False):
                if as_of.time is not None and event.timestamp > as_of.time:
                    break
                stream = event.mutate(stream)
                position = event_position
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
