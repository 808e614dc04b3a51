"""`isctl policy add-role-to-user|add-role-to-group|remove-role-from-user|remove-role-from-group|who-can`:
role bindings of the current project, as `oc policy`."""

from __future__ import annotations

import argparse

from ..api_groups import qualified
from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..output import DATA_FORMATS, print_one
from ..role_changes import add_role_change_parsers

EXAMPLES = """\
examples:
  isctl policy add-role-to-user edit alice -n team-a
  isctl policy add-role-to-user view -z builder                      # service account team-a:builder
  isctl policy add-role-to-user system:image-puller system:serviceaccount:team-b:default -n team-a
  isctl policy add-role-to-group view developers
  isctl policy remove-role-from-user edit alice
  isctl policy who-can update imagestreams
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "policy",
        parents=parents,
        help="grant and revoke roles in a project; who can do what",
        description=prose(
            "Manage the role bindings of the current project (-n): which users, groups and service accounts have "
            "which role there. Roles are the cluster's built-in roles (isctl get clusterroles): admin, edit, "
            "view, system:image-puller, ... `who-can` lists who may do a verb on a resource."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="policy_command", metavar="COMMAND", required=True)
    add_role_change_parsers(commands, parents, cluster=False, examples=EXAMPLES)

    who_can = commands.add_parser(
        "who-can",
        parents=parents,
        help="list who may do a verb on a resource",
        description=prose(
            "List the users (service accounts among them) and groups that may do VERB on RESOURCE in the "
            "current project, or with -A in every project."
        ),
        epilog="examples:\n  isctl policy who-can get imagestreams\n  isctl policy who-can update imagestreams -A",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    who_can.add_argument("action", metavar="VERB", help="get, list, watch, create, update, delete")
    who_can.add_argument("resource", metavar="RESOURCE", help="imagestreams, secrets, rolebindings, ...")
    add_bool_flag(who_can, "-A", "--all-namespaces", help="ask about every project (the cluster scope)")
    who_can.add_argument("-o", "--output", choices=DATA_FORMATS)
    who_can.set_defaults(run=run_who_can)
    return parser


def run_who_can(args: argparse.Namespace, context: Context) -> int:
    namespace = "" if args.all_namespaces else context.namespace
    with context.access() as access:
        answer = access.who_can(args.action, args.resource, namespace)
    if args.output:
        print_one(answer, args.output, context.out)
        return 0
    context.out.write(who_can_text(args.action, args.resource, namespace, list(answer.users), list(answer.groups)))
    return 0


def who_can_text(verb: str, resource: str, namespace: str, users: list[str], groups: list[str]) -> str:
    """oc's layout: the question, then users and groups, sorted, one a line."""
    lines = [
        f"Namespace: {namespace or '<all>'}",
        f"Verb:      {verb}",
        f"Resource:  {qualified(resource)}",
        "",
        f"Users:  {_column(users)}",
        "",
        f"Groups: {_column(groups)}",
        "",
    ]
    return "\n".join(lines) + "\n"


def _column(names: list[str]) -> str:
    return "\n        ".join(sorted(names)) if names else "none"
