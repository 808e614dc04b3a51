"""Pinned tags: a tag held where it is during an incident, and the moves that were left alone meanwhile.

While a tag is pinned only explicit changes move it (Tag, apply, RollbackTag, and the import that answers a
spec such a change just wrote); imports, pushes and alias follows are recorded as skipped moves instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self

from .errors import InvalidField
from .history import MoveCause, TagEvent

# Causes that move a pinned tag: somebody with the right said where the tag goes.
EXPLICIT_CAUSES = frozenset({MoveCause.TAG, MoveCause.APPLY, MoveCause.ROLLBACK})
MAX_REASON_CHARACTERS = 1024


@dataclass(frozen=True)
class Pin:
    reason: str
    actor: str
    since: datetime

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"reason": self.reason, "actor": self.actor, "since": self.since.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Pin:
        return cls(data["reason"], data["actor"], datetime.fromisoformat(data["since"]))


@dataclass(frozen=True)
class SkippedMove:
    """The last move a pin left alone, and how many it left alone since the tag last moved."""

    event: TagEvent
    move_cause: str
    actor: str
    time: datetime
    count: int

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self

    def to_dict(self) -> dict[str, Any]:
        return {
            "event": self.event.to_dict(),
            "move_cause": self.move_cause,
            "actor": self.actor,
            "time": self.time.isoformat(),
            "count": self.count,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SkippedMove:
        return cls(
            TagEvent.from_dict(data["event"]),
            data["move_cause"],
            data["actor"],
            datetime.fromisoformat(data["time"]),
            int(data["count"]),
        )


def validate_reason(reason: str) -> None:
    if len(reason) > MAX_REASON_CHARACTERS:
        raise InvalidField("reason", f"{len(reason)} characters; at most {MAX_REASON_CHARACTERS} are allowed")
