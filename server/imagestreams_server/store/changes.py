"""What the log's events mean to a watcher: one change per stream event, keyed by the event's position."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.history import TagCondition, TagEvent
from ..domain.imagestream import ImageStream, move_cause_of
from ..domain.tags import TagSpec


class ChangeKind(enum.Enum):
    TAG_UPDATED = "tag_updated"
    TAG_DELETED = "tag_deleted"
    STREAM_CREATED = "stream_created"
    STREAM_DELETED = "stream_deleted"
    SPEC_CHANGED = "spec_changed"
    IMPORT_FAILED = "import_failed"
    TAG_MOVE_SKIPPED = "tag_move_skipped"
    TAG_PIN_CHANGED = "tag_pin_changed"


@dataclass(frozen=True)
class Change:
    position: int
    kind: ChangeKind
    namespace: str
    stream: str
    # Empty for a change of the stream itself.
    tag: str
    time: datetime
    actor: str = ""
    cause: str = ""
    current: TagEvent | None = None
    previous: TagEvent | None = None
    spec: TagSpec | None = None
    condition: TagCondition | None = None
    # Part of a snapshot: describes state, not a move.
    synthetic: bool = False
    # TAG_UPDATED: why the tag moved (a MoveCause value); TAG_MOVE_SKIPPED: why it would have.
    move_cause: str = ""
    # TAG_PIN_CHANGED: the pin's reason (pinned), or None (unpinned).
    pin_reason: str | None = None


def change_of(position: int, event: Any) -> Change | None:
    """The change an event makes, or None for events watchers do not see (images are not namespaced)."""
    if not isinstance(event, ImageStream.Event):
        return None
    namespace, name = event.originator_id.removeprefix("imagestream:").split("/", 1)
    common = {
        "position": position,
        "namespace": namespace,
        "stream": name,
        "time": event.timestamp,
        "actor": event.actor,
        "cause": event.cause,
    }
    if isinstance(event, ImageStream.TagStatusChanged):
        return Change(
            kind=ChangeKind.TAG_UPDATED,
            tag=event.tag,
            current=TagEvent.from_dict(event.current),
            previous=TagEvent.from_dict(event.previous) if event.previous else None,
            move_cause=move_cause_of(event).value,
            **common,
        )
    if isinstance(event, ImageStream.TagSpecSet):
        return Change(kind=ChangeKind.SPEC_CHANGED, tag=event.tag, spec=TagSpec.from_dict(event.spec), **common)
    if isinstance(event, ImageStream.TagConditionsSet):
        if not event.conditions:
            return None  # cleared by a later success, which is its own change
        return Change(
            kind=ChangeKind.IMPORT_FAILED,
            tag=event.tag,
            condition=TagCondition.from_dict(event.conditions[0]),
            **common,
        )
    if isinstance(event, ImageStream.TagMoveSkipped):
        return Change(
            kind=ChangeKind.TAG_MOVE_SKIPPED,
            tag=event.tag,
            current=TagEvent.from_dict(event.current),
            previous=TagEvent.from_dict(event.previous) if event.previous else None,
            move_cause=event.move_cause,
            **common,
        )
    if isinstance(event, ImageStream.TagPinned):
        return Change(kind=ChangeKind.TAG_PIN_CHANGED, tag=event.tag, pin_reason=event.reason, **common)
    if isinstance(event, ImageStream.TagUnpinned):
        return Change(kind=ChangeKind.TAG_PIN_CHANGED, tag=event.tag, **common)
    if isinstance(event, ImageStream.TagDeleted):
        return Change(kind=ChangeKind.TAG_DELETED, tag=event.tag, **common)
    if isinstance(event, ImageStream.Created | ImageStream.Recreated):
        return Change(kind=ChangeKind.STREAM_CREATED, tag="", **common)
    if isinstance(event, ImageStream.Deleted):
        return Change(kind=ChangeKind.STREAM_DELETED, tag="", **common)
    if isinstance(event, ImageStream.SpecUpdated):
        return Change(kind=ChangeKind.SPEC_CHANGED, tag="", **common)
    return None


@dataclass(frozen=True)
class WatchFilter:
    namespace: str
    stream: str = ""
    tag: str = ""
    kinds: frozenset[ChangeKind] = frozenset()

    def matches(self, change: Change) -> bool:
        if change.namespace != self.namespace:
            return False
        if self.stream and change.stream != self.stream:
            return False
        # A tag watch also sees its stream's own changes (tag empty).
        if self.tag and change.tag not in ("", self.tag):
            return False
        return not self.kinds or change.kind in self.kinds
