"""`isctl logout`: revokes the current context's token on the server and removes it from the configuration
file, as `oc logout` does."""

from __future__ import annotations

import argparse
import contextlib

from imagestreams_client import ImageStreamsError

from ..context import Context, Subparsers, prose
from ..errors import UserInputError


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "logout",
        parents=parents,
        help="end the current session",
        description=prose(
            "Revoke the current context's token on the server (from then on it is refused everywhere) and remove "
            "it from the configuration file. The context itself (server, project) is kept. A failure to revoke "
            "(the server is down, the token already expired) does not stop the token being removed locally."
        ),
        epilog="example:\n  isctl logout",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    config = context.load_config()
    entry = config.get(context.settings.context) if context.settings.context else None
    if entry is None or not entry.token:
        raise UserInputError("You must have a token in order to logout.")
    # The token goes back to the server it came from, whatever --server or ISCTL_SERVER say.
    context.server = entry.server or context.server
    username = ""
    # Best effort, as oc: the point of logging out is that the token is gone from here, whatever the server says.
    with contextlib.suppress(ImageStreamsError), context.access(token=entry.token) as access:
        username = access.who_am_i().username
        access.delete_token(entry.token)
    entry.token = ""
    context.save_config(config)
    who = f'"{username}" ' if username else ""
    context.out.write(f'Logged {who}out on "{context.server}"\n')
    return 0
