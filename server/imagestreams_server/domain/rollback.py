"""Which earlier image a rollback puts a tag back at.

Revisions number the entries of a tag's status history oldest first: 1 is the first image the tag had, the
current entry is the highest (what `describe` lists, newest first). Without a target a tag goes back to the
entry before its current one.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import FailedPrecondition, InvalidField, NotFound
from .history import TagEvent
from .names import istag_name
from .reference import digest_matches
from .state import StreamState


@dataclass(frozen=True)
class RollbackTarget:
    event: TagEvent
    revision: int


def rollback_target(state: StreamState, tag: str, to_revision: int = 0, to_image: str = "") -> RollbackTarget:
    name = istag_name(state.namespace, state.name, tag)
    if to_revision and to_image:
        raise InvalidField("to_image", "give to_revision or to_image, not both")
    if to_revision < 0:
        raise InvalidField("to_revision", f"revision {to_revision} is not a revision; revisions start at 1")
    status = state.status_tags.get(tag)
    items = status.items if status else []
    if not items:
        if tag not in state.spec_tags:
            raise NotFound("imagestreamtag", name)
        raise FailedPrecondition("NO_HISTORY", f'"{name}" has never pointed at an image', field="tag")
    count = len(items)
    if to_revision:
        if to_revision > count:
            message = f'"{name}" has revisions 1 to {count}; there is no revision {to_revision}'
            raise InvalidField("to_revision", message)
        index = count - to_revision
    elif to_image:
        matches = sorted({i for i, item in enumerate(items) if item.image and digest_matches(item.image, to_image)})
        images = {items[i].image for i in matches}
        if not images:
            raise InvalidField("to_image", f'"{to_image}" is not an image in the history of "{name}"')
        if len(images) > 1:
            raise InvalidField(
                "to_image", f'"{to_image}" matches {len(images)} images in the history of "{name}"; give more of it'
            )
        # The newest entry of that image: the pull spec the tag had for it last.
        index = matches[0]
    else:
        if count < 2:
            raise FailedPrecondition(
                "NO_EARLIER_IMAGE", f'"{name}" has had only one image; there is nothing to roll back to', field="tag"
            )
        index = 1
    event = items[index]
    if not event.image:
        raise FailedPrecondition(
            "NO_IMAGE",
            f'revision {count - index} of "{name}" is a reference to {event.docker_image_reference}, not an image; '
            "tag it again instead",
            field="to_revision" if to_revision else "tag",
        )
    return RollbackTarget(event, count - index)
