"""`isctl tag SOURCE DEST...` and `isctl tag -d DEST...`, shaped like `oc tag`."""

from __future__ import annotations

import argparse
from dataclasses import dataclass

from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..errors import UsageError, UserInputError
from ..refs import TagName, TagSource, parse_destination, parse_tag_source, source_kind

REFERENCE_POLICIES = {"source": pb.REFERENCE_POLICY_TYPE_SOURCE, "local": pb.REFERENCE_POLICY_TYPE_LOCAL}
IMPORT_MODES = {"Legacy": pb.IMPORT_MODE_LEGACY, "PreserveOriginal": pb.IMPORT_MODE_PRESERVE_ORIGINAL}

DESCRIPTION = """\
Point tags of image streams at an image.

SOURCE is a tag of a stream (NAME:TAG or NAMESPACE/NAME:TAG), an image of a stream (NAME@DIGEST, or
NAME@ID with a unique prefix of the digest) or a
container image pull spec (registry.example.com/team/app:1.0). Without --source the kind follows from the
spec: a registry host means a container image, else a digest an image of a stream, else a tag a tag of a
stream, else a container image (so `isctl tag ruby x:y` tags the image `ruby`).

Tagging from another tag copies that tag's current image, by digest: later moves of the source do not move
the destination. With --alias the destination tracks the source tag instead (same stream only). Each DEST
is [NAMESPACE/]NAME:TAG; a missing stream is created.
"""

EXAMPLES = """\
examples:
  # Copy the image ruby:2.0 points at now into ruby:latest
  isctl tag ruby:2.0 ruby:latest

  # Make ruby:prod follow ruby:latest from now on
  isctl tag --alias ruby:latest ruby:prod

  # Tag an image of the stream by a short id (a unique prefix of its digest)
  isctl tag ruby@0e9ea0b ruby:byid

  # Say which kind the source is: docker, imagestreamtag (istag) or imagestreamimage (isimage)
  isctl tag --source=docker ruby:2.0 ruby:upstream

  # Tag an image of a registry, pinned by digest
  isctl tag registry.example.com/team/ruby@sha256:<64 hex digits> ruby:2.0

  # Tag a registry image and re-import it periodically
  isctl tag --scheduled registry.example.com/team/ruby:2.1 ruby:2.1

  # Remove tags (their spec and their history)
  isctl tag -d ruby:prod ruby:old

  # Hold ruby:prod where it is during an incident: imports, pushes and alias follows leave it alone
  isctl tag --pin ruby:prod --reason="incident 42"
  isctl tag --unpin ruby:prod
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "tag",
        parents=parents,
        help="point tags at an image, or delete tags",
        usage=(
            "isctl tag [options] [--source=KIND] SOURCE DEST [DEST...]\n       isctl tag [options] -d DEST [DEST...]\n"
            "       isctl tag --pin [--reason=TEXT] DEST [DEST...]\n       isctl tag --unpin DEST [DEST...]"
        ),
        description=prose(DESCRIPTION),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("args", metavar="SOURCE DEST", nargs="*", help="the source, then one or more destinations")
    parser.add_argument(
        "--source",
        metavar="KIND",
        help="kind of SOURCE: imagestreamtag (istag), imagestreamimage (isimage) or docker (dockerimage)",
    )
    add_bool_flag(parser, "-d", "--delete", help="delete the given tags (spec and history)")
    add_bool_flag(
        parser,
        "--pin",
        help="hold the given tags where they are: imports, pushes and alias follows leave them alone "
        "(tag and rollback still move them)",
    )
    add_bool_flag(parser, "--unpin", help="let the given pinned tags move again (they stay where they are until moved)")
    parser.add_argument("--reason", default="", metavar="TEXT", help="why the tags are pinned (with --pin)")
    add_bool_flag(parser, "--alias", help="make the destinations track the source tag (same stream only)")
    add_bool_flag(parser, "--scheduled", help="re-import a container image source periodically")
    add_bool_flag(parser, "--insecure", help="allow HTTP or unverified TLS to import a container image source")
    add_bool_flag(parser, "--reference", help="record a container image source as it is, without importing it")
    parser.add_argument(
        "--reference-policy",
        default="source",
        metavar="POLICY",
        help="source (pull from the image's registry, the default) or local (pull through the stream)",
    )
    parser.add_argument(
        "--import-mode",
        metavar="MODE",
        help="Legacy (one platform of a manifest list, the default) or PreserveOriginal (the whole list)",
    )
    parser.set_defaults(run=run)
    return parser


@dataclass(frozen=True)
class _Plan:
    source: TagSource | None
    destinations: list[TagName]


def run(args: argparse.Namespace, context: Context) -> int:
    plan = _complete(args, context)
    _validate(args, context, plan)
    with context.client() as client:
        if args.pin or args.unpin:
            for dest in plan.destinations:
                namespace = dest.namespace or context.namespace
                if args.pin:
                    message = client.pin_tag(namespace, dest.stream, dest.tag, args.reason).message
                else:
                    message = client.unpin_tag(namespace, dest.stream, dest.tag).message
                context.out.write(message + "\n")
            return 0
        if args.delete:
            for dest in plan.destinations:
                namespace = dest.namespace or context.namespace
                client.delete_tag(namespace, dest.stream, dest.tag)
                context.out.write(f"Deleted tag {namespace}/{dest}.\n")
            return 0
        assert plan.source is not None
        response = client.tag(
            context.namespace,
            plan.source.reference,
            [api.TagDestination(namespace=d.namespace, stream=d.stream, tag=d.tag) for d in plan.destinations],
            alias=args.alias,
            scheduled=args.scheduled,
            insecure=args.insecure,
            reference_policy=REFERENCE_POLICIES[args.reference_policy],
            reference=args.reference,
            import_mode=IMPORT_MODES[args.import_mode] if args.import_mode else pb.IMPORT_MODE_UNSPECIFIED,
        )
    for message in response.messages:
        context.out.write(message + "\n")
    return 0


def _complete(args: argparse.Namespace, context: Context) -> _Plan:
    """Reads the source and destinations, in `oc tag`'s order (its Complete step)."""
    words: list[str] = args.args
    no_source = args.delete or args.pin or args.unpin
    if (not no_source and len(words) < 2) or not words:
        raise UsageError("you must specify a source and at least one destination or one or more tags to delete")
    source = None
    if not no_source:
        try:
            kind = source_kind(args.source) if args.source else None
        except UserInputError as e:
            raise UsageError(str(e)) from None
        source = parse_tag_source(words[0], kind, context.namespace)
        words = words[1:]
    return _Plan(source, [parse_destination(w) for w in words])


def _validate(args: argparse.Namespace, context: Context, plan: _Plan) -> None:
    """The flag combinations `oc tag` refuses, with its words (its Validate step)."""
    if args.delete and args.alias:
        raise UserInputError("--alias and --delete may not be both specified")
    if args.reason and not args.pin:
        raise UserInputError("--reason is given with --pin")
    pin_flags = [f for f, on in (("--pin", args.pin), ("--unpin", args.unpin), ("--delete", args.delete)) if on]
    if len(pin_flags) > 1:
        raise UserInputError(f"{' and '.join(pin_flags)} may not be both specified")
    if args.pin or args.unpin:
        if args.alias or args.source or args.scheduled or args.insecure or args.reference or args.import_mode:
            raise UserInputError("--pin and --unpin take tags only, no source or tagging flags")
        return
    if args.reference_policy not in REFERENCE_POLICIES:
        raise UserInputError("reference policy must be set to 'source' or 'local'")
    if args.import_mode is not None and args.import_mode not in IMPORT_MODES:
        raise UserInputError("valid ImportMode values are Legacy or PreserveOriginal")
    if args.delete:
        if args.source:
            raise UserInputError("cannot specify a source kind when deleting")
        if args.scheduled or args.insecure:
            raise UserInputError("cannot set flags for importing images when deleting a tag")
        if args.import_mode is not None:
            raise UserInputError("cannot specify an import mode when deleting")
        return
    assert plan.source is not None
    if plan.source.reference.kind != pb.SOURCE_KIND_DOCKER_IMAGE and (args.scheduled or args.insecure):
        raise UserInputError("only container images can have importing flags set")
    if args.alias:
        if args.scheduled or args.insecure:
            raise UserInputError("cannot set a container image tag as an alias and also set import flags")
        # Only the source's stream name is compared, not its namespace, exactly as `oc` does; the server
        # refuses an alias across namespaces itself.
        for dest in plan.destinations:
            if (dest.namespace or context.namespace) != context.namespace or dest.stream != plan.source.name:
                raise UserInputError("cannot set alias across different Image Streams")
