"""`isctl describe is NAME`: the stream as `oc describe is` shows it; `describe clusterrole NAME` its rules."""

from __future__ import annotations

import argparse

from ..access_printers import describe_cluster_role
from ..context import Context, Subparsers, prose
from ..describe import describe_image_stream
from ..errors import UserInputError
from ..output import DATA_FORMATS, print_one
from ..refs import CLUSTER_ROLE, IMAGE_STREAM, resource_choices, resource_type

RESOURCES = (IMAGE_STREAM, CLUSTER_ROLE)


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
        epilog="examples:\n  isctl describe is ruby\n  isctl describe clusterrole edit",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("resource", metavar="TYPE", help=f"what to describe: {resource_choices(RESOURCES)}")
    parser.add_argument("name", metavar="NAME", help="name of the image stream or cluster role")
    parser.add_argument("-o", "--output", choices=DATA_FORMATS, help="print the description as data instead")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    if resource_type(args.resource, RESOURCES) == CLUSTER_ROLE:
        return _cluster_role(args, context)
    with context.client() as client:
        described = client.describe_image_stream(context.namespace, args.name)
    if args.output:
        print_one(described, args.output, context.out)
    else:
        context.out.write(describe_image_stream(described, context.now()))
    return 0


def _cluster_role(args: argparse.Namespace, context: Context) -> int:
    """`oc describe clusterrole NAME`: its rules as a PolicyRule table."""
    with context.access() as access:
        roles = {role.name: role for role in access.list_roles().roles}
    role = roles.get(args.name)
    if role is None:
        raise UserInputError(f'clusterrole "{args.name}" not found')
    if args.output:
        print_one(role, args.output, context.out)
    else:
        context.out.write(describe_cluster_role(role))
    return 0
