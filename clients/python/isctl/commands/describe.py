"""`isctl describe is NAME`: the stream as `oc describe is` shows it; `describe clusterrole NAME` its rules."""

from __future__ import annotations

import argparse
from typing import Any

from .. import as_of
from ..access_printers import describe_cluster_role
from ..context import Context, Subparsers, prose
from ..describe import describe_image_stream
from ..describe_image import describe_image
from ..errors import UsageError, UserInputError
from ..output import DATA_FORMATS, print_one
from ..refs import (
    CLUSTER_ROLE,
    IMAGE_STREAM,
    IMAGE_STREAM_IMAGE,
    IMAGE_STREAM_TAG,
    parse_isimage_name,
    parse_istag_name,
    resource_args,
    resource_choices,
)

RESOURCES = (IMAGE_STREAM, IMAGE_STREAM_TAG, IMAGE_STREAM_IMAGE, CLUSTER_ROLE)


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "describe",
        parents=parents,
        help="show an image stream or a cluster role in detail",
        description=prose(
            "Show an image stream the way `oc describe is` does: its tags (aliases next to the tag "
            "they track), where each tag takes its image from, and every image each tag has pointed at, newest "
            "first (`*` marks the current one)."
        ),
        epilog=(
            "examples:\n  isctl describe is ruby\n  isctl describe istag/ruby:latest\n  isctl describe clusterrole edit"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("resource", metavar="TYPE[/NAME]", help=f"what to describe: {resource_choices(RESOURCES)}")
    parser.add_argument(
        "names",
        metavar="NAME",
        nargs="*",
        help="NAME of a stream or cluster role, NAME:TAG of a tag, NAME@ID of an image",
    )
    parser.add_argument("-o", "--output", choices=DATA_FORMATS, help="print the description as data instead")
    as_of.add_argument(parser, "a stream or a tag")
    parser.set_defaults(run=run, extra_positionals="names")
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    """Each named resource in turn (`describe is ruby`, `describe istag/ruby:latest is/python`), a blank line
    between two descriptions as `oc describe` separates them."""
    named = [
        (resource, name) for resource, names in resource_args(args.resource, args.names, RESOURCES) for name in names
    ]
    if not named:
        raise UsageError("name what to describe: isctl describe TYPE NAME or isctl describe TYPE/NAME")
    for index, (resource, name) in enumerate(named):
        if index and not args.output:
            context.out.write("\n\n")
        _describe(resource, name, args.output, context, as_of.parse(args.as_of))
    return 0


def _describe(resource: str, name: str, output: str | None, context: Context, point: Any = None) -> None:
    if point is not None and resource not in (IMAGE_STREAM, IMAGE_STREAM_TAG):
        raise UsageError("--as-of describes image streams and image stream tags")
    if resource == CLUSTER_ROLE:
        _cluster_role(name, output, context)
        return
    described: Any
    with context.client() as client:
        if resource == IMAGE_STREAM:
            described = client.describe_image_stream(context.namespace, name, as_of=point)
        elif resource == IMAGE_STREAM_TAG:
            tag = parse_istag_name(name)
            found = client.get_image_stream_tag(context.namespace, tag.stream, tag.tag, as_of=point)
            described = found.image_stream_tag
        else:
            image = parse_isimage_name(name)
            described = client.get_image_stream_image(context.namespace, image.stream, image.id).image_stream_image
    if output:
        print_one(described, output, context.out)
    elif resource == IMAGE_STREAM:
        context.out.write(describe_image_stream(described, context.now()))
    else:
        # `oc describe istag|isimage`: the image, headed by the name as typed.
        context.out.write(describe_image(described.image, name, context.now()))


def _cluster_role(name: str, output: str | None, context: Context) -> None:
    """`oc describe clusterrole NAME`: its rules as a PolicyRule table."""
    with context.access() as access:
        roles = {role.name: role for role in access.list_roles().roles}
    role = roles.get(name)
    if role is None:
        raise UserInputError(f'clusterrole "{name}" not found')
    if output:
        print_one(role, output, context.out)
    else:
        context.out.write(describe_cluster_role(role))
