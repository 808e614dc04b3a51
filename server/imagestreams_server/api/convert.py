"""Protobuf messages <-> application objects. The only module besides the servicer that knows protobuf."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from google.protobuf import json_format
from google.protobuf.timestamp_pb2 import Timestamp
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from ..application.views import (
    BuilderView,
    DescribedTagView,
    ImageView,
    StreamDescription,
    StreamImageView,
    TagView,
)
from ..domain.errors import InvalidField
from ..domain.history import TagCondition, TagEvent
from ..domain.pins import Pin, SkippedMove
from ..domain.state import StreamState, TagStatus
from ..domain.tags import ImportMode, ReferencePolicy, Source, SourceKind, TagSpec
from ..store.readmodel import TagMove

SOURCE_KINDS = {
    pb.SOURCE_KIND_DOCKER_IMAGE: SourceKind.DOCKER_IMAGE,
    pb.SOURCE_KIND_IMAGE_STREAM_TAG: SourceKind.IMAGE_STREAM_TAG,
    pb.SOURCE_KIND_IMAGE_STREAM_IMAGE: SourceKind.IMAGE_STREAM_IMAGE,
}
SOURCE_KINDS_PB = {v: k for k, v in SOURCE_KINDS.items()}
REFERENCE_POLICIES = {
    pb.REFERENCE_POLICY_TYPE_UNSPECIFIED: ReferencePolicy.SOURCE,
    pb.REFERENCE_POLICY_TYPE_SOURCE: ReferencePolicy.SOURCE,
    pb.REFERENCE_POLICY_TYPE_LOCAL: ReferencePolicy.LOCAL,
}
REFERENCE_POLICIES_PB = {
    ReferencePolicy.SOURCE: pb.REFERENCE_POLICY_TYPE_SOURCE,
    ReferencePolicy.LOCAL: pb.REFERENCE_POLICY_TYPE_LOCAL,
}
IMPORT_MODES = {
    pb.IMPORT_MODE_UNSPECIFIED: ImportMode.LEGACY,
    pb.IMPORT_MODE_LEGACY: ImportMode.LEGACY,
    pb.IMPORT_MODE_PRESERVE_ORIGINAL: ImportMode.PRESERVE_ORIGINAL,
}
IMPORT_MODES_PB = {
    ImportMode.LEGACY: pb.IMPORT_MODE_LEGACY,
    ImportMode.PRESERVE_ORIGINAL: pb.IMPORT_MODE_PRESERVE_ORIGINAL,
}

KIND_VALUES = "valid values are SOURCE_KIND_DOCKER_IMAGE, SOURCE_KIND_IMAGE_STREAM_TAG, SOURCE_KIND_IMAGE_STREAM_IMAGE"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def timestamp(value: datetime | None) -> Timestamp | None:
    if value is None:
        return None
    ts = Timestamp()
    set_timestamp(ts, value)
    return ts


def set_timestamp(target: Timestamp, value: datetime) -> None:
    """What `target.FromDatetime(value)` sets (a naive `value` taken as UTC, as there), without the time tuple
    it builds: a large answer converts thousands of history entries' times, and this costs a fraction of it.
    The whole seconds since the epoch are the floor of the exact difference, as `calendar.timegm` of the UTC
    time tuple gives them; the nanos are the microseconds of `value` itself, as there."""
    delta = (value if value.tzinfo is not None else value.replace(tzinfo=UTC)) - _EPOCH
    seconds = delta.days * 86_400 + delta.seconds
    if not TIMESTAMP_SECONDS[0] <= seconds <= TIMESTAMP_SECONDS[1]:
        target.FromDatetime(value)  # out of a Timestamp's range: fails as it does
        return
    target.seconds = seconds
    target.nanos = value.microsecond * 1000


def enum_value(mapping: dict[int, Any], value: int, field: str) -> Any:
    if value not in mapping:
        raise InvalidField(field, f"unknown value {value}")
    return mapping[value]


# -- requests -> application --------------------------------------------------------------------------------


def source_from_pb(ref: pb.ObjectReference, field: str) -> Source:
    if ref.kind == pb.SOURCE_KIND_UNSPECIFIED:
        raise InvalidField(f"{field}.kind", f"source kind is required: {KIND_VALUES}")
    return Source(enum_value(SOURCE_KINDS, ref.kind, f"{field}.kind"), ref.name, ref.namespace)


def tag_spec_from_pb(tag: pb.TagReference, field: str) -> TagSpec:
    return TagSpec(
        name=tag.name,
        source=source_from_pb(getattr(tag, "from"), f"{field}.from") if tag.HasField("from") else None,
        annotations=dict(tag.annotations),
        reference=tag.reference,
        insecure=tag.import_policy.insecure,
        scheduled=tag.import_policy.scheduled,
        import_mode=enum_value(IMPORT_MODES, tag.import_policy.import_mode, f"{field}.import_policy.import_mode"),
        reference_policy=enum_value(REFERENCE_POLICIES, tag.reference_policy.type, f"{field}.reference_policy.type"),
    )


# The range a Timestamp may hold (years 1 to 9999), as the protobuf JSON mapping defines it.
TIMESTAMP_SECONDS = (-62_135_596_800, 253_402_300_799)


def check_timestamp(value: Timestamp, field: str) -> None:
    """A timestamp the JSON mapping can write, or INVALID_ARGUMENT naming the field (not a ValueError later)."""
    low, high = TIMESTAMP_SECONDS
    if not (low <= value.seconds <= high and 0 <= value.nanos <= 999_999_999):
        raise InvalidField(field, "a timestamp between years 1 and 9999, with nanos from 0 to 999999999")


def image_metadata_from_pb(image: pb.Image, field: str = "image") -> dict[str, Any]:
    """What the Image message says beyond its name and pull spec, kept as plain data."""
    check_timestamp(image.create_time, f"{field}.create_time")
    check_timestamp(image.metadata.created, f"{field}.metadata.created")
    data = json_format.MessageToDict(image, preserving_proto_field_name=True)
    for key in ("name", "docker_image_reference", "create_time", "metadata_known"):
        data.pop(key, None)
    return data


# -- application -> responses -------------------------------------------------------------------------------


def tag_reference(spec: TagSpec) -> pb.TagReference:
    message = pb.TagReference(
        name=spec.name,
        annotations=spec.annotations,
        reference=spec.reference,
        generation=spec.generation,
        import_policy=pb.TagImportPolicy(
            insecure=spec.insecure, scheduled=spec.scheduled, import_mode=IMPORT_MODES_PB[spec.import_mode]
        ),
        reference_policy=pb.TagReferencePolicy(type=REFERENCE_POLICIES_PB[spec.reference_policy]),
    )
    if spec.source is not None:
        getattr(message, "from").CopyFrom(
            pb.ObjectReference(
                kind=SOURCE_KINDS_PB[spec.source.kind], namespace=spec.source.namespace, name=spec.source.name
            )
        )
    return message


def tag_event(event: TagEvent) -> pb.TagEvent:
    message = pb.TagEvent(
        docker_image_reference=event.docker_image_reference, image=event.image, generation=event.generation
    )
    set_timestamp(message.create_time, event.created)
    return message


def condition(value: TagCondition) -> pb.TagEventCondition:
    return pb.TagEventCondition(
        type=value.type,
        status=value.status,
        last_transition_time=timestamp(value.last_transition_time),
        reason=value.reason,
        message=value.message,
        generation=value.generation,
    )


def named_tag_event_list(tag: str, status: TagStatus, into: pb.NamedTagEventList | None = None) -> pb.NamedTagEventList:
    """`into`: the (empty) message to fill, e.g. one just added to a list, instead of a new one."""
    message = into if into is not None else pb.NamedTagEventList()
    message.tag = tag
    message.conditions.extend(condition(c) for c in status.conditions)
    # Each entry built in place in the list (what `tag_event` makes): a message made apart and then passed in
    # is copied, and a tag's history may hold hundreds of entries.
    add = message.items.add
    for event in status.items:
        item = add(docker_image_reference=event.docker_image_reference, image=event.image, generation=event.generation)
        set_timestamp(item.create_time, event.created)
    return message


def status_event_lists(state: StreamState) -> dict[str, pb.NamedTagEventList]:
    """Each tag's status, converted once: a describe carries it twice (in the stream and in the described tag),
    and protobuf copies a message it is given, so one conversion serves both."""
    return {tag: named_tag_event_list(tag, status) for tag, status in state.status_tags.items()}


def image_stream(
    state: StreamState,
    position: int,
    image_repository: str,
    public_repository: str = "",
    status_lists: dict[str, pb.NamedTagEventList] | None = None,
    into: pb.ImageStream | None = None,
) -> pb.ImageStream:
    """`status_lists`: the tags' statuses already converted (copied in); otherwise they are built in place.
    `into`: the (empty) message to fill, e.g. one just added to an answer's list, instead of a new one: a list
    page of large streams is then built once, not built and copied into the answer."""
    message = into if into is not None else pb.ImageStream()
    message.image_repository = image_repository
    message.public_docker_image_repository = public_repository
    message.namespace = state.namespace
    message.name = state.name
    message.uid = state.uid
    if state.created is not None:
        set_timestamp(message.create_time, state.created)
    message.generation = state.generation
    message.annotations.update(state.annotations)
    message.docker_image_repository = state.docker_image_repository
    message.lookup_local = state.lookup_local
    message.spec_tags.extend(tag_reference(state.spec_tags[t]) for t in sorted(state.spec_tags))
    if status_lists is not None:
        message.status_tags.extend(status_lists[t] for t in sorted(state.status_tags))
    else:
        for tag in sorted(state.status_tags):
            named_tag_event_list(tag, state.status_tags[tag], message.status_tags.add())
    message.position = position
    return message


def image(view: ImageView, extra_annotations: dict[str, str] | None = None) -> pb.Image:
    message = pb.Image()
    if view.metadata:
        json_format.ParseDict(view.metadata, message, ignore_unknown_fields=True)
    message.name = view.digest
    message.docker_image_reference = view.docker_image_reference
    message.metadata_known = bool(view.metadata)
    message.create_time.CopyFrom(timestamp(view.created))
    for key, value in (extra_annotations or {}).items():
        message.annotations[key] = value
    return message


def image_stream_tag(view: TagView) -> pb.ImageStreamTag:
    message = pb.ImageStreamTag(
        namespace=view.namespace,
        stream=view.stream,
        tag=view.tag,
        generation=view.current.generation if view.current else 0,
        lookup_local=view.lookup_local,
        conditions=[condition(c) for c in view.conditions],
        pull_spec=view.pull_spec,
        public_pull_spec=view.public_pull_spec,
        image_pull_policy=view.image_pull_policy,
        position=view.position,
    )
    if view.spec is not None:
        message.spec.CopyFrom(tag_reference(view.spec))
    if view.image is not None:
        # As on OpenShift: the image's annotations plus the spec tag's, and the image's pull spec as consumers
        # use it (the reference policy applied).
        message.image.CopyFrom(image(view.image, view.spec.annotations if view.spec else None))
        message.image.docker_image_reference = view.image_reference
    if view.current is not None:
        message.create_time.CopyFrom(timestamp(view.current.created))
    return message


def stream_image(view: StreamImageView) -> pb.ImageStreamImage:
    return pb.ImageStreamImage(
        namespace=view.namespace,
        stream=view.stream,
        id=view.id,
        image=image(view.image),
        annotations=view.annotations,
    )


def described_tag(view: DescribedTagView, status: pb.NamedTagEventList | None = None) -> pb.DescribedTag:
    """`status`: the tag's status already converted, if it was."""
    message = pb.DescribedTag(
        tag=view.tag,
        aliases=view.aliases,
        status=status if status is not None else named_tag_event_list(view.tag, view.status),
        source_description=view.source_description,
        import_pending=view.import_pending,
        pull_spec=view.pull_spec,
        image_pull_policy=view.image_pull_policy,
    )
    if view.spec is not None:
        message.spec.CopyFrom(tag_reference(view.spec))
    return message


def description(value: StreamDescription) -> dict[str, Any]:
    state = value.stream.state
    lists = status_event_lists(state)

    def converted(view: DescribedTagView) -> pb.NamedTagEventList | None:
        return lists.get(view.tag) if state.status_tags.get(view.tag) is view.status else None

    return {
        "image_stream": image_stream(
            state, value.stream.position, value.image_repository, value.public_image_repository, lists
        ),
        "unique_images": value.unique_images,
        "tags": [described_tag(t, converted(t)) for t in value.tags],
        "image_repository": value.image_repository,
        "public_docker_image_repository": value.public_image_repository,
        "pins": [tag_pin(tag, pin) for tag, pin in sorted(value.stream.state.pins.items())],
        "skipped_moves": [skipped_move(tag, s) for tag, s in sorted(value.stream.state.skipped.items())],
    }


def tag_pin(tag: str, pin: Pin) -> pb.TagPin:
    return pb.TagPin(tag=tag, reason=pin.reason, actor=pin.actor, since=timestamp(pin.since))


def skipped_move(tag: str, skipped: SkippedMove) -> pb.SkippedMove:
    return pb.SkippedMove(
        tag=tag,
        event=tag_event(skipped.event),
        move_cause=skipped.move_cause,
        actor=skipped.actor,
        time=timestamp(skipped.time),
        count=skipped.count,
    )


def tag_history_entry(move: TagMove) -> pb.TagHistoryEntry:
    message = pb.TagHistoryEntry(
        position=move.position,
        namespace=move.namespace,
        stream=move.stream,
        tag=move.tag,
        change=move.change,
        actor=move.actor,
        cause=move.cause,
        time=timestamp(move.time),
        move_cause=move.move_cause,
    )
    if move.current is not None:
        message.event.CopyFrom(tag_event(move.current))
    if move.previous is not None:
        message.previous.CopyFrom(tag_event(move.previous))
    return message


def builder_image(view: BuilderView) -> api.BuilderImage:
    b = view.builder
    return api.BuilderImage(
        namespace=b.namespace,
        stream=b.stream,
        tag=b.tag,
        display_name=b.display_name,
        provider_display_name=b.provider_display_name,
        description=b.description,
        icon_class=b.icon_class,
        sample_repo=b.sample_repo,
        version=b.version,
        supports=list(b.supports),
        deprecated=b.deprecated,
        hidden=b.hidden,
        image=b.image,
        pull_spec=view.pull_spec,
        exact_match=view.exact,
    )
