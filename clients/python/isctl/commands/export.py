"""`isctl export isimage NAME@ID`: an image of a stream as a YAML (or JSON) document."""

from __future__ import annotations

import argparse

from ..context import Context, Subparsers, prose
from ..errors import UsageError
from ..openshift_images import stream_image_to_openshift
from ..output import DATA_FORMATS, PROTO_FORMATS, print_one
from ..refs import IMAGE_STREAM_IMAGE, parse_isimage_name, resource_args, resource_choices
from ..stream_output import dump_openshift

RESOURCES = (IMAGE_STREAM_IMAGE,)


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "export",
        parents=parents,
        help="print an image of a stream as a document",
        description=prose(
            "Print an image of a stream (NAME@ID, where ID is a digest or a unique prefix of one) "
            "with its metadata, as YAML unless -o json."
        ),
        epilog="example:\n  isctl export isimage ruby@4a5b6c",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("resource", metavar="TYPE[/NAME@ID]", help=f"what to export: {resource_choices(RESOURCES)}")
    parser.add_argument("name", metavar="NAME@ID", nargs="?", help="the stream and the image digest or a unique prefix")
    parser.add_argument(
        "-o",
        "--output",
        choices=(*DATA_FORMATS, *PROTO_FORMATS),
        default="yaml",
        help="format (default yaml): an ImageStreamImage as OpenShift writes it; proto-json and proto-yaml "
        "write the gRPC message",
    )
    parser.set_defaults(run=run, extra_positionals="name")
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    names = [
        name for _, names in resource_args(args.resource, [args.name] if args.name else [], RESOURCES) for name in names
    ]
    if len(names) != 1:
        raise UsageError("name one image: isctl export isimage NAME@ID or isctl export isimage/NAME@ID")
    name = parse_isimage_name(names[0])
    with context.client() as client:
        image = client.get_image_stream_image(context.namespace, name.stream, name.id).image_stream_image
    if args.output in PROTO_FORMATS:
        print_one(image, PROTO_FORMATS[args.output], context.out)
    else:
        dump_openshift(stream_image_to_openshift(image), args.output, context.out)
    return 0
