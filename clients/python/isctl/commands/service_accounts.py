"""`isctl sa get-token NAME`: a new token for a service account of the current project, printed alone."""

from __future__ import annotations

import argparse

from imagestreams_client.access import service_account_subject

from ..context import Context, Subparsers, prose
from ..token_issuing import add_token_flags, issue_token


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "sa",
        aliases=["serviceaccounts"],
        parents=parents,
        help="tokens of service accounts",
        description=prose("Service accounts of the current project. Create, list and delete them with "
                          "isctl create sa, isctl get sa and isctl delete sa."),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )  # fmt: skip
    commands = parser.add_subparsers(dest="sa_command", metavar="COMMAND", required=True)
    get_token = commands.add_parser(
        "get-token",
        aliases=["new-token"],
        parents=parents,
        help="issue a token for a service account and print it",
        description=prose(
            "Issue a bearer token for the service account NAME of the current project and print it, and only it "
            "(for scripts: ISCTL_TOKEN=$(isctl sa get-token builder)). The token is shown this once; the server "
            "keeps its hash. Revoke it with isctl delete token."
        ),
        epilog="examples:\n  isctl sa get-token builder\n  isctl sa get-token default -n team-a --duration=1h",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    get_token.add_argument("name", metavar="NAME", help="the service account")
    add_token_flags(get_token)
    get_token.set_defaults(run=run_get_token)
    return parser


def run_get_token(args: argparse.Namespace, context: Context) -> int:
    return issue_token(context, service_account_subject(context.namespace, args.name), args)
