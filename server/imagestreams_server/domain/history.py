"""A tag's status history and the rule that decides whether a new event is a move or an in-place update."""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Self


@dataclass(frozen=True)
class TagEvent:
    """One entry of a tag's history: where the tag pointed, from when, for which spec generation."""

    created: datetime
    docker_image_reference: str
    image: str
    generation: int

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self  # immutable: copies of a stream share it

    def to_dict(self) -> dict[str, Any]:
        return {
            "created": self.created.isoformat(),
            "docker_image_reference": self.docker_image_reference,
            "image": self.image,
            "generation": self.generation,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TagEvent:
        return cls(
            created=datetime.fromisoformat(data["created"]),
            docker_image_reference=data["docker_image_reference"],
            image=data["image"],
            generation=int(data["generation"]),
        )


@dataclass(frozen=True)
class TagCondition:
    type: str
    status: str
    last_transition_time: datetime
    reason: str
    message: str
    generation: int

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self  # immutable: copies of a stream share it

    def to_dict(self) -> dict[str, Any]:
        return {
            "type": self.type,
            "status": self.status,
            "last_transition_time": self.last_transition_time.isoformat(),
            "reason": self.reason,
            "message": self.message,
            "generation": self.generation,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TagCondition:
        return cls(
            type=data["type"],
            status=data["status"],
            last_transition_time=datetime.fromisoformat(data["last_transition_time"]),
            reason=data["reason"],
            message=data["message"],
            generation=int(data["generation"]),
        )


class HistoryChange(enum.StrEnum):
    """What adding an event did to a history."""

    UNCHANGED = "unchanged"
    # A new current entry was prepended: the tag moved.
    MOVED = "moved"
    # The current entry was updated in place (same pull spec or same image).
    UPDATED = "updated"


def add_tag_event(items: list[TagEvent], new: TagEvent) -> tuple[list[TagEvent], HistoryChange]:
    """OpenShift's rule for a new event: compare with the current entry only.

    Same pull spec, image and generation: nothing changes. Same pull spec and image: only the generation is
    bumped. Same pull spec: the image is replaced in place. Same image: the pull spec is replaced in place.
    Anything else is prepended. History is never trimmed here, and an image deeper in the history comes back
    as a new entry.
    """
    if not items:
        return [new], HistoryChange.MOVED
    current = items[0]
    same_ref = current.docker_image_reference == new.docker_image_reference
    same_image = current.image == new.image
    if same_ref and same_image:
        if current.generation == new.generation:
            return items, HistoryChange.UNCHANGED
        updated = replace(current, generation=new.generation)
    elif same_ref:
        updated = replace(current, image=new.image, generation=new.generation)
    elif same_image:
        updated = replace(current, docker_image_reference=new.docker_image_reference, generation=new.generation)
    else:
        return [new, *items], HistoryChange.MOVED
    return [updated, *items[1:]], HistoryChange.UPDATED


class MoveCause(enum.StrEnum):
    """Why a tag moved, recorded beside who moved it."""

    # Someone pointed the tag (`isctl tag`, ImageStreamService.Tag).
    TAG = "tag"
    # The tag tracks another tag, and that one moved.
    ALIAS = "alias"
    # An import asked for (ImportImage), or the first import of a tag whose spec names a registry.
    IMPORT = "import"
    # The periodic check of a scheduled tag found a new upstream image.
    SCHEDULED_IMPORT = "scheduled-import"
    # A registry push (CreateImageStreamMapping, registry notifications).
    PUSH = "push"
    # Put back at an image of its own history (RollbackTag).
    ROLLBACK = "rollback"
    # Trimmed by pruning.
    PRUNE = "prune"
    # Written in full from a manifest (`isctl apply`, `create -f`).
    APPLY = "apply"


# The request trail of events recorded before moves carried their own cause: the RPC's name first.
_LEGACY_CAUSES = {
    "Tag": MoveCause.TAG,
    "CreateImageStream": MoveCause.APPLY,
    "ImportImage": MoveCause.IMPORT,
    "CreateImageStreamMapping": MoveCause.PUSH,
    "registry": MoveCause.PUSH,
}


def legacy_move_cause(cause: str) -> MoveCause:
    """The cause of a move recorded without one, read from its request trail (`Tag request=...`, `registry
    push`); the server's own background imports recorded no trail. An alias follow of that time cannot be
    told from the move of the tag it followed, and reads as that move's cause."""
    return _LEGACY_CAUSES.get(cause.split(" ", 1)[0], MoveCause.IMPORT if not cause else MoveCause.TAG)
