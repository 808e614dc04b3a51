"""`isctl projects`: the projects the caller may see, the current one marked, as `oc projects` lists them."""

from __future__ import annotations

import argparse

from imagestreams.v1 import project_service_pb2 as project_api

from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..errors import UserInputError

SWITCH_HINT = (
    "You have access to the following projects and can switch between them with 'isctl project <projectname>':"
)
NO_PROJECTS = (
    "You are not a member of any projects. You can request a project to be created with the 'new-project' command."
)


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "projects",
        parents=parents,
        help="list the projects you may see",
        description=prose("List the projects you may see; `*` marks the current one (`isctl project NAME` switches)."),
        epilog="examples:\n  isctl projects\n  isctl projects -q",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_bool_flag(parser, "-q", "--short", help="print the names only, one a line")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    with context.projects() as client:
        projects = sorted(client.iter_projects(), key=lambda p: p.name)
    if args.short:
        context.out.write("".join(p.name + "\n" for p in projects))
        return 0
    context.out.write(listing(projects, context.namespace) + "\n")
    names = [p.name for p in projects]
    if projects and context.namespace not in names:
        raise UserInputError(f'the project "{context.namespace}" specified in your config does not exist.')
    if len(projects) > 1:
        context.out.write(f'\nUsing project "{context.namespace}" on server "{context.server}".\n')
    return 0


def listing(projects: list[project_api.Project], current: str) -> str:
    """oc's text: a sentence for none or one project, else one line each, `*` on the current one and the
    display name after a dash when there is one."""
    if not projects:
        return NO_PROJECTS
    if len(projects) == 1:
        return f'You have one project on this server: "{_display_and_name(projects[0])}".'
    lines = [SWITCH_HINT, ""]
    for project in projects:
        mark = "  * " if project.name == current else "    "
        shown = project.name
        if project.display_name and project.display_name != project.name:
            shown += f" - {project.display_name}"
        lines.append(mark + shown)
    return "\n".join(lines)


def _display_and_name(project: project_api.Project) -> str:
    if project.display_name and project.display_name != project.name:
        return f"{project.display_name} ({project.name})"
    return project.name
