"""`isctl import-image NAME[:TAG]`: import images from a registry into a stream, shaped like `oc import-image`."""

from __future__ import annotations

import argparse
import contextlib
import re
from dataclasses import dataclass, field

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import resources_pb2 as pb
from imagestreams_client import Client, ImageStreamsError

from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..describe import describe_image_stream
from ..describe_image import describe_image
from ..errors import UserInputError
from ..importing import Options, Request, Target, parse_target, plan_import
from ..output import DATA_FORMATS
from ..progress import Spinner
from ..stream_output import print_openshift

REFERENCE_POLICIES = {"source": pb.REFERENCE_POLICY_TYPE_SOURCE, "local": pb.REFERENCE_POLICY_TYPE_LOCAL}
IMPORT_MODES = {"Legacy": pb.IMPORT_MODE_LEGACY, "PreserveOriginal": pb.IMPORT_MODE_PRESERVE_ORIGINAL}
DEFAULT_TIMEOUT = "10m"

DESCRIPTION = """\
Import the latest image information from a tag in a container image registry.

Image streams let you control which images are rolled out to your builds and applications. This command
reads the image a registry tag points at now and moves the image stream tag to it if it does not match the
previous value; running it again creates no duplicate entries. Only image metadata is copied, not the image
contents. To change a tag's source or set more options, use `isctl tag`.

NAME[:TAG] names the stream and the tag to import into (default latest); it may also be a pull spec, whose
last name component names the stream. The tag always comes from here, never from --from. A stream that does
not exist yet is created only with --confirm, from --from or else from NAME[:TAG] itself. An existing tag is
imported again from its own source (tags that track another tag of the stream are followed).

With --all, every tag of a repository is imported (up to the server's limit; the rest are listed): the
repository is --from, else the one the stream follows (spec.dockerImageRepository), else each registry tag
of the stream is imported again. Making a stream follow another repository needs --confirm.
"""

EXAMPLES = """\
examples:
  # Import tag latest into a new image stream
  isctl import-image mystream --from=registry.io/repo/image:latest --confirm

  # Update imported data for tag latest, or stable, of an existing image stream
  isctl import-image mystream
  isctl import-image mystream:stable

  # Update imported data for all tags of an existing image stream
  isctl import-image mystream --all

  # Import all tags into a new image stream
  isctl import-image mystream --from=registry.io/repo/image --all --confirm

  # See what would be imported, without writing anything
  isctl import-image mystream:2.0 --from=registry.io/repo/image:2.0 --confirm --dry-run
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "import-image",
        parents=parents,
        help="import images from a container image registry",
        description=prose(DESCRIPTION),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", metavar="NAME[:TAG]", help="the image stream, and the tag to import into")
    parser.add_argument(
        "--from", dest="source", metavar="PULLSPEC", help="a container image repository or tag to import from"
    )
    add_bool_flag(parser, "--confirm", help="allow the stream to be created, or its import repository changed")
    add_bool_flag(parser, "--all", help="import every tag of the repository (--from, or the stream's own)")
    add_bool_flag(
        parser,
        "--insecure",
        help="allow registries served over HTTP or with certificates that do not verify",
    )
    add_bool_flag(parser, "--scheduled", help="re-import the imported tags periodically")
    parser.add_argument(
        "--reference-policy",
        metavar="POLICY",
        help="for new tags: source (pull from the image's registry, the default) or local (pull through the stream)",
    )
    parser.add_argument(
        "--import-mode",
        metavar="MODE",
        help="Legacy (one platform of a manifest list, the default) or PreserveOriginal (the whole list); "
        "an existing tag keeps its own unless this is given",
    )
    add_bool_flag(parser, "--dry-run", help="read the registry and show what would be imported; write nothing")
    parser.add_argument(
        "--request-timeout",
        metavar="DURATION",
        default=DEFAULT_TIMEOUT,
        help=f"give up on the import after this long: 90s, 5m, 1h (default {DEFAULT_TIMEOUT})",
    )
    parser.add_argument(
        "-o", "--output", choices=DATA_FORMATS, help="print the image stream afterwards as data instead of text"
    )
    parser.set_defaults(run=run)
    return parser


@dataclass
class _Result:
    """Every call's outcome together: one call usually, one per tag for --all over a stream's own tags."""

    tags: list[import_api.ImportedTag] = field(default_factory=list)
    additional_tags: list[str] = field(default_factory=list)
    stream: pb.ImageStream | None = None
    dry_run: bool = False
    position: int = 0

    def add(self, response: import_api.ImportImageResponse) -> None:
        self.tags.extend(response.tags)
        self.additional_tags.extend(response.additional_tags)
        if response.HasField("image_stream"):
            self.stream = response.image_stream
        self.dry_run = response.dry_run
        self.position = max(self.position, response.position)


def run(args: argparse.Namespace, context: Context) -> int:
    target = parse_target(args.target, args.all)
    reference_policy = _reference_policy(args.reference_policy)
    options = Options(
        source=args.source or "",
        confirm=args.confirm,
        all=args.all,
        scheduled=args.scheduled,
        import_mode=_import_mode(args.import_mode),
    )
    timeout = parse_duration(args.request_timeout)
    result = _Result()
    with context.client() as client:
        requests = plan_import(target, options, _current(client, context.namespace, target.stream))
        spinner = Spinner(context.err, _progress_message(target, requests)) if args.all else None
        with spinner or contextlib.nullcontext():
            for request in requests:
                response = client.import_image(
                    context.namespace,
                    target.stream,
                    tag=request.tag,
                    source=request.source,
                    all=request.all,
                    confirm=not args.dry_run,
                    insecure=args.insecure,
                    scheduled=request.scheduled,
                    reference_policy=reference_policy,
                    import_mode=request.import_mode,
                    timeout=timeout,
                )
                result.add(response)
        described = None
        if not result.dry_run and not args.output:
            described = client.describe_image_stream(context.namespace, target.stream, min_position=result.position)
    failed = [t for t in result.tags if not t.succeeded]
    if args.output:
        stream = result.stream or _would_create(context.namespace, target, requests)
        print_openshift([stream], args.output, context.out, single=True)
    else:
        _print_text(context, target, result, described, failed)
    for tag in failed:
        context.err.write(f"error: tag {tag.tag} failed: {tag.message or tag.reason}\n")
    if failed:
        raise UserInputError("imported completed with errors")
    return 0


def _current(client: Client, namespace: str, name: str) -> pb.ImageStream | None:
    try:
        return client.get_image_stream(namespace, name).image_stream
    except ImageStreamsError as error:
        if error.code == grpc.StatusCode.NOT_FOUND:
            return None
        raise


def _print_text(
    context: Context,
    target: Target,
    result: _Result,
    described: api.DescribeImageStreamResponse | None,
    failed: list[import_api.ImportedTag],
) -> None:
    """`oc import-image`'s report: what happened, the stream, each image read, and the tags left over."""
    now = context.now()
    header = "imported with errors" if failed else "imported"
    if result.dry_run:
        header += " (dry run)"
    sections = []
    if described is not None:
        sections.append(describe_image_stream(described, now))
    for tag in result.tags:
        if tag.succeeded and tag.HasField("image"):
            sections.append(describe_image(tag.image, f"{target.stream}:{tag.tag}", now))
    text = f"imagestream/{target.stream} {header}\n"
    if sections:
        text += "\n" + "\n".join(sections)
    if result.additional_tags:
        text += (
            f"\ninfo: The remote repository contained {len(result.additional_tags)} additional tags which were not "
            f"imported: {', '.join(result.additional_tags)}\n"
        )
    context.out.write(text)


def _would_create(namespace: str, target: Target, requests: list[Request]) -> pb.ImageStream:
    """The stream a dry run would create (there is none yet to print), as `oc` prints it."""
    stream = pb.ImageStream(namespace=namespace, name=target.stream)
    for request in requests:
        if request.all:
            stream.docker_image_repository = request.source
        else:
            tag = stream.spec_tags.add(name=request.tag)
            getattr(tag, "from").CopyFrom(pb.ObjectReference(kind=pb.SOURCE_KIND_DOCKER_IMAGE, name=request.source))
    return stream


def _progress_message(target: Target, requests: list[Request]) -> str:
    if len(requests) == 1 and requests[0].all:
        return f"Importing every tag of {requests[0].source or 'the repository'} into {target.stream} ..."
    return f"Importing {len(requests)} tags of {target.stream} again ..."


def _reference_policy(value: str | None) -> pb.ReferencePolicyType:
    if value is None:
        return pb.REFERENCE_POLICY_TYPE_UNSPECIFIED
    if value not in REFERENCE_POLICIES:
        raise UserInputError("reference policy must be set to 'source' or 'local'")
    return REFERENCE_POLICIES[value]


def _import_mode(value: str | None) -> pb.ImportMode:
    if value is None:
        return pb.IMPORT_MODE_UNSPECIFIED
    if value not in IMPORT_MODES:
        raise UserInputError("valid ImportMode values are Legacy or PreserveOriginal")
    return IMPORT_MODES[value]


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(s|m|h)?")


def parse_duration(text: str) -> float:
    """Seconds in `90`, `90s`, `5m`, `1h`."""
    match = _DURATION.fullmatch(text.strip())
    if match is None or float(match.group(1)) <= 0:
        raise UserInputError(f'invalid --request-timeout "{text}": give a positive duration such as 90s, 5m or 1h')
    return float(match.group(1)) * {"s": 1, "m": 60, "h": 3600}[match.group(2) or "s"]
