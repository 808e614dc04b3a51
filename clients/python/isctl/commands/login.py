"""`isctl login --token=TOKEN [SERVER]`: checks the token with the server and keeps it in a context of the
configuration file, as `oc login --token` does."""

from __future__ import annotations

import argparse

import grpc
from imagestreams_client import ImageStreamsError

from ..context import DEFAULT_SERVER, Context, Subparsers, prose
from ..context_switch import connection_entry, context_nickname
from ..errors import UsageError, UserInputError
from ..server_address import normalize_server
from ..settings import FROM_CONTEXT
from .projects import SWITCH_HINT

EXAMPLES = """\
examples:
  isctl login --token="$(cat ./data/admin.token)"                 # the server on 127.0.0.1:50051
  isctl login --token=ist_... --server=is.example.com:443 --certificate-authority=ca.crt
  isctl login https://is.example.com --token=ist_...
  isctl login                                                       # check the current context's token
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "login",
        parents=parents,
        help="log in to a server with a token",
        description=prose(
            "Log in to a server with a bearer token (--token, or ISCTL_TOKEN): the token is checked with the "
            "server, then kept in the configuration file (~/.isctl/config, or ISCTL_CONFIG; readable by you "
            "only) in a context named NAMESPACE/SERVER/USER, which becomes the current one. Later commands use it "
            "until `isctl logout`. Without a token, the current context's token is checked again.\n\n"
            "TLS settings given here (--certificate-authority, --insecure-skip-tls-verify, --client-certificate, "
            "--client-key) are kept in the context too."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("server_address", metavar="SERVER", nargs="?", help="the server (same as --server)")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    if args.server_address:
        context.server = normalize_server(args.server_address)
    token = context.token
    reused = context.settings.token_source == FROM_CONTEXT
    if reused and not _same_server(context):
        # The context's token belongs to the context's server: never hand it to another one.
        token, reused = "", False
    if not token:
        raise UsageError("give the token to log in with: isctl login --token=TOKEN (isctl create token USER makes one)")
    with context.access(token=token) as access:
        try:
            username = access.who_am_i().username
        except ImageStreamsError as error:
            if error.code == grpc.StatusCode.UNAUTHENTICATED:
                raise UserInputError("The token provided is invalid or expired.") from None
            raise
    projects = _visible_projects(context, token)
    namespace = choose_namespace(context.namespace, projects)
    entry = connection_entry(context, context_nickname(namespace, context.server, username), namespace, token)
    config = context.load_config()
    config.put(entry)
    config.current_context = entry.name
    context.save_config(config)

    how = "using existing credentials" if reused else "using the token provided"
    context.out.write(f'Logged into "{context.server}" as "{username}" {how}.\n\n')
    context.out.write(project_summary(projects, namespace))
    return 0


def _same_server(context: Context) -> bool:
    entry = context.load_config().get(context.settings.context)
    return entry is not None and normalize_server(entry.server or DEFAULT_SERVER) == context.server


def _visible_projects(context: Context, token: str) -> list[str] | None:
    """The projects the user may see, or None when the server will not say (then the namespace is kept)."""
    try:
        with context.projects(token=token) as projects:
            return sorted(p.name for p in projects.iter_projects())
    except ImageStreamsError as error:
        if error.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNAUTHENTICATED):
            raise
        return None


def choose_namespace(current: str, projects: list[str] | None) -> str:
    """oc's choice after a login: the current project if the user may see it, else their only project, else
    `default` if they may see it, else the first one; with no project (or no list) the current namespace."""
    if not projects or current in projects:
        return current
    if len(projects) == 1:
        return projects[0]
    return "default" if "default" in projects else projects[0]


def project_summary(projects: list[str] | None, namespace: str) -> str:
    """What oc prints about projects after logging in."""
    if projects is None:
        return f'Using project "{namespace}".\n'
    if not projects:
        return (
            "You don't have any projects. You can try to create a new project, by running\n\n"
            "    isctl new-project <projectname>\n\n"
        )
    if len(projects) == 1:
        return f'You have one project on this server: "{projects[0]}".\n\nUsing project "{namespace}".\n'
    listed = "".join(f"  {'*' if name == namespace else ' '} {name}\n" for name in projects)
    return f'{SWITCH_HINT}\n\n{listed}\nUsing project "{namespace}".\n'
