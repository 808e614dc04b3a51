"""`isctl get projects|users|groups|sa|tokens|rolebindings|clusterrolebindings|clusterroles [NAME...]`: the
access resources, as `oc get` lists them (`get.py` hands them over here)."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, TypeVar

from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams_client.access import service_account_subject

from .. import access_printers as printers
from ..context import Context
from ..errors import UsageError, UserInputError
from ..output import print_resources
from ..refs import (
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    GROUP,
    PROJECT,
    ROLE_BINDING,
    SERVICE_ACCOUNT,
    TOKEN,
    USER,
)
from ..stream_output import PROTO_FORMATS
from ..subjects import SERVICE_ACCOUNT_PREFIX, parse_username

RESOURCES = (PROJECT, USER, GROUP, SERVICE_ACCOUNT, TOKEN, ROLE_BINDING, CLUSTER_ROLE_BINDING, CLUSTER_ROLE)
# Resources of a project: an empty list says which namespace it looked in.
NAMESPACED = (SERVICE_ACCOUNT, ROLE_BINDING)


class Named(Protocol):
    name: str


N = TypeVar("N", bound=Named)


@dataclass(frozen=True)
class Listing:
    """How one resource is fetched and printed."""

    fetch: Callable[[Context, argparse.Namespace], list[Any]]
    headers: Sequence[str]
    row: Callable[[Any, datetime], list[str]]
    # The `-o name` prefix: `user.user.openshift.io/alice`.
    qualified_kind: str


def add_arguments(parser: argparse.ArgumentParser) -> None:
    tokens = parser.add_argument_group("tokens")
    whose = tokens.add_mutually_exclusive_group()
    whose.add_argument("--user", metavar="USER", help="tokens: those of this user (default: your own)")
    whose.add_argument("--sa", metavar="NAME", help="tokens: those of this service account of the current project")


def run(resource: str, args: argparse.Namespace, context: Context) -> int:
    if args.all_namespaces:
        raise UsageError("--all-namespaces lists image streams only")
    if resource != TOKEN and (args.user or args.sa):
        raise UsageError("--user and --sa choose whose tokens to list: isctl get tokens --user=USER")
    listing = LISTINGS[resource]
    items = listing.fetch(context, args)
    output = PROTO_FORMATS.get(args.output, args.output)
    if not items and output not in ("json", "yaml"):
        where = f" in {context.namespace} namespace" if resource in NAMESPACED else ""
        context.err.write(f"No resources found{where}.\n")
        return 0
    now = context.now()
    print_resources(
        items,
        output,
        context.out,
        single=len(args.names) == 1,
        name=lambda item: f"{listing.qualified_kind}/{item.name}",
        headers=listing.headers,
        row=lambda item: listing.row(item, now),
    )
    return 0


def named(items: Iterable[N], names: Sequence[str], kind: str) -> list[N]:
    """`items` in the order of `names`, or all of them without names. The server lists these without a get
    by name, so a missing name is found missing here."""
    found = list(items)
    if not names:
        return found
    by_name = {item.name: item for item in found}
    for name in names:
        if name not in by_name:
            raise UserInputError(f'{kind} "{name}" not found')
    return [by_name[name] for name in names]


def token_owner(args: argparse.Namespace, namespace: str) -> access_api.Subject | None:
    """Whose tokens `get tokens` lists: --user, --sa (a name of the project, or a full username), or None for
    the caller's own."""
    if args.user:
        return parse_username(args.user)
    if args.sa:
        if args.sa.startswith(SERVICE_ACCOUNT_PREFIX):
            return parse_username(args.sa)
        return service_account_subject(namespace, args.sa)
    return None


def _projects(context: Context, args: argparse.Namespace) -> list[Any]:
    with context.projects() as client:
        if args.names:
            return [client.get_project(name).project for name in args.names]
        return sorted(client.iter_projects(), key=lambda p: p.name)


def _users(context: Context, args: argparse.Namespace) -> list[Any]:
    with context.access() as access:
        return named(access.iter_users(), args.names, "user")


def _groups(context: Context, args: argparse.Namespace) -> list[Any]:
    with context.access() as access:
        return named(access.iter_groups(), args.names, "group")


def _service_accounts(context: Context, args: argparse.Namespace) -> list[Any]:
    with context.access() as access:
        return named(access.iter_service_accounts(context.namespace), args.names, "serviceaccount")


def _tokens(context: Context, args: argparse.Namespace) -> list[Any]:
    with context.access() as access:
        return named(access.iter_tokens(token_owner(args, context.namespace)), args.names, "token")


def _role_bindings(context: Context, args: argparse.Namespace) -> list[Any]:
    with context.access() as access:
        return named(access.iter_role_bindings(context.namespace), args.names, "rolebinding")


def _cluster_role_bindings(context: Context, args: argparse.Namespace) -> list[Any]:
    with context.access() as access:
        return named(access.iter_role_bindings(""), args.names, "clusterrolebinding")


def _cluster_roles(context: Context, args: argparse.Namespace) -> list[Any]:
    with context.access() as access:
        return named(access.list_roles().roles, args.names, "clusterrole")


LISTINGS = {
    PROJECT: Listing(
        _projects, printers.PROJECT_HEADERS, lambda p, now: printers.project_row(p), "project.project.openshift.io"
    ),
    USER: Listing(_users, printers.USER_HEADERS, printers.user_row, "user.user.openshift.io"),
    GROUP: Listing(_groups, printers.GROUP_HEADERS, lambda g, now: printers.group_row(g), "group.user.openshift.io"),
    SERVICE_ACCOUNT: Listing(
        _service_accounts, printers.SERVICE_ACCOUNT_HEADERS, printers.service_account_row, "serviceaccount"
    ),
    TOKEN: Listing(_tokens, printers.TOKEN_HEADERS, printers.token_row, "useroauthaccesstoken.oauth.openshift.io"),
    ROLE_BINDING: Listing(
        _role_bindings,
        printers.ROLE_BINDING_HEADERS,
        lambda b, now: printers.role_binding_row(b),
        "rolebinding.rbac.authorization.k8s.io",
    ),
    CLUSTER_ROLE_BINDING: Listing(
        _cluster_role_bindings,
        printers.ROLE_BINDING_HEADERS,
        lambda b, now: printers.role_binding_row(b),
        "clusterrolebinding.rbac.authorization.k8s.io",
    ),
    CLUSTER_ROLE: Listing(
        _cluster_roles,
        printers.CLUSTER_ROLE_HEADERS,
        lambda r, now: printers.cluster_role_row(r),
        "clusterrole.rbac.authorization.k8s.io",
    ),
}
