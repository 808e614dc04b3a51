"""`isctl new-project NAME`: creates a project (the caller becomes its admin) and switches to it."""

from __future__ import annotations

import argparse

from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..context_switch import use_project


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "new-project",
        parents=parents,
        help="create a project and switch to it",
        description=prose(
            "Create a project: a namespace for image streams, secrets, service accounts and role bindings. You "
            "become its admin. Then the current context switches to it, as `isctl project NAME` would (unless "
            "--skip-config-write)."
        ),
        epilog='example:\n  isctl new-project team-a --display-name="Team A" --description="Team A\'s images"',
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", metavar="NAME", help="the project's name (a DNS label: lowercase, digits, -)")
    parser.add_argument("--display-name", default="", help="a name for people")
    parser.add_argument("--description", default="", help="what the project is for")
    add_bool_flag(parser, "--skip-config-write", help="create the project but do not switch to it")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    with context.projects() as projects:
        project = projects.create_project(
            args.name, display_name=args.display_name, description=args.description
        ).project
    if args.skip_config_write:
        context.out.write(f'Created project "{project.name}" on server "{context.server}".\n')
        return 0
    username = project.requester
    if not username:
        with context.access() as access:
            username = access.who_am_i().username
    use_project(context, project.name, username)
    context.out.write(f'Now using project "{project.name}" on server "{context.server}".\n')
    return 0
