"""The state of one image stream, and the questions both the aggregate and the read side ask of it."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .errors import FailedPrecondition, NotFound
from .history import TagCondition, TagEvent
from .names import StreamName, isimage_name
from .pins import Pin, SkippedMove
from .reference import digest_matches
from .tags import SourceKind, TagSpec

# A stream annotated `openshift.io/image.insecureRepository: "true"` may be imported over plain HTTP.
INSECURE_ANNOTATION = "openshift.io/image.insecureRepository"


@dataclass
class TagStatus:
    items: list[TagEvent] = field(default_factory=list)
    conditions: list[TagCondition] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "items": [i.to_dict() for i in self.items],
            "conditions": [c.to_dict() for c in self.conditions],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TagStatus:
        return cls(
            items=[TagEvent.from_dict(i) for i in data.get("items", [])],
            conditions=[TagCondition.from_dict(c) for c in data.get("conditions", [])],
        )


@dataclass
class StreamState:
    namespace: str
    name: str
    uid: str = ""
    created: datetime | None = None
    generation: int = 1
    annotations: dict[str, str] = field(default_factory=dict)
    docker_image_repository: str = ""
    lookup_local: bool = False
    spec_tags: dict[str, TagSpec] = field(default_factory=dict)
    status_tags: dict[str, TagStatus] = field(default_factory=dict)
    # Pinned tags, and the last move a pin left alone per tag (until the tag moves again).
    pins: dict[str, Pin] = field(default_factory=dict)
    skipped: dict[str, SkippedMove] = field(default_factory=dict)

    def __deepcopy__(self, memo: dict[int, Any]) -> StreamState:
        # Commands work on copies of cached streams. History entries and spec tags are immutable, so a copy
        # needs new containers only: copying is a handful of list copies, however long the history.
        return replace(
            self,
            annotations=dict(self.annotations),
            spec_tags=dict(self.spec_tags),
            pins=dict(self.pins),
            skipped=dict(self.skipped),
            status_tags={
                tag: TagStatus(list(status.items), list(status.conditions)) for tag, status in self.status_tags.items()
            },
        )

    @property
    def stream_name(self) -> StreamName:
        return StreamName(self.namespace, self.name)

    def tag_names(self) -> list[str]:
        """Every tag that has a spec or a status, by name."""
        return sorted(set(self.spec_tags) | set(self.status_tags))

    def current(self, tag: str) -> TagEvent | None:
        status = self.status_tags.get(tag)
        return status.items[0] if status and status.items else None

    def tracked_tag(self, tag: str) -> str | None:
        spec = self.spec_tags.get(tag)
        return spec.tracked_tag(self.namespace, self.name) if spec else None

    def trackers_of(self, tag: str) -> list[str]:
        """Tags of this stream that track `tag` directly, by name."""
        return sorted(name for name in self.spec_tags if name != tag and self.tracked_tag(name) == tag)

    def waiting_for_import(self, tag: str) -> bool:
        """Whether a tag's registry source (named by tag) has a spec generation no import has answered yet,
        with an image or with a failure: `describe` shows it as importing, and the server imports it."""
        spec = self.spec_tags.get(tag)
        if spec is None or spec.reference or spec.source is None or spec.source.kind is not SourceKind.DOCKER_IMAGE:
            return False
        current = self.current(tag)
        status = self.status_tags.get(tag)
        conditions = status.conditions if status else []
        observed = max([current.generation if current else 0, *(c.generation for c in conditions)])
        return spec.generation > observed

    def insecure_allowed(self, tag: str = "", requested: bool = False) -> bool:
        """Whether an import of `tag` may use plain HTTP: asked for by the request (`import-image --insecure`),
        or the stream's insecure-repository annotation, or the tag's own insecure import policy. The same on
        every import path (asked for, background, scheduled, repository); read, never copied into the spec."""
        spec = self.spec_tags.get(tag) if tag else None
        return requested or self.annotations.get(INSECURE_ANNOTATION) == "true" or bool(spec and spec.insecure)

    def last_import_failed(self, tag: str) -> bool:
        """Whether the latest word on a tag is a failed import (an `ImportSuccess=False` condition)."""
        status = self.status_tags.get(tag)
        return bool(status) and any(c.type == "ImportSuccess" and c.status == "False" for c in status.conditions)

    def images(self) -> dict[str, TagEvent]:
        """Every distinct image in the status history, with its newest event."""
        found: dict[str, TagEvent] = {}
        for status in self.status_tags.values():
            for item in status.items:
                if item.image and (item.image not in found or item.created > found[item.image].created):
                    found[item.image] = item
        return found

    def resolve_image_id(self, query: str) -> TagEvent:
        """The one image of this stream whose digest starts with `query` (with or without `sha256:`).
        No match is NOT_FOUND; more than one is an error that says how many match."""
        matches = {digest: item for digest, item in self.images().items() if digest_matches(digest, query)}
        if not matches:
            raise NotFound("imagestreamimage", isimage_name(self.namespace, self.name, query))
        if len(matches) > 1:
            digests = sorted(matches)
            raise FailedPrecondition(
                "AMBIGUOUS_IMAGE_PREFIX",
                f'{len(digests)} images of imagestream "{self.namespace}/{self.name}" match the prefix '
                f'"{query}": {", ".join(digests)}',
                field="id",
                metadata={"prefix": query, "matches": str(len(digests))},
            )
        return next(iter(matches.values()))

    def header_dict(self) -> dict[str, Any]:
        """The stream without its tags' specs and statuses (with their pins)."""
        pins = {
            "pins": {k: v.to_dict() for k, v in sorted(self.pins.items())},
            "skipped": {k: v.to_dict() for k, v in sorted(self.skipped.items())},
        }
        return {
            **(pins if self.pins or self.skipped else {}),
            "namespace": self.namespace,
            "name": self.name,
            "uid": self.uid,
            "created": self.created.isoformat() if self.created else None,
            "generation": self.generation,
            "annotations": dict(self.annotations),
            "docker_image_repository": self.docker_image_repository,
            "lookup_local": self.lookup_local,
        }

    def to_dict(self) -> dict[str, Any]:
        return {
            **self.header_dict(),
            "spec_tags": {k: v.to_dict() for k, v in sorted(self.spec_tags.items())},
            "status_tags": {k: v.to_dict() for k, v in sorted(self.status_tags.items())},
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> StreamState:
        return cls(
            namespace=data["namespace"],
            name=data["name"],
            uid=data["uid"],
            created=datetime.fromisoformat(data["created"]) if data.get("created") else None,
            generation=int(data["generation"]),
            annotations=dict(data.get("annotations") or {}),
            docker_image_repository=data.get("docker_image_repository", ""),
            lookup_local=bool(data.get("lookup_local", False)),
            spec_tags={k: TagSpec.from_dict(v) for k, v in data.get("spec_tags", {}).items()},
            status_tags={k: TagStatus.from_dict(v) for k, v in data.get("status_tags", {}).items()},
            pins={k: Pin.from_dict(v) for k, v in data.get("pins", {}).items()},
            skipped={k: SkippedMove.from_dict(v) for k, v in data.get("skipped", {}).items()},
        )
