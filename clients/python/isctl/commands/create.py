"""`isctl create is NAME`: an empty image stream."""

from __future__ import annotations

import argparse

from imagestreams.v1 import resources_pb2 as pb

from ..context import Context, Subparsers, prose
from ..output import DATA_FORMATS, print_one
from ..refs import IMAGE_STREAM, resource_choices, resource_type

RESOURCES = (IMAGE_STREAM,)


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "create",
        parents=parents,
        help="create an image stream",
        description=prose("Create an empty image stream. Tags are added with `isctl tag` or by pushing images."),
        epilog="example:\n  isctl create is ruby",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("resource", metavar="TYPE", help=f"what to create: {resource_choices(RESOURCES)}")
    parser.add_argument("name", metavar="NAME", help="name of the image stream")
    parser.add_argument(
        "--lookup-local",
        action="store_true",
        help="resolve short image names in this namespace through the stream",
    )
    parser.add_argument(
        "-o", "--output", choices=(*DATA_FORMATS, "name"), help="print the created stream instead of a message"
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    resource_type(args.resource, RESOURCES)
    stream = pb.ImageStream(namespace=context.namespace, name=args.name, lookup_local=args.lookup_local)
    with context.client() as client:
        created = client.create_image_stream(stream).image_stream
    if args.output in DATA_FORMATS:
        print_one(created, args.output, context.out)
    elif args.output == "name":
        context.out.write(f"imagestream/{created.name}\n")
    else:
        context.out.write(f"imagestream/{created.name} created\n")
    return 0
