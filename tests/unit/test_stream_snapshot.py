"""A stream's snapshot schema changes with the code that builds the state it keeps.

Snapshots hold what `apply` built; a read that starts from one answers what the code of its time would have
answered. So when that code changes (an event's `apply`, `ImageStream._reset`, the fields of the state's
classes or their `to_dict`/`from_dict`), the schema in `domain/stream_snapshot.py` must change with it, so the
older snapshots are skipped. This test fails on any such change until its fingerprint is updated: bump
`SCHEMA` if what a replay builds changed (or the state's encoding did), then put the new fingerprint here.
"""

from __future__ import annotations

import dataclasses
import hashlib
import inspect
from datetime import UTC, datetime

from imagestreams_server.domain.history import TagCondition, TagEvent
from imagestreams_server.domain.imagestream import ImageStream
from imagestreams_server.domain.names import StreamName
from imagestreams_server.domain.pins import Pin, SkippedMove
from imagestreams_server.domain.state import StreamState, TagStatus
from imagestreams_server.domain.stream_snapshot import SCHEMA, StreamSnapshot
from imagestreams_server.domain.tags import Source, TagSpec

STATE_CLASSES = (StreamState, TagStatus, TagEvent, TagCondition, TagSpec, Source, Pin, SkippedMove)


def fingerprint() -> str:
    parts = [inspect.getsource(ImageStream._reset)]
    for name, event in sorted(vars(ImageStream).items()):
        if inspect.isclass(event) and "apply" in vars(event):
            parts.append(f"{name}:{inspect.getsource(event.apply)}")
    for cls in STATE_CLASSES:
        parts.append(f"{cls.__name__}:{[(f.name, str(f.type)) for f in dataclasses.fields(cls)]}")
        parts += [inspect.getsource(getattr(cls, m)) for m in ("to_dict", "from_dict")]
    parts.append(inspect.getsource(StreamSnapshot))
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def test_the_snapshot_schema_moves_with_the_code_that_builds_the_state() -> None:
    assert (SCHEMA, fingerprint()) == (1, "e482a2887a5d2c1f")


def test_a_snapshot_gives_back_the_stream_it_was_taken_of() -> None:
    stream = ImageStream.create(StreamName("team", "app"), uid="u1", now=datetime(2026, 1, 1, tzinfo=UTC), actor="a")
    stream.collect_events()
    back = StreamSnapshot.take(stream).mutate(None)
    assert (back.id, back.version, back.created_on, back.modified_on) == (
        stream.id,
        stream.version,
        stream.created_on,
        stream.modified_on,
    )
    assert back.state == stream.state and back.deleted is False
