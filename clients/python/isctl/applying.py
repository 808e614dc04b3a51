"""What `isctl apply` changes so an existing stream matches its definition (pure: no calls are made here).

The stream fields the definition gives (annotations, dockerImageRepository, lookupPolicy.local) go through
one UpdateImageStream with a mask of those that differ. Each spec tag that differs from the stream's goes
through a Tag call: a tag of the same stream (ImageStreamTag, `2.0` or `ruby:2.0`) is tracked (an alias), a
tag of another stream or project (`namespace: openshift`, `ruby:2.0`) is kept as written and its current image
copied once, as OpenShift does for a spec tag; an image of a stream (ImageStreamImage) or a registry image
(DockerImage) is tagged as it is. Fields and tags the definition leaves out are left as they are.
"""

from __future__ import annotations

from dataclasses import dataclass

from imagestreams.references import DockerImageReference, ReferenceError
from imagestreams.v1 import resources_pb2 as pb

from .openshift_shape import Problem, ShapeError, StreamDefinition


@dataclass(frozen=True)
class TagCall:
    """One Tag call: point `tag.name` at `source` with the wanted flags. `path` is where the tag is in the
    stream's definition (`spec.tags[1]`)."""

    path: str
    tag: pb.TagReference
    source: pb.ObjectReference
    alias: bool
    # An ImageStreamTag of another stream: recorded as written (a one-time copy), not as the image it names.
    keep_source: bool = False


@dataclass(frozen=True)
class Changes:
    update_mask: tuple[str, ...]
    tags: tuple[TagCall, ...]

    @property
    def empty(self) -> bool:
        return not self.update_mask and not self.tags


def plan_changes(definition: StreamDefinition, current: pb.ImageStream) -> Changes:
    """The calls that make `current` match `definition`. Raises ShapeError for a change no call can make
    (a tag without a source on an existing stream: Tag needs a source)."""
    wanted = definition.stream
    mask = []
    if "annotations" in definition.given and dict(wanted.annotations) != dict(current.annotations):
        mask.append("annotations")
    if "docker_image_repository" in definition.given and (
        wanted.docker_image_repository != current.docker_image_repository
    ):
        mask.append("docker_image_repository")
    if "lookup_local" in definition.given and wanted.lookup_local != current.lookup_local:
        mask.append("lookup_local")

    existing = {t.name: t for t in current.spec_tags}
    calls: list[TagCall] = []
    problems: list[Problem] = []
    for path, tag in zip(definition.tag_paths, wanted.spec_tags, strict=True):
        now = existing.get(tag.name)
        if now is not None and same_tag(tag, now, current):
            continue
        if not tag.HasField("from"):
            problems.append(
                Problem(
                    definition.locate(f"{path}.from"),
                    "required to add or change a tag of an existing image stream (a tag without a source "
                    "can only be given when the stream is created)",
                )
            )
            continue
        source, alias = tag_source(tag, current.name, current.namespace)
        keep = source.kind == pb.SOURCE_KIND_IMAGE_STREAM_TAG and not alias
        calls.append(TagCall(path, tag, source, alias, keep_source=keep))
    if problems:
        raise ShapeError(problems)
    return Changes(tuple(mask), tuple(calls))


def tag_source(tag: pb.TagReference, stream: str, namespace: str = "") -> tuple[pb.ObjectReference, bool]:
    """The Tag call's source for a spec tag's `from`, and whether the tag tracks it (an alias). In a spec, a
    tag reference names a tag (`2.0`, or `ruby:2.0`; the stream's own name when none is given) that the tag
    follows when it is in the same stream; the Tag call wants the stream spelled out."""
    source = getattr(tag, "from")
    if source.kind == pb.SOURCE_KIND_IMAGE_STREAM_TAG:
        name = source.name if ":" in source.name else f"{stream}:{source.name}"
        same_stream = source.namespace in ("", namespace) and name.split(":", 1)[0] == stream
        return pb.ObjectReference(kind=source.kind, namespace=source.namespace, name=name), same_stream
    if source.kind == pb.SOURCE_KIND_IMAGE_STREAM_IMAGE:
        name = source.name if "@" in source.name else f"{stream}@{source.name}"
        return pb.ObjectReference(kind=source.kind, namespace=source.namespace, name=name), False
    return pb.ObjectReference(kind=source.kind, name=source.name), False


def same_tag(wanted: pb.TagReference, current: pb.TagReference, stream: pb.ImageStream) -> bool:
    """Whether the stream's spec tag already is what the definition asks. Defaults compare equal to their
    explicit values, and annotations count only when the definition gives some (Tag cannot clear them)."""
    if _policies(wanted) != _policies(current):
        return False
    if wanted.annotations and dict(wanted.annotations) != dict(current.annotations):
        return False
    if wanted.HasField("from") != current.HasField("from"):
        return False
    if not wanted.HasField("from"):
        return True
    return _same_source(getattr(wanted, "from"), getattr(current, "from"), stream)


def _policies(tag: pb.TagReference) -> tuple[bool, bool, bool, int, int]:
    return (
        tag.reference,
        tag.import_policy.insecure,
        tag.import_policy.scheduled,
        tag.import_policy.import_mode or pb.IMPORT_MODE_LEGACY,
        tag.reference_policy.type or pb.REFERENCE_POLICY_TYPE_SOURCE,
    )


def _same_source(wanted: pb.ObjectReference, current: pb.ObjectReference, stream: pb.ImageStream) -> bool:
    if wanted.kind != current.kind:
        return False
    if wanted.kind == pb.SOURCE_KIND_DOCKER_IMAGE:
        return _exact(wanted.name) == _exact(current.name)
    if _namespace(wanted, stream) != _namespace(current, stream):
        return False
    separator = ":" if wanted.kind == pb.SOURCE_KIND_IMAGE_STREAM_TAG else "@"
    wanted_stream, wanted_id = _split(wanted.name, separator, stream.name)
    current_stream, current_id = _split(current.name, separator, stream.name)
    if wanted_stream != current_stream:
        return False
    if separator == "@":
        # The server records an image by its full digest; the definition may give a unique prefix.
        return current_id.removeprefix("sha256:").startswith(wanted_id.removeprefix("sha256:"))
    return wanted_id == current_id


def _exact(pull_spec: str) -> str:
    try:
        return DockerImageReference.parse(pull_spec).exact()
    except ReferenceError:
        return pull_spec


def _namespace(reference: pb.ObjectReference, stream: pb.ImageStream) -> str:
    return "" if reference.namespace in ("", stream.namespace) else reference.namespace


def _split(name: str, separator: str, stream: str) -> tuple[str, str]:
    head, found, tail = name.partition(separator)
    return (head, tail) if found else (stream, name)
