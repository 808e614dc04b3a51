"""Adding roles to users, groups and service accounts, and removing them: the verbs `isctl policy` and
`isctl adm policy` share, with oc's words (`clusterrole.rbac.authorization.k8s.io/edit added: "alice"`)."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from functools import partial

from imagestreams.v1 import access_service_pb2 as access_api

from .context import Context, Subparsers, prose
from .errors import UsageError
from .subjects import groups, parse_username, service_accounts, split_commas

ROLE_PREFIX = "clusterrole.rbac.authorization.k8s.io/"


@dataclass(frozen=True)
class RoleChange:
    add: bool
    kind: str  # "user" or "group"
    cluster: bool

    @property
    def verb(self) -> str:
        role = "cluster-role" if self.cluster else "role"
        return f"add-{role}-to-{self.kind}" if self.add else f"remove-{role}-from-{self.kind}"

    @property
    def summary(self) -> str:
        where = "cluster-wide" if self.cluster else "in the current project"
        kind = "users or service accounts" if self.kind == "user" else "groups"
        return f"{'bind' if self.add else 'unbind'} a role {'to' if self.add else 'from'} {kind} {where}"


CHANGES = tuple(
    RoleChange(add, kind, cluster) for cluster in (False, True) for add in (True, False) for kind in ("user", "group")
)


def add_role_change_parsers(
    commands: Subparsers, parents: list[argparse.ArgumentParser], *, cluster: bool, examples: str
) -> None:
    for change in (c for c in CHANGES if c.cluster == cluster):
        parser = commands.add_parser(
            change.verb,
            parents=parents,
            help=change.summary,
            description=prose(_description(change)),
            epilog=examples,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        parser.add_argument("role", metavar="ROLE", help="a cluster role: isctl get clusterroles lists them")
        if change.kind == "user":
            parser.add_argument("names", metavar="USER", nargs="*", help="users, or system:serviceaccount:NS:NAME")
            parser.add_argument(
                "-z",
                "--serviceaccount",
                action="append",
                default=[],
                metavar="NAME",
                help="a service account of the current project (repeatable, or comma-separated)",
            )
        else:
            parser.add_argument("names", metavar="GROUP", nargs="+")
        if change.add:
            parser.add_argument(
                "--rolebinding-name", default="", help="the binding to add to (default: one named after the role)"
            )
        parser.set_defaults(run=partial(run, change))


def _description(change: RoleChange) -> str:
    scope = (
        "for every project (a cluster role binding)"
        if change.cluster
        else "in the current project (-n), in a role binding of that project"
    )
    if change.add:
        return f"Grant ROLE {scope} to the {change.kind}s named."
    return f"Take ROLE {scope} away from the {change.kind}s named: they are removed from every binding of it."


def run(change: RoleChange, args: argparse.Namespace, context: Context) -> int:
    names: list[str] = list(args.names)
    accounts = split_commas(getattr(args, "serviceaccount", []))
    if not names and not accounts:
        raise UsageError("you must specify at least one user or service account")
    subjects: list[access_api.Subject] = [parse_username(n) for n in names] if change.kind == "user" else groups(names)
    subjects += service_accounts(accounts, context.namespace)
    namespace = "" if change.cluster else context.namespace
    with context.access() as access:
        if change.add:
            access.add_role_binding(namespace, args.role, subjects, binding_name=args.rolebinding_name)
        else:
            access.remove_role_binding(namespace, args.role, subjects)
    context.out.write(
        f"{ROLE_PREFIX}{args.role} {'added' if change.add else 'removed'}: {go_quoted([*names, *accounts])}\n"
    )
    return 0


def go_quoted(values: list[str]) -> str:
    """Go's `%q` of one string, or of a list of them (`["alice" "bob"]`), which is how oc names its targets."""
    quoted = [json.dumps(v, ensure_ascii=False) for v in values]
    return quoted[0] if len(quoted) == 1 else f"[{' '.join(quoted)}]"
