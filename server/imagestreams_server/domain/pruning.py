"""Pruning as `oc adm prune images` decides it: which status history entries of a tag are trimmed, and which
images no stream refers to any more. Pure: the caller gives the streams, the images and the time."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .errors import InvalidField
from .history import TagEvent
from .state import StreamState

DEFAULT_KEEP_TAG_REVISIONS = 3
DEFAULT_KEEP_YOUNGER_THAN = timedelta(minutes=60)
# Older than anything a stream holds; beyond it the cutoff would fall before the calendar's first year.
MAX_KEEP_YOUNGER_THAN = timedelta(days=36525)


@dataclass(frozen=True)
class PruneOptions:
    keep_tag_revisions: int = DEFAULT_KEEP_TAG_REVISIONS
    keep_younger_than: timedelta = DEFAULT_KEEP_YOUNGER_THAN
    # OpenShift's --all: images imported from other registries are pruned too; False prunes only images
    # pushed to the registry this service fronts ("managed" images).
    all: bool = True
    # Empty: every namespace, images included; a namespace trims its streams only (as `--namespace` does).
    namespace: str = ""

    def validate(self) -> None:
        if self.keep_tag_revisions < 0:
            raise InvalidField("keep_tag_revisions", "keep_tag_revisions must not be negative")
        if self.keep_younger_than < timedelta(0):
            raise InvalidField("keep_younger_than", "keep_younger_than must not be negative")
        if self.keep_younger_than > MAX_KEEP_YOUNGER_THAN:
            raise InvalidField("keep_younger_than", "keep_younger_than must be at most 100 years")


@dataclass(frozen=True)
class ImageFacts:
    """What pruning needs to know of an image."""

    digest: str
    created: datetime
    # Pushed to the registry this service fronts.
    managed: bool
    # The digests of a manifest list's children (kept while the list is).
    children: tuple[str, ...] = ()
    docker_image_reference: str = ""


@dataclass(frozen=True)
class TrimmedTag:
    namespace: str
    stream: str
    tag: str
    # Status history entries removed, newest first, with their revision (the history numbered oldest first
    # from 1, as rollback counts).
    removed: tuple[tuple[int, TagEvent], ...]


@dataclass
class PrunePlan:
    tags: list[TrimmedTag] = field(default_factory=list)
    images: list[ImageFacts] = field(default_factory=list)


def trim_stream(
    state: StreamState, images: Mapping[str, ImageFacts] | None, options: PruneOptions, now: datetime
) -> list[TrimmedTag]:
    """Stage 1 for one stream: for each tag, the entries pruning removes. OpenShift's order per entry (r = 0
    is the current one): kept if created after the cutoff; the current entry is kept (it is what the tag's
    users pull: this service sees no pods, so a current entry always counts as in use); an entry whose image
    is unknown is dropped (`images` None: not checked); kept if r < keep_tag_revisions; dropped otherwise.
    A stream younger than the cutoff is left alone."""
    cutoff = now - options.keep_younger_than
    if state.created is not None and state.created > cutoff:
        return []
    trimmed = []
    for tag in sorted(state.status_tags):
        removed = []
        items = state.status_tags[tag].items
        for index, item in enumerate(items):
            if item.created > cutoff or index == 0:
                continue
            missing = images is not None and bool(item.image) and item.image not in images
            if not missing and index < options.keep_tag_revisions:
                continue
            removed.append((len(items) - index, item))
        if removed:
            trimmed.append(TrimmedTag(state.namespace, state.name, tag, tuple(removed)))
    return trimmed


def referenced_images(states: Iterable[StreamState], trimmed: Iterable[TrimmedTag]) -> set[str]:
    """Digests every stream's status still refers to once `trimmed` is removed (and a pinned tag's skipped
    move, which describe still shows)."""
    removed = {(t.namespace, t.stream, t.tag, item) for t in trimmed for _, item in t.removed}
    used = set()
    for state in states:
        for tag, status in state.status_tags.items():
            used.update(
                item.image
                for item in status.items
                if item.image and (state.namespace, state.name, tag, item) not in removed
            )
        used.update(move.event.image for move in state.skipped.values() if move.event.image)
    return used


def unreferenced_images(
    images: Mapping[str, ImageFacts], used: set[str], options: PruneOptions, now: datetime
) -> list[ImageFacts]:
    """Stage 2: images no stream refers to (children of a list still referred to count as referred to),
    older than the cutoff, and managed unless `all`. Only a run over every namespace removes images."""
    if options.namespace:
        return []
    cutoff = now - options.keep_younger_than
    kept = set(used)
    for digest in used:
        if digest in images:
            kept.update(images[digest].children)
    return [
        image
        for digest, image in sorted(images.items())
        if digest not in kept and image.created <= cutoff and (options.all or image.managed)
    ]


def beyond_limit(state: StreamState, limit: int) -> dict[str, list[TagEvent]]:
    """The status history limit (`--max-status-history`): per tag, the entries beyond the newest `limit`
    (oldest last, as the status holds them). The current entry always stays, so a limit of 1 keeps it alone;
    0 is no limit."""
    if limit <= 0:
        return {}
    return {tag: status.items[limit:] for tag, status in sorted(state.status_tags.items()) if len(status.items) > limit}
