"""What queries return: read-model state shaped for callers, with derived fields computed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.builders import BuilderTag
from ..domain.history import TagCondition, TagEvent
from ..domain.state import StreamState, TagStatus
from ..domain.tags import TagSpec


@dataclass(frozen=True)
class StreamView:
    state: StreamState
    position: int


@dataclass(frozen=True)
class ImageView:
    digest: str
    docker_image_reference: str
    created: datetime
    # As recorded: {"metadata": {...}, "layers": [...], "manifest_media_type": ..., "manifests": [...],
    # "annotations": {...}}; empty when not known yet.
    metadata: dict[str, Any]


@dataclass(frozen=True)
class TagView:
    namespace: str
    stream: str
    tag: str
    spec: TagSpec | None
    current: TagEvent | None
    conditions: list[TagCondition]
    lookup_local: bool
    image: ImageView | None
    # What clients pull: from the spec while the tag has no image at its spec's generation.
    pull_spec: str
    # The same from outside (a public registry hostname); empty when none is configured.
    public_pull_spec: str
    # The current image's pull spec, reference policy applied (what the tag's image carries).
    image_reference: str
    image_pull_policy: str
    position: int


@dataclass(frozen=True)
class DescribedTagView:
    tag: str
    aliases: list[str]
    spec: TagSpec | None
    status: TagStatus
    source_description: str
    import_pending: bool
    pull_spec: str
    image_pull_policy: str


@dataclass(frozen=True)
class StreamDescription:
    stream: StreamView
    unique_images: int
    tags: list[DescribedTagView]
    image_repository: str
    public_image_repository: str


@dataclass(frozen=True)
class StreamImageView:
    namespace: str
    stream: str
    id: str
    image: ImageView
    annotations: dict[str, str]


@dataclass(frozen=True)
class TagResult:
    specs: list[TagSpec]
    messages: list[str]
    position: int


@dataclass(frozen=True)
class BuilderView:
    """A builder of the catalog, whether it matched the query exactly, and what a build pulls for it."""

    builder: BuilderTag
    exact: bool
    pull_spec: str
