"""`isctl create -f FILE` and `isctl apply -f FILE`: image streams defined in OpenShift's shape.

Both read and check the whole file before any call, so a file with a problem writes nothing. A stream the
server then refuses is reported with its place in the file, and the others still go ahead (as kubectl
does); the exit code says whether everything went through.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb
from imagestreams_client import Client, ImageStreamsError

from .applying import Changes, TagCall, plan_changes
from .context import Context
from .errors import format_error
from .manifests import Manifest, ManifestError, namespace_was_given, read_manifest, target_namespace
from .openshift_shape import ShapeError, StreamDefinition
from .stream_output import print_openshift

# Tag request fields, as the spec tag fields of a definition spell them.
_TAG_REQUEST_FIELDS = {
    "source": "from",
    "source.kind": "from.kind",
    "source.name": "from.name",
    "source.namespace": "from.namespace",
    "alias": "from",
    "insecure": "importPolicy.insecure",
    "scheduled": "importPolicy.scheduled",
    "import_mode": "importPolicy.importMode",
    "reference_policy": "referencePolicy.type",
    "reference": "reference",
    "annotations": "annotations",
    "destinations[0].tag": "name",
}


@dataclass
class _Outcome:
    """A stream after the command, and what was done to it (`created`, `configured`, `unchanged`)."""

    stream: pb.ImageStream
    action: str


def create(args: argparse.Namespace, context: Context) -> int:
    manifest = _load(args.filename, context)
    if manifest is None:
        return 1
    targets = _targets(manifest, args, context)
    outcomes: list[_Outcome] = []
    failed = False
    with context.client() as client:
        for definition, namespace in targets:
            try:
                created = client.create_image_stream(_in_namespace(definition.stream, namespace)).image_stream
            except ImageStreamsError as error:
                _raise_if_unreachable(error)
                _report(context, _stream_error(manifest, definition, error, context))
                failed = True
                continue
            outcomes.append(_Outcome(created, "created"))
            _print_action(args, context, outcomes[-1])
    _print_data(args, context, outcomes)
    return 1 if failed else 0


def apply(args: argparse.Namespace, context: Context) -> int:
    manifest = _load(args.filename, context)
    if manifest is None:
        return 1
    targets = _targets(manifest, args, context)
    outcomes: list[_Outcome] = []
    failed = False
    with context.client() as client:
        plans = _plan(client, manifest, targets, context)
        if plans is None:
            return 1
        for definition, namespace, current, changes in plans:
            outcome = _apply_one(client, manifest, definition, namespace, current, changes, context)
            if outcome is None:
                failed = True
                continue
            outcomes.append(outcome)
            _print_action(args, context, outcome)
    _print_data(args, context, outcomes)
    return 1 if failed else 0


_Plan = tuple[StreamDefinition, str, pb.ImageStream | None, Changes | None]


def _plan(
    client: Client, manifest: Manifest, targets: list[tuple[StreamDefinition, str]], context: Context
) -> list[_Plan] | None:
    """Every stream's changes, worked out before the first write; None (reported) if any cannot be made."""
    plans: list[_Plan] = []
    problems: list[str] = []
    for definition, namespace in targets:
        try:
            current = client.get_image_stream(namespace, definition.stream.name).image_stream
        except ImageStreamsError as error:
            if error.code != grpc.StatusCode.NOT_FOUND:
                raise
            plans.append((definition, namespace, None, None))
            continue
        try:
            plans.append((definition, namespace, current, plan_changes(definition, current)))
        except ShapeError as error:
            problems.extend(f"{manifest.source}: {p}" for p in error.problems)
    if problems:
        for problem in problems:
            _report(context, problem)
        return None
    return plans


def _apply_one(
    client: Client,
    manifest: Manifest,
    definition: StreamDefinition,
    namespace: str,
    current: pb.ImageStream | None,
    changes: Changes | None,
    context: Context,
) -> _Outcome | None:
    if current is None or changes is None:
        try:
            created = client.create_image_stream(_in_namespace(definition.stream, namespace)).image_stream
        except ImageStreamsError as error:
            _raise_if_unreachable(error)
            _report(context, _stream_error(manifest, definition, error, context))
            return None
        return _Outcome(created, "created")
    if changes.empty:
        return _Outcome(current, "unchanged")
    position = current.position
    ok = True
    if changes.update_mask:
        try:
            position = client.update_image_stream(
                _in_namespace(definition.stream, namespace),
                update_mask=changes.update_mask,
                # The changes were worked out from this version of the stream: refuse to apply them to another.
                expected_position=current.position,
            ).position
        except ImageStreamsError as error:
            _raise_if_unreachable(error)
            _report(context, _stream_error(manifest, definition, error, context))
            return None
    for call in changes.tags:
        try:
            position = _tag(client, namespace, current.name, call).position
        except ImageStreamsError as error:
            _raise_if_unreachable(error)
            _report(context, _tag_error(manifest, definition, call, error, context))
            ok = False
    if not ok:
        return None
    after = client.get_image_stream(namespace, current.name, min_position=position).image_stream
    return _Outcome(after, "configured")


def _tag(client: Client, namespace: str, stream: str, call: TagCall) -> api.TagResponse:
    tag = call.tag
    return client.tag(
        namespace,
        call.source,
        [api.TagDestination(namespace=namespace, stream=stream, tag=tag.name)],
        alias=call.alias,
        scheduled=tag.import_policy.scheduled,
        insecure=tag.import_policy.insecure,
        reference_policy=tag.reference_policy.type,
        reference=tag.reference,
        annotations=dict(tag.annotations),
        import_mode=tag.import_policy.import_mode,
        keep_source=call.keep_source,
        from_manifest=True,
    )


# -- reading --------------------------------------------------------------------------------------------------


def _load(filename: str, context: Context) -> Manifest | None:
    try:
        manifest = read_manifest(filename)
    except ManifestError as error:
        for line in error.lines:
            _report(context, line)
        return None
    for warning in manifest.warnings:
        context.err.write(f"warning: {warning}\n")
    return manifest


def _targets(manifest: Manifest, args: argparse.Namespace, context: Context) -> list[tuple[StreamDefinition, str]]:
    enforce = namespace_was_given(args)
    return [(d, target_namespace(d, context, enforce)) for d in manifest.streams]


def _in_namespace(stream: pb.ImageStream, namespace: str) -> pb.ImageStream:
    copy = pb.ImageStream()
    copy.CopyFrom(stream)
    copy.namespace = namespace
    return copy


# -- printing -------------------------------------------------------------------------------------------------


def _print_action(args: argparse.Namespace, context: Context, outcome: _Outcome) -> None:
    if args.output == "name":
        context.out.write(f"imagestream/{outcome.stream.name}\n")
    elif not args.output:
        context.out.write(f"imagestream/{outcome.stream.name} {outcome.action}\n")


def _print_data(args: argparse.Namespace, context: Context, outcomes: list[_Outcome]) -> None:
    if args.output in ("json", "yaml") and outcomes:
        print_openshift([o.stream for o in outcomes], args.output, context.out, single=len(outcomes) == 1)


def _report(context: Context, message: str) -> None:
    context.err.write(f"error: {message}\n")


def _raise_if_unreachable(error: ImageStreamsError) -> None:
    """No server: the same for every stream, so stop at once (main says how)."""
    if error.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED):
        raise error


def _stream_error(manifest: Manifest, definition: StreamDefinition, error: ImageStreamsError, context: Context) -> str:
    """A refused Create or UpdateImageStream, placed in the file where the server says the problem is."""
    return _placed(manifest, definition, error, context, definition.document_path)


def _tag_error(
    manifest: Manifest, definition: StreamDefinition, call: TagCall, error: ImageStreamsError, context: Context
) -> str:
    def place(field: str) -> str | None:
        if field.startswith("destinations[0].") and field != "destinations[0].tag":
            return None
        mapped = _TAG_REQUEST_FIELDS.get(field, "" if field == "destinations[0]" else None)
        if mapped is None:
            return None
        return definition.locate(f"{call.path}.{mapped}" if mapped else call.path)

    return _placed(manifest, definition, error, context, place, fallback=call.path)


def _placed(
    manifest: Manifest,
    definition: StreamDefinition,
    error: ImageStreamsError,
    context: Context,
    place: Callable[[str], str | None],
    fallback: str = "",
) -> str:
    for field, description in error.field_violations:
        path = place(field)
        if path is not None:
            return f"{manifest.source}: {path}: {description}"
    return f"{manifest.where(definition, fallback)}: {format_error(error, context.server)}"
