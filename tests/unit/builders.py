"""Fixed clocks, digests and small builders shared by the domain unit tests. Nothing here reads a clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from imagestreams_server.domain.history import TagEvent
from imagestreams_server.domain.imagestream import ImageStream
from imagestreams_server.domain.names import StreamName
from imagestreams_server.domain.tags import Source, SourceKind, TagSpec

NOW = datetime(2024, 5, 6, 7, 8, 9, tzinfo=UTC)
LATER = NOW + timedelta(minutes=5)
LATEST = NOW + timedelta(hours=1)

ACTOR = "system:test"


def digest(seed: str, algorithm: str = "sha256") -> str:
    """A well-formed digest whose hex starts with `seed` (hex characters only) and is padded with zeros."""
    length = {"sha256": 64, "sha384": 96, "sha512": 128}[algorithm]
    return f"{algorithm}:{seed.ljust(length, '0')}"


D1 = digest("aa11")
D2 = digest("bb22")
D3 = digest("cc33")
D4 = digest("aa19")  # shares the prefix "aa1" with D1


def event(ref: str, image: str, generation: int = 1, created: datetime = NOW) -> TagEvent:
    return TagEvent(created=created, docker_image_reference=ref, image=image, generation=generation)


def new_stream(namespace: str = "team", name: str = "ruby", *, uid: str = "uid-1") -> ImageStream:
    """A freshly created stream with its Created event already collected."""
    stream = ImageStream.create(StreamName(namespace, name), uid=uid, now=NOW, actor=ACTOR)
    stream.collect_events()
    return stream


def docker(name: str, tag: str = "", **kwargs: object) -> TagSpec:
    """A spec tag `tag` whose source is the container image `name`."""
    return TagSpec(tag or "latest", Source(SourceKind.DOCKER_IMAGE, name), **kwargs)  # type: ignore[arg-type]


def alias(tag: str, target: str, namespace: str = "") -> TagSpec:
    """A spec tag that tracks `target` (`tag` or `stream:tag`) of the same stream."""
    return TagSpec(tag, Source(SourceKind.IMAGE_STREAM_TAG, target, namespace))


def isimage(tag: str, name: str, namespace: str = "") -> TagSpec:
    return TagSpec(tag, Source(SourceKind.IMAGE_STREAM_IMAGE, name, namespace))


def set_tag(stream: ImageStream, spec: TagSpec, *, source: ImageStream | None = None, now: datetime = NOW) -> bool:
    return stream.set_tag(spec, source_stream=source, now=now, actor=ACTOR)


def push(stream: ImageStream, tag: str, image: str, ref: str = "", *, now: datetime = NOW) -> bool:
    """Records `image` at `tag` as a registry push does (ImageStreamMapping)."""
    pull_spec = ref or f"registry.local/{stream.namespace}/{stream.name}@{image}"
    return stream.map_image(tag, docker_image_reference=pull_spec, image=image, now=now, actor=ACTOR)


def event_names(stream: ImageStream) -> list[str]:
    """Names of the pending events, collecting them."""
    return [type(e).__name__ for e in stream.collect_events()]


def head(stream: ImageStream, tag: str) -> TagEvent | None:
    return stream.state.current(tag)


def image_of(stream: ImageStream, tag: str) -> str | None:
    current = stream.state.current(tag)
    return current.image if current else None


def stream_name(namespace: str = "team", name: str = "ruby") -> StreamName:
    return StreamName(namespace, name)
