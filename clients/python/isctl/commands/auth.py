"""`isctl auth can-i VERB RESOURCE`: whether you (or, with --as, someone else) may do it; `yes` and exit 0,
or `no` and exit 1, as `kubectl auth can-i`."""

from __future__ import annotations

import argparse

from ..api_groups import plural
from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..output import DATA_FORMATS, print_one
from ..subjects import parse_username

# Resources that belong to no project: asked about at the cluster scope whatever -n says.
CLUSTER_SCOPED = frozenset({"users", "groups", "images", "clusterroles", "clusterrolebindings"})

EXAMPLES = """\
examples:
  isctl auth can-i update imagestreams                 # in the current project
  isctl auth can-i get imagestreams/layers -n team-b   # pull images of team-b
  isctl auth can-i update is --as system:serviceaccount:team-a:builder
  isctl auth can-i create users                        # cluster-wide

exit status: 0 for yes, 1 for no (or an error).
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "auth",
        parents=parents,
        help="check what you may do",
        description=prose("Inspect authorization: `auth can-i VERB RESOURCE`."),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="auth_command", metavar="COMMAND", required=True)
    can_i = commands.add_parser(
        "can-i",
        parents=parents,
        help="whether an action is allowed",
        description=prose(
            "Print `yes` (exit 0) if you may do VERB on RESOURCE in the current project, else `no` with the "
            "server's reason (exit 1). --as asks about another user or a service account "
            "(system:serviceaccount:NS:NAME), which needs the right to read the project's role bindings. "
            "Users, groups, images and cluster role bindings are asked about cluster-wide; -A asks at the cluster "
            "scope for anything."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    can_i.add_argument("action", metavar="VERB", help="get, list, watch, create, update, delete or *")
    can_i.add_argument("resource", metavar="RESOURCE", help="imagestreams, imagestreams/layers, secrets, ...")
    can_i.add_argument("--as", dest="as_user", metavar="USER", help="ask for this user or service account instead")
    add_bool_flag(can_i, "-A", "--all-namespaces", help="ask at the cluster scope")
    add_bool_flag(can_i, "-q", "--quiet", help="print nothing: the exit status is the answer")
    can_i.add_argument("-o", "--output", choices=DATA_FORMATS, help="print the server's whole answer")
    can_i.set_defaults(run=run_can_i)
    return parser


def run_can_i(args: argparse.Namespace, context: Context) -> int:
    resource = plural(args.resource)
    cluster = args.all_namespaces or resource.partition("/")[0] in CLUSTER_SCOPED
    subject = parse_username(args.as_user) if args.as_user else None
    with context.access() as access:
        answer = access.check_access(args.action, resource, "" if cluster else context.namespace, subject=subject)
    if args.output:
        print_one(answer, args.output, context.out)
    elif not args.quiet:
        if answer.allowed:
            context.out.write("yes\n")
        else:
            # kubectl's form: the reason, when there is one, after the answer.
            context.out.write("no" + (f" - {answer.reason}" if answer.reason else "") + "\n")
    return 0 if answer.allowed else 1
