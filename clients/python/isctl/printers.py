"""Table columns of each resource, as OpenShift's printers lay them out (`oc get is`, `oc get istag`, ...)."""

from __future__ import annotations

from datetime import datetime

from imagestreams.v1 import resources_pb2 as pb

from .humanize import ago, is_set

IMAGE_STREAM_HEADERS = ("NAME", "IMAGE REPOSITORY", "TAGS", "UPDATED")
# `-o wide`: what the table leaves out.
IMAGE_STREAM_WIDE_HEADERS = ("GENERATION", "LOOKUP LOCAL", "SPEC TAGS")
IMAGE_STREAM_TAG_HEADERS = ("NAME", "IMAGE REFERENCE", "UPDATED")
IMAGE_STREAM_TAG_WIDE_HEADERS = ("IMAGE NAME",)
IMAGE_STREAM_IMAGE_HEADERS = ("NAME", "UPDATED")
IMAGE_STREAM_IMAGE_WIDE_HEADERS = ("IMAGE REFERENCE", "IMAGE NAME")

# How wide the TAGS column of `get is` aims to be before it says `+ N more...`.
TAGS_WIDTH = 40


def image_stream_row(stream: pb.ImageStream, now: datetime) -> list[str]:
    newest = max(
        (t.items[0].create_time for t in stream.status_tags if t.items),
        key=lambda ts: (ts.seconds, ts.nanos),
        default=None,
    )
    updated = ago(newest, now) if newest is not None else ""
    # As `oc get is`: the public repository when the registry has one.
    repository = stream.public_docker_image_repository or stream.image_repository
    return [stream.name, repository, tags_up_to_width(sort_status_tags(stream)), updated]


def image_stream_wide(stream: pb.ImageStream) -> list[str]:
    return [str(stream.generation), "true" if stream.lookup_local else "false", str(len(stream.spec_tags))]


def sort_status_tags(stream: pb.ImageStream) -> list[str]:
    """Status tags, the most recently moved first, ties by name. Times count in whole seconds, as on
    OpenShift, so tags moved together list alphabetically."""

    def key(tag: pb.NamedTagEventList) -> tuple[int, str]:
        if not tag.items or not is_set(tag.items[0].create_time):
            return (0, tag.tag)
        created = tag.items[0].create_time
        return (-(created.seconds + (created.nanos >= 500_000_000)), tag.tag)

    return [t.tag for t in sorted(stream.status_tags, key=key)]


def tags_up_to_width(tags: list[str], width: int = TAGS_WIDTH) -> str:
    """As many tags as fit in `width`, then `+ N more...`. At least one tag is always shown, and a tag may
    overflow by up to a quarter of the width when that leaves the edge less ragged (OpenShift's rule)."""
    shown = tags
    remaining = width
    for i, tag in enumerate(tags):
        remaining -= len(tag) + 1
        if remaining >= 0:
            continue
        if i == 0:
            shown = tags[:1]
            break
        margin = width // 4
        if margin < remaining + len(tag) and margin >= -remaining:
            continue
        shown = tags[:i]
        break
    hidden = len(tags) - len(shown)
    if hidden:
        return f"{','.join(shown)} + {hidden} more..."
    return ",".join(shown)


def image_stream_tag_name(tag: pb.ImageStreamTag) -> str:
    return f"{tag.stream}:{tag.tag}"


def image_stream_tag_row(tag: pb.ImageStreamTag, now: datetime) -> list[str]:
    return [image_stream_tag_name(tag), tag.pull_spec, ago(tag.create_time, now)]


def image_stream_tag_wide(tag: pb.ImageStreamTag) -> list[str]:
    return [tag.image.name]


def image_stream_image_name(image: pb.ImageStreamImage) -> str:
    return f"{image.stream}@{image.id}"


def image_stream_image_row(image: pb.ImageStreamImage, now: datetime) -> list[str]:
    return [image_stream_image_name(image), ago(image.image.create_time, now)]


def image_stream_image_wide(image: pb.ImageStreamImage) -> list[str]:
    return [image.image.docker_image_reference, image.image.name]
