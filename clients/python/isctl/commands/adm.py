"""`isctl adm policy ...` (cluster-wide roles), `isctl adm groups new|add-users|remove-users`,
`isctl adm registry-config` and `isctl adm prune images`."""

from __future__ import annotations

import argparse

from ..context import Context, Subparsers, prose
from ..role_changes import add_role_change_parsers, go_quoted
from . import prune, registry_config

GROUP_PREFIX = "group.user.openshift.io/"

POLICY_EXAMPLES = """\
examples:
  isctl adm policy add-cluster-role-to-user cluster-admin alice
  isctl adm policy add-cluster-role-to-user view system:serviceaccount:monitoring:reader
  isctl adm policy add-cluster-role-to-group view auditors
  isctl adm policy remove-cluster-role-from-user cluster-admin alice
"""

GROUP_EXAMPLES = """\
examples:
  isctl adm groups new developers alice bob
  isctl adm groups add-users developers carol
  isctl adm groups remove-users developers bob
  isctl get groups
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "adm",
        parents=parents,
        help="cluster administration: cluster-wide roles, groups, pruning",
        description=prose(
            "Cluster administration, as `oc adm`: cluster-wide role bindings, groups of users, and pruning."
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    areas = parser.add_subparsers(dest="adm_area", metavar="COMMAND", required=True)

    policy = areas.add_parser(
        "policy",
        parents=parents,
        help="grant and revoke roles, cluster-wide or in a project",
        description=prose(
            "Grant and revoke roles for every project (add-cluster-role-to-*, remove-cluster-role-from-*), or in "
            "the current project (add-role-to-*, remove-role-from-*, as `isctl policy`)."
        ),
        epilog=POLICY_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    policy_commands = policy.add_subparsers(dest="adm_policy_command", metavar="COMMAND", required=True)
    add_role_change_parsers(policy_commands, parents, cluster=True, examples=POLICY_EXAMPLES)
    add_role_change_parsers(policy_commands, parents, cluster=False, examples=POLICY_EXAMPLES)

    groups = areas.add_parser(
        "groups",
        parents=parents,
        help="create groups and change their members",
        description=prose("Named groups of users, which roles can be granted to. Deleting: isctl delete group."),
        epilog=GROUP_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    registry_config.add_parser(areas, parents)
    prune.add_parser(areas, parents)
    group_commands = groups.add_subparsers(dest="adm_groups_command", metavar="COMMAND", required=True)
    new = group_commands.add_parser("new", parents=parents, help="create a group, with members or without")
    new.add_argument("name", metavar="GROUP")
    new.add_argument("users", metavar="USER", nargs="*")
    new.set_defaults(run=_new_group)
    for verb, run, help_text in (
        ("add-users", _add_users, "add users to a group"),
        ("remove-users", _remove_users, "remove users from a group"),
    ):
        command = group_commands.add_parser(verb, parents=parents, help=help_text)
        command.add_argument("name", metavar="GROUP")
        command.add_argument("users", metavar="USER", nargs="+")
        command.set_defaults(run=run)
    return parser


def _new_group(args: argparse.Namespace, context: Context) -> int:
    with context.access() as access:
        access.create_group(args.name, args.users)
    context.out.write(f"{GROUP_PREFIX}{args.name} created\n")
    return 0


def _add_users(args: argparse.Namespace, context: Context) -> int:
    with context.access() as access:
        access.add_group_users(args.name, args.users)
    context.out.write(f"{GROUP_PREFIX}{args.name} added: {go_quoted(args.users)}\n")
    return 0


def _remove_users(args: argparse.Namespace, context: Context) -> int:
    with context.access() as access:
        access.remove_group_users(args.name, args.users)
    context.out.write(f"{GROUP_PREFIX}{args.name} removed: {go_quoted(args.users)}\n")
    return 0
