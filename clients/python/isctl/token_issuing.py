"""Issuing a token and printing it alone, the way `oc create token` does (`create token` and `sa get-token`)."""

from __future__ import annotations

import argparse

from imagestreams.v1 import access_service_pb2 as access_api

from .context import Context
from .durations import parse_go_duration
from .errors import UserInputError
from .output import DATA_FORMATS, print_one


def add_token_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--duration", metavar="DURATION", help="how long the token is valid, as 1h30m or 90m (default: until revoked)"
    )
    parser.add_argument("--description", default="", help="what the token is for (shown by isctl get tokens)")


def issue_token(context: Context, subject: access_api.Subject, args: argparse.Namespace) -> int:
    duration = parse_go_duration(args.duration) if args.duration else None
    if duration is not None and duration.total_seconds() < 0:
        raise UserInputError(f'invalid --duration "{args.duration}": must not be negative')
    with context.access() as access:
        issued = access.create_token(subject, duration=duration, description=args.description)
    output = getattr(args, "output", None)
    if output in DATA_FORMATS:
        print_one(issued, output, context.out)  # the whole answer, as `oc create token -o yaml` prints it
    else:
        context.out.write(issued.secret + "\n")
    return 0
