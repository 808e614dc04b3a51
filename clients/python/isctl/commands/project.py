"""`isctl project [NAME]`: shows the current project, or switches to another, as `oc project` does."""

from __future__ import annotations

import argparse

import grpc
from imagestreams_client import ImageStreamsError

from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..context_switch import use_project
from ..errors import UserInputError


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "project",
        parents=parents,
        help="show the current project, or switch to another",
        description=prose(
            "Without NAME, show the current project. With NAME, make it the current context's project (the "
            "configuration file keeps a context per project visited, named PROJECT/SERVER/USER, as oc does)."
        ),
        epilog="examples:\n  isctl project\n  isctl project team-a\n  isctl project -q",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", metavar="NAME", nargs="?", help="the project to switch to")
    add_bool_flag(parser, "-q", "--short", help="print the current project's name only")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    if args.name is None:
        return _show(args, context)
    _check_exists(context, args.name)
    if args.name == context.namespace:
        context.out.write(f'Already on project "{args.name}" on server "{context.server}".\n')
        return 0
    with context.access() as access:
        username = access.who_am_i().username
    use_project(context, args.name, username)
    context.out.write(f'Now using project "{args.name}" on server "{context.server}".\n')
    return 0


def _show(args: argparse.Namespace, context: Context) -> int:
    if args.short:
        context.out.write(context.namespace + "\n")
        return 0
    _check_exists(context, context.namespace, configured=True)
    context.out.write(f'Using project "{context.namespace}" on server "{context.server}".\n')
    return 0


def _check_exists(context: Context, name: str, *, configured: bool = False) -> None:
    try:
        with context.projects() as projects:
            projects.get_project(name)
    except ImageStreamsError as error:
        if error.code != grpc.StatusCode.NOT_FOUND:
            raise
        if configured:
            raise UserInputError(f'the project "{name}" specified in your config does not exist.') from None
        raise UserInputError(f'A project named "{name}" does not exist on "{context.server}".') from None
