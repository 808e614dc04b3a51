"""The Image aggregate: one per manifest digest, created once, filled in when its metadata becomes known."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .base import TextIdAggregate
from .errors import InvalidField
from .reference import ReferenceError, parse_pull_spec, validate_digest


def image_id(digest: str) -> str:
    return f"image:{digest}"


class Image(TextIdAggregate):
    """Content-addressed: the digest is the identity, so two writers creating the same image agree."""

    TOPIC = "imagestreams:Image"

    digest: str
    docker_image_reference: str
    created: datetime
    # The config-derived metadata, layers, manifest media type, list children and annotations; empty until
    # known. Kept as plain data: the api layer owns its shape on the wire.
    metadata: dict[str, Any]

    class Event(TextIdAggregate.Event):
        TOPIC = "imagestreams:Image.Event"
        actor: str

    class Created(Event, TextIdAggregate.Created):
        TOPIC = "imagestreams:Image.Created"
        digest: str
        docker_image_reference: str
        metadata: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            aggregate.digest = self.digest
            aggregate.docker_image_reference = self.docker_image_reference
            aggregate.created = self.timestamp
            aggregate.metadata = dict(self.metadata)

    class MetadataRecorded(Event):
        TOPIC = "imagestreams:Image.MetadataRecorded"
        metadata: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            aggregate.metadata = dict(self.metadata)

    class Deleted(Event):
        """Pruned: no stream referred to it. Its events stay in the log; reads answer NOT_FOUND."""

        TOPIC = "imagestreams:Image.Deleted"

        def apply(self, aggregate: Any) -> None:
            aggregate.deleted = True

    class Restored(Event):
        """Recorded again after it was pruned (pushed or imported again): as if created anew."""

        TOPIC = "imagestreams:Image.Restored"
        docker_image_reference: str
        metadata: dict[str, Any]

        def apply(self, aggregate: Any) -> None:
            aggregate.deleted = False
            aggregate.docker_image_reference = self.docker_image_reference
            aggregate.created = self.timestamp
            aggregate.metadata = dict(self.metadata)

    # Class level as well, so images recorded before deletions existed read as not deleted.
    deleted: bool = False

    def __init__(self) -> None:
        self.metadata = {}
        self.deleted = False

    @classmethod
    def create(
        cls,
        digest: str,
        *,
        docker_image_reference: str,
        metadata: dict[str, Any] | None,
        now: datetime,
        actor: str,
        field_prefix: str = "image",
    ) -> Image:
        validate_image(digest, docker_image_reference, field_prefix)
        return cls._create(
            cls.Created,
            id=image_id(digest),
            timestamp=now,
            digest=digest,
            docker_image_reference=docker_image_reference,
            metadata=dict(metadata or {}),
            actor=actor,
        )

    def delete(self, *, now: datetime, actor: str) -> bool:
        if self.deleted:
            return False
        self.trigger_event(self.Deleted, timestamp=now, actor=actor)
        return True

    def restore(
        self, docker_image_reference: str, metadata: dict[str, Any] | None, *, now: datetime, actor: str
    ) -> None:
        self.trigger_event(
            self.Restored,
            timestamp=now,
            docker_image_reference=docker_image_reference,
            metadata=dict(metadata or {}),
            actor=actor,
        )

    @property
    def metadata_known(self) -> bool:
        return bool(self.metadata)

    def record_metadata(self, metadata: dict[str, Any], *, now: datetime, actor: str) -> bool:
        """Metadata of an image is fixed by its digest: it is recorded once, when first known."""
        if self.metadata or not metadata:
            return False
        self.trigger_event(self.MetadataRecorded, timestamp=now, metadata=dict(metadata), actor=actor)
        return True


def validate_image(digest: str, docker_image_reference: str, field_prefix: str) -> None:
    if not digest:
        raise InvalidField(f"{field_prefix}.name", "image name (its digest) is required")
    try:
        validate_digest(digest)
    except ReferenceError as e:
        raise InvalidField(f"{field_prefix}.name", f'invalid image digest "{digest}": {e}') from None
    if not docker_image_reference:
        raise InvalidField(f"{field_prefix}.docker_image_reference", "docker image reference is required")
    ref = parse_pull_spec(docker_image_reference, f"{field_prefix}.docker_image_reference")
    if ref.id and ref.id != digest:
        # A pull spec pinned to another image would hand out a pull spec for an image that is not this one.
        raise InvalidField(
            f"{field_prefix}.docker_image_reference",
            f'the reference is pinned to {ref.id}, not to the image "{digest}"',
        )
