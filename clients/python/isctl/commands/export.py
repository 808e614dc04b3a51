"""`isctl export isimage NAME@ID`: an image of a stream as a YAML (or JSON) document."""

from __future__ import annotations

import argparse

from ..context import Context, Subparsers, prose
from ..output import DATA_FORMATS, print_one
from ..refs import IMAGE_STREAM_IMAGE, parse_isimage_name, resource_choices, resource_type

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
    parser.add_argument("resource", metavar="TYPE", help=f"what to export: {resource_choices(RESOURCES)}")
    parser.add_argument("name", metavar="NAME@ID", help="the stream and the image digest or a unique prefix")
    parser.add_argument("-o", "--output", choices=DATA_FORMATS, default="yaml", help="format (default yaml)")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    resource_type(args.resource, RESOURCES)
    name = parse_isimage_name(args.name)
    with context.client() as client:
        image = client.get_image_stream_image(context.namespace, name.stream, name.id).image_stream_image
    print_one(image, args.output, context.out)
    return 0
