"""`isctl describe is NAME`: the stream as `oc describe is` shows it."""

from __future__ import annotations

import argparse

from ..context import Context, Subparsers, prose
from ..describe import describe_image_stream
from ..output import DATA_FORMATS, print_one
from ..refs import IMAGE_STREAM, resource_choices, resource_type

RESOURCES = (IMAGE_STREAM,)


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "describe",
        parents=parents,
        help="show an image stream in detail",
        description=prose(
            "Show an image stream the way `oc describe is` does: its tags (aliases next to the tag "
            "they track), where each tag takes its image from, and every image each tag has pointed at, newest "
            "first (`*` marks the current one)."
        ),
        epilog="example:\n  isctl describe is ruby",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("resource", metavar="TYPE", help=f"what to describe: {resource_choices(RESOURCES)}")
    parser.add_argument("name", metavar="NAME", help="name of the image stream")
    parser.add_argument("-o", "--output", choices=DATA_FORMATS, help="print the description as data instead")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    resource_type(args.resource, RESOURCES)
    with context.client() as client:
        described = client.describe_image_stream(context.namespace, args.name)
    if args.output:
        print_one(described, args.output, context.out)
    else:
        context.out.write(describe_image_stream(described, context.now()))
    return 0
