"""`isctl whoami`: who the server takes the caller for; `-t` the token in use, `--show-server` the server."""

from __future__ import annotations

import argparse

from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..errors import UsageError, UserInputError
from ..output import DATA_FORMATS, print_one

EXAMPLES = """\
examples:
  isctl whoami                  # alice
  isctl whoami -t               # the token in use (for scripts: curl, grpcurl, another machine)
  isctl whoami --show-server
  isctl whoami -o yaml          # username, groups, and the token's name and expiry
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "whoami",
        parents=parents,
        help="show the current user",
        description=prose(
            "Show the user the server takes you for: a user name, or system:serviceaccount:NAMESPACE:NAME for a "
            "service account's token. -t prints the token in use instead (the one command that ever prints it), "
            "--show-server the server and --show-context the configuration context; these three ask the "
            "server nothing."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_bool_flag(parser, "-t", "--show-token", help="print the token the current session uses")
    add_bool_flag(parser, "--show-server", help="print the server the current session uses")
    add_bool_flag(parser, "-c", "--show-context", help="print the configuration context in use")
    parser.add_argument("-o", "--output", choices=DATA_FORMATS, help="print everything the server says")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    shown = [flag for flag in ("show_token", "show_server", "show_context") if getattr(args, flag)]
    if len(shown) > 1 or (shown and args.output):
        raise UsageError("give one of -t, --show-server, --show-context and -o")
    if args.show_token:
        if not context.token:
            raise UserInputError("no token is currently in use for this session")
        context.out.write(context.token + "\n")
    elif args.show_server:
        context.out.write(context.server + "\n")
    elif args.show_context:
        if not context.settings.context:
            raise UserInputError("no context is currently in use: log in with isctl login --token=TOKEN")
        context.out.write(context.settings.context + "\n")
    else:
        with context.access() as access:
            answer = access.who_am_i()
        if args.output:
            print_one(answer, args.output, context.out)
        else:
            context.out.write(answer.username + "\n")
    return 0
