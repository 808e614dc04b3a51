"""`isctl delete is NAME...` and `isctl delete istag NAME:TAG...`."""

from __future__ import annotations

import argparse

from imagestreams_client import Client, ImageStreamsError

from ..context import Context, Subparsers, prose
from ..errors import UsageError, UserInputError, error_report, stops_the_rest
from ..refs import IMAGE_STREAM, IMAGE_STREAM_TAG, parse_istag_name, resource_args, resource_choices
from . import access_write

RESOURCES = (IMAGE_STREAM, IMAGE_STREAM_TAG, *access_write.DELETABLE)


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "delete",
        parents=parents,
        help="delete image streams, tags, projects, users, groups, service accounts or tokens",
        description=prose(
            "Delete image streams, or tags of a stream (a tag's spec and its whole history). Images "
            "themselves are kept. Each name is deleted on its own: one failure does not stop the others.\n\n"
            "Also projects (with everything in them), users and service accounts (with their tokens), groups, "
            "and tokens, named sha256~... as isctl get tokens shows them, or given themselves."
        ),
        epilog=(
            "examples:\n  isctl delete is ruby\n  isctl delete istag ruby:2.0 ruby:2.1\n"
            "  isctl delete project team-a\n  isctl delete token sha256~mH2kU...\n  isctl delete sa builder"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("resource", metavar="TYPE[/NAME]", help=f"what to delete: {resource_choices(RESOURCES)}")
    parser.add_argument("names", metavar="NAME", nargs="*", help="NAME for a stream, NAME:TAG for a tag, ...")
    parser.set_defaults(run=run, extra_positionals="names")
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    failed = False
    groups = resource_args(args.resource, args.names, RESOURCES)
    if not any(names for _, names in groups):
        raise UsageError("you must name what to delete: isctl delete TYPE NAME... or isctl delete TYPE/NAME...")
    with context.client() as client:
        for resource, name in ((resource, name) for resource, names in groups for name in names):
            try:
                context.out.write(_delete(client, context, resource, name) + "\n")
            except (UserInputError, ImageStreamsError) as error:
                # Like kubectl: report and go on, so one typo does not leave the rest undone.
                if isinstance(error, ImageStreamsError) and stops_the_rest(error):
                    raise
                context.err.write(error_report(error, context.server))
                failed = True
    return 1 if failed else 0


def _delete(client: Client, context: Context, resource: str, name: str) -> str:
    if resource in access_write.DELETABLE:
        return access_write.delete(resource, name, context)
    if resource == IMAGE_STREAM:
        client.delete_image_stream(context.namespace, name)
        return f'imagestream "{name}" deleted'
    tag = parse_istag_name(name)
    client.delete_tag(context.namespace, tag.stream, tag.tag)
    return f'imagestreamtag "{tag}" deleted'
