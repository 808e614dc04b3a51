"""Write commands: each validates its input, loads what it needs, lets the domain decide, and saves once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from ..domain import limits
from ..domain.errors import AlreadyExists, FailedPrecondition, InvalidField
from ..domain.history import MoveCause
from ..domain.image import validate_image
from ..domain.imagestream import ImageStream
from ..domain.names import (
    StreamName,
    istag_name,
    parse_isimage_source,
    parse_istag_source,
    validate_namespace,
    validate_tag,
)
from ..domain.pins import Pin
from ..domain.reference import parse_pull_spec
from ..domain.tags import ImportMode, ReferencePolicy, Source, SourceKind, TagSpec
from ..store.app import EventLog
from . import unit_of_work
from .errors import ConcurrentUpdate
from .unit_of_work import Context, UnitOfWork
from .views import TagResult


@dataclass(frozen=True)
class StreamInput:
    namespace: str
    name: str
    annotations: dict[str, str] = field(default_factory=dict)
    docker_image_repository: str = ""
    lookup_local: bool = False
    spec_tags: list[TagSpec] = field(default_factory=list)


@dataclass(frozen=True)
class Destination:
    namespace: str
    stream: str
    tag: str


@dataclass(frozen=True)
class TagInput:
    namespace: str
    source: Source | None
    destinations: list[Destination]
    alias: bool = False
    scheduled: bool = False
    insecure: bool = False
    reference_policy: ReferencePolicy = ReferencePolicy.SOURCE
    reference: bool = False
    # None keeps the destination tags' annotations.
    annotations: dict[str, str] | None = None
    import_mode: ImportMode = ImportMode.LEGACY
    # Record an ImageStreamTag source as given (a spec tag written in full, as `apply -f` writes it): in
    # another stream it is copied once, in the destination's own stream it is tracked.
    keep_source: bool = False
    # Written from a manifest (`isctl apply`): the moves it makes are recorded with the cause `apply`.
    from_manifest: bool = False


@dataclass(frozen=True)
class MappingInput:
    namespace: str
    stream: str
    tag: str
    digest: str
    docker_image_reference: str
    metadata: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RollbackInput:
    namespace: str
    stream: str
    tag: str
    # Neither: the image before the current one.
    to_revision: int = 0
    to_image: str = ""


@dataclass(frozen=True)
class RollbackResult:
    spec: TagSpec
    revision: int
    image: str
    # The tag it tracked before, when it was an alias (it no longer is).
    stopped_tracking: str
    message: str
    position: int


@dataclass(frozen=True)
class PinResult:
    # None after an unpin.
    pin: Pin | None
    message: str
    position: int


UPDATABLE_PATHS = ("annotations", "docker_image_repository", "lookup_local")


class Commands:
    def __init__(
        self,
        log: EventLog,
        context: Callable[[], Context],
        new_uid: Callable[[], str],
        position_of: Callable[[StreamName], int],
    ) -> None:
        self.log = log
        self.context = context
        self.new_uid = new_uid
        # The read model's position of a stream, for expected-position checks.
        self.position_of = position_of

    def _run(self, command: Callable[[UnitOfWork], Any], **who: str) -> tuple[Any, int]:
        """Runs a command; `who` (actor, cause) overrides the default context's."""
        context = self.context
        if who:
            context = lambda: replace(self.context(), **who)  # noqa: E731 - a factory, called per attempt
        return unit_of_work.run(self.log, context, self.new_uid, command)

    # -- streams --------------------------------------------------------------------------------------------

    def create_stream(self, data: StreamInput) -> tuple[ImageStream, int]:
        name = StreamName(data.namespace, data.name)
        name.validate("image_stream")
        limits.check_annotations(data.annotations, "image_stream.annotations")
        limits.check_count("image_stream.spec_tags", len(data.spec_tags), limits.MAX_SPEC_TAGS, "spec tags")
        specs = [_validated_spec(spec, f"image_stream.spec_tags[{i}]") for i, spec in enumerate(data.spec_tags)]

        def command(unit: UnitOfWork) -> ImageStream:
            existing = unit.stream_or_none(name)
            context = unit.context
            fields = {
                "uid": unit.new_uid(),
                "now": context.now,
                "actor": context.actor,
                "cause": context.cause,
                "annotations": data.annotations,
                "docker_image_repository": data.docker_image_repository,
                "lookup_local": data.lookup_local,
            }
            try:
                if existing is None:
                    stream = ImageStream.create(name, **fields)
                    unit.add(stream)
                elif existing.deleted:
                    stream = existing
                    stream.recreate(**fields)
                else:
                    raise AlreadyExists("imagestream", str(name))
            except InvalidField as e:
                raise e.under("image_stream") from None
            for i, spec in enumerate(specs):
                prefix = f"image_stream.spec_tags[{i}]"
                try:
                    stream.set_tag(
                        spec,
                        source_stream=_spec_source_stream(unit, stream, spec),
                        now=context.now,
                        actor=context.actor,
                        cause=context.cause,
                        why=MoveCause.APPLY,
                    )
                except InvalidField as e:
                    raise InvalidField(f"{prefix}.{e.field.replace('source.', 'from.')}", e.message) from None
            return stream

        return self._run(command)

    def update_stream(self, data: StreamInput, paths: list[str], expected_position: int = 0) -> tuple[ImageStream, int]:
        name = StreamName(data.namespace, data.name)
        name.validate("image_stream")
        for i, path in enumerate(paths):
            if path not in UPDATABLE_PATHS:
                raise InvalidField(
                    f"update_mask.paths[{i}]", f'"{path}" cannot be updated; use one of {", ".join(UPDATABLE_PATHS)}'
                )
        wanted = set(paths or UPDATABLE_PATHS)
        if "annotations" in wanted:
            limits.check_annotations(data.annotations, "image_stream.annotations")

        def command(unit: UnitOfWork) -> ImageStream:
            stream = unit.stream(name)
            self._check_expected(name, expected_position)
            state = stream.state
            try:
                stream.update_spec(
                    annotations=data.annotations if "annotations" in wanted else state.annotations,
                    docker_image_repository=(
                        data.docker_image_repository
                        if "docker_image_repository" in wanted
                        else state.docker_image_repository
                    ),
                    lookup_local=data.lookup_local if "lookup_local" in wanted else state.lookup_local,
                    now=unit.context.now,
                    actor=unit.context.actor,
                    cause=unit.context.cause,
                )
            except InvalidField as e:
                raise e.under("image_stream") from None
            return stream

        return self._run(command)

    def delete_stream(self, namespace: str, name: str, expected_position: int = 0) -> int:
        stream_name = StreamName(namespace, name)
        stream_name.validate()

        def command(unit: UnitOfWork) -> None:
            stream = unit.stream(stream_name)
            self._check_expected(stream_name, expected_position)
            stream.delete(now=unit.context.now, actor=unit.context.actor, cause=unit.context.cause)

        return self._run(command)[1]

    def _check_expected(self, name: StreamName, expected_position: int) -> None:
        if expected_position and self.position_of(name) != expected_position:
            raise ConcurrentUpdate(
                f'imagestream "{name}" changed after position {expected_position} (it is at {self.position_of(name)})'
            )

    # -- tags -----------------------------------------------------------------------------------------------

    def tag(self, data: TagInput) -> TagResult:
        validate_namespace(data.namespace)
        limits.check_tag_request(len(data.destinations), data.annotations)
        source = _validated_source(data)
        destinations = _validated_destinations(data)
        if data.alias:
            _check_alias_destinations(data, source, destinations)

        def command(unit: UnitOfWork) -> tuple[list[TagSpec], list[str]]:
            context = unit.context
            resolved, source_stream = self._resolve_tag_source(unit, data, source)
            specs, messages = [], []
            for i, dest in enumerate(destinations):
                stream = unit.stream_for_write(StreamName(dest.namespace, dest.stream))
                existing = stream.spec_tags.get(dest.tag)
                if existing is None and len(stream.spec_tags) >= limits.MAX_SPEC_TAGS:
                    raise InvalidField(
                        f"destinations[{i}]",
                        f'image stream "{stream.namespace}/{stream.name}" has {len(stream.spec_tags)} spec tags, '
                        "the most a stream may have",
                    )
                annotations = data.annotations
                if annotations is None:
                    annotations = dict(existing.annotations) if existing else {}
                # A source in another namespace is named with its namespace, so the spec stays unambiguous.
                spec_source = resolved
                if source.kind is not SourceKind.DOCKER_IMAGE and resolved.namespace == "":
                    spec_source = Source(resolved.kind, resolved.name, source.namespace)
                if spec_source.namespace == dest.namespace:
                    spec_source = Source(spec_source.kind, spec_source.name, "")
                spec = TagSpec(
                    name=dest.tag,
                    source=spec_source,
                    annotations=annotations,
                    reference=data.reference,
                    insecure=data.insecure,
                    scheduled=data.scheduled,
                    import_mode=data.import_mode,
                    reference_policy=data.reference_policy,
                )
                same_stream = source_stream is None or source_stream.id == stream.id
                stream.set_tag(
                    spec,
                    source_stream=None if same_stream else source_stream,
                    now=context.now,
                    actor=context.actor,
                    cause=context.cause,
                    # `oc tag` sends a registry source with generation 0: a changed tag is imported again.
                    reimport=True,
                    why=MoveCause.APPLY if data.from_manifest else MoveCause.TAG,
                )
                specs.append(stream.spec_tags[dest.tag])
                messages.append(_tag_message(data, dest, resolved))
                if resolved.kind is SourceKind.DOCKER_IMAGE and not data.reference:
                    ref = parse_pull_spec(resolved.name, "source.name")
                    if ref.id:
                        unit.ensure_image(ref.id, ref.exact(), None)
            return specs, messages

        (specs, messages), position = self._run(command)
        return TagResult(specs=specs, messages=messages, position=position)

    def _resolve_tag_source(
        self, unit: UnitOfWork, data: TagInput, source: Source
    ) -> tuple[Source, ImageStream | None]:
        """What the destinations will record as their source and the stream it names (if any). A plain tag
        of another tag copies that tag's current image by digest, so it never follows the source later;
        `--alias` keeps the tag reference, which tracks it."""
        if source.kind is SourceKind.DOCKER_IMAGE:
            return source, None
        if source.kind is SourceKind.IMAGE_STREAM_TAG:
            parsed = parse_istag_source(source.name, "source.name")
            source_name = StreamName(source.namespace, parsed.stream)
            if data.alias:
                return Source(SourceKind.IMAGE_STREAM_TAG, source.name, source.namespace), None
            source_stream = unit.stream(source_name)
            if data.keep_source:
                # Resolved per destination when the spec is set: a copy of the source's current image, if any.
                return Source(SourceKind.IMAGE_STREAM_TAG, source.name, source.namespace), source_stream
            head = source_stream.state.current(parsed.tag)
            if head is None:
                raise FailedPrecondition(
                    "SOURCE_HAS_NO_IMAGE",
                    f'"{istag_name(source.namespace, parsed.stream, parsed.tag)}" is not currently pointing to an '
                    "image, cannot use it as the source of a tag",
                    field="source.name",
                )
            if not head.image:
                pinned = Source(SourceKind.DOCKER_IMAGE, head.docker_image_reference)
                return pinned, None
            pinned = Source(SourceKind.IMAGE_STREAM_IMAGE, f"{parsed.stream}@{head.image}", source.namespace)
            return pinned, source_stream
        parsed_image = parse_isimage_source(source.name, "source.name")
        source_stream = unit.stream(StreamName(source.namespace, parsed_image.stream))
        found = source_stream.state.resolve_image_id(parsed_image.image_id)
        # Recorded with the full digest: a prefix that is unique today may not be tomorrow.
        pinned = Source(SourceKind.IMAGE_STREAM_IMAGE, f"{parsed_image.stream}@{found.image}", source.namespace)
        return pinned, source_stream

    def rollback_tag(self, data: RollbackInput) -> RollbackResult:
        name = StreamName(data.namespace, data.stream)
        name.validate(name_field="stream")
        validate_tag(data.tag, "tag")

        def command(unit: UnitOfWork) -> tuple[TagSpec, int, str, str]:
            context = unit.context
            stream = unit.stream(name)
            tracked = stream.state.tracked_tag(data.tag) or ""
            target = stream.rollback_tag(
                data.tag,
                to_revision=data.to_revision,
                to_image=data.to_image,
                now=context.now,
                actor=context.actor,
                cause=context.cause,
            )
            return stream.spec_tags[data.tag], target.revision, target.event.image, tracked

        (spec, revision, image, tracked), position = self._run(command)
        shown = f"{data.stream}:{data.tag}"
        message = f"Tag {shown} rolled back to revision {revision} ({image})."
        if tracked:
            message = (
                f"Tag {shown} no longer tracks {data.stream}:{tracked}; it is a permanent tag now, "
                f"rolled back to revision {revision} ({image})."
            )
        return RollbackResult(spec, revision, image, tracked, message, position)

    def pin_tag(self, namespace: str, stream: str, tag: str, reason: str) -> PinResult:
        name = StreamName(namespace, stream)
        name.validate(name_field="stream")
        validate_tag(tag, "tag")

        def command(unit: UnitOfWork) -> Pin:
            context = unit.context
            target = unit.stream(name)
            target.pin_tag(tag, reason, now=context.now, actor=context.actor, cause=context.cause)
            return target.state.pins[tag]

        pin, position = self._run(command)
        return PinResult(pin, f"Tag {stream}:{tag} pinned.", position)

    def unpin_tag(self, namespace: str, stream: str, tag: str) -> PinResult:
        name = StreamName(namespace, stream)
        name.validate(name_field="stream")
        validate_tag(tag, "tag")

        def command(unit: UnitOfWork) -> bool:
            context = unit.context
            return unit.stream(name).unpin_tag(tag, now=context.now, actor=context.actor, cause=context.cause)

        unpinned, position = self._run(command)
        message = f"Tag {stream}:{tag} unpinned." if unpinned else f"Tag {stream}:{tag} was not pinned."
        return PinResult(None, message, position)

    def delete_tag(self, namespace: str, stream: str, tag: str) -> int:
        name = StreamName(namespace, stream)
        name.validate(name_field="stream")
        if not tag:
            raise InvalidField("tag", "tag is required")

        def command(unit: UnitOfWork) -> None:
            context = unit.context
            unit.stream(name).delete_tag(tag, now=context.now, actor=context.actor, cause=context.cause)

        return self._run(command)[1]

    # -- images ---------------------------------------------------------------------------------------------

    def create_mapping(self, data: MappingInput, actor: str = "", cause: str = "") -> int:
        name = StreamName(data.namespace, data.stream)
        name.validate()
        validate_tag(data.tag)
        validate_image(data.digest, data.docker_image_reference, "image")

        def command(unit: UnitOfWork) -> None:
            context = unit.context
            unit.ensure_image(data.digest, data.docker_image_reference, data.metadata)
            stream = unit.stream_for_write(name)
            stream.map_image(
                data.tag,
                docker_image_reference=data.docker_image_reference,
                image=data.digest,
                now=context.now,
                actor=context.actor,
                cause=context.cause,
            )

        who = {k: v for k, v in (("actor", actor), ("cause", cause)) if v}
        return self._run(command, **who)[1]


def _spec_source_stream(unit: UnitOfWork, stream: ImageStream, spec: TagSpec) -> ImageStream | None:
    """The other stream a spec tag's source names (NOT_FOUND when it does not exist), or None for the stream
    itself. As on OpenShift, a name without a stream (`2.0`, `@sha256:...`) means the stream's own name, in the
    source's namespace. An ImageStreamTag source in the same stream is tracked; in another stream it is a copy
    of that tag's current image when the spec is written (the tag does not follow it later)."""
    source = spec.source
    if source is None or source.kind is SourceKind.DOCKER_IMAGE:
        return None
    namespace = source.namespace or stream.namespace
    if source.kind is SourceKind.IMAGE_STREAM_TAG:
        other = parse_istag_source(source.name, "from.name").stream or stream.name
    else:
        other = parse_isimage_source(source.name, "from.name").stream or stream.name
    if namespace == stream.namespace and other == stream.name:
        return None
    return unit.stream(StreamName(namespace, other))


def _validated_source(data: TagInput) -> Source:
    source = data.source
    if source is None:
        raise InvalidField("source", "a source is required")
    if not source.name:
        raise InvalidField("source.name", "source name is required")
    namespace = source.namespace or data.namespace
    if source.namespace:
        validate_namespace(source.namespace, "source.namespace")
    if source.kind is SourceKind.DOCKER_IMAGE:
        ref = parse_pull_spec(source.name, "source.name")
        if data.alias:
            raise InvalidField("alias", "a container image cannot be aliased; alias another tag of the same stream")
        return Source(SourceKind.DOCKER_IMAGE, ref.exact())
    if data.scheduled or data.insecure:
        raise InvalidField(
            "scheduled" if data.scheduled else "insecure", "only container images can have importing flags set"
        )
    if data.reference:
        raise InvalidField("reference", "only container images can be recorded as references")
    if source.kind is SourceKind.IMAGE_STREAM_TAG:
        parsed = parse_istag_source(source.name, "source.name")
        if not parsed.stream:
            raise InvalidField("source.name", f'"{source.name}" must be of the form <stream>:<tag>')
        validate_namespace(namespace, "source.namespace")
        StreamName(namespace, parsed.stream).validate("source", name_field="name")
        return Source(SourceKind.IMAGE_STREAM_TAG, source.name, namespace)
    if data.alias:
        raise InvalidField("alias", "an image cannot be aliased; alias another tag of the same stream")
    parsed_image = parse_isimage_source(source.name, "source.name")
    if not parsed_image.stream:
        raise InvalidField("source.name", f'"{source.name}" must be of the form <stream>@<id>')
    StreamName(namespace, parsed_image.stream).validate("source")
    return Source(SourceKind.IMAGE_STREAM_IMAGE, source.name, namespace)


def _validated_destinations(data: TagInput) -> list[Destination]:
    if not data.destinations:
        raise InvalidField("destinations", "at least one destination is required")
    result = []
    for i, dest in enumerate(data.destinations):
        namespace = dest.namespace or data.namespace
        prefix = f"destinations[{i}]"
        validate_namespace(namespace, f"{prefix}.namespace")
        StreamName(namespace, dest.stream).validate(prefix, name_field="stream")
        validate_tag(dest.tag, f"{prefix}.tag")
        result.append(Destination(namespace, dest.stream, dest.tag))
    return result


def _check_alias_destinations(data: TagInput, source: Source, destinations: list[Destination]) -> None:
    parsed = parse_istag_source(source.name, "source.name")
    for i, dest in enumerate(destinations):
        if dest.namespace != source.namespace or dest.stream != parsed.stream:
            target = istag_name(dest.namespace, dest.stream, dest.tag)
            tracked = istag_name(source.namespace, parsed.stream, parsed.tag)
            raise InvalidField(
                f"destinations[{i}]",
                f'cannot set alias across different image streams: "{target}" would track "{tracked}"',
            )


def _validated_spec(spec: TagSpec, prefix: str) -> TagSpec:
    """Checks a spec tag given in full (CreateImageStream) the way the Tag command checks its flags."""
    validate_tag(spec.name, f"{prefix}.name")
    limits.check_annotations(spec.annotations, f"{prefix}.annotations")
    source = spec.source
    if source is None:
        return spec
    if not source.name:
        raise InvalidField(f"{prefix}.from.name", "source name is required")
    if source.kind is SourceKind.DOCKER_IMAGE:
        exact = parse_pull_spec(source.name, f"{prefix}.from.name").exact()
        return replace(spec, source=Source(source.kind, exact))
    if spec.scheduled:
        raise InvalidField(
            f"{prefix}.import_policy.scheduled",
            "only tags pointing to Docker repositories may be scheduled for background import",
        )
    if source.kind is SourceKind.IMAGE_STREAM_TAG:
        parse_istag_source(source.name, f"{prefix}.from.name")
    else:
        parse_isimage_source(source.name, f"{prefix}.from.name")
    return spec


def _tag_message(data: TagInput, dest: Destination, source: Source) -> str:
    shown_source = source.name
    if source.kind is not SourceKind.DOCKER_IMAGE and source.namespace not in ("", dest.namespace):
        shown_source = f"{source.namespace}/{source.name}"
    target = f"{dest.stream}:{dest.tag}"
    if dest.namespace != data.namespace:
        target = f"{dest.namespace}/{target}"
    if data.alias:
        return f"Tag {target} set up to track {shown_source}."
    if data.scheduled:
        return f"Tag {target} set to import {shown_source} periodically."
    return f"Tag {target} set to {shown_source}."
