"""`isctl create user|sa|token` and `isctl delete project|user|group|sa|token`: the access resources through
the generic verbs (`create.py` and `delete.py` hand them over here)."""

from __future__ import annotations

import argparse

from imagestreams_client import AccessClient, ImageStreamsError
from imagestreams_client.access import TOKEN_NAME_PREFIX, token_name

from ..context import Context
from ..errors import UsageError
from ..output import DATA_FORMATS, print_one
from ..refs import GROUP, PROJECT, SERVICE_ACCOUNT, TOKEN, USER
from ..subjects import parse_token_subject
from ..token_issuing import issue_token

CREATABLE = (USER, SERVICE_ACCOUNT, TOKEN)
DELETABLE = (PROJECT, USER, GROUP, SERVICE_ACCOUNT, TOKEN)


def create(resource: str, args: argparse.Namespace, context: Context) -> int:
    if args.name is None:
        what = "USER, sa/NAME or system:serviceaccount:NS:NAME" if resource == TOKEN else "NAME"
        raise UsageError(f"give whom to create it for: isctl create {args.resource} {what}")
    if resource != TOKEN and (args.duration or args.description):
        raise UsageError("--duration and --description apply to tokens only")
    if resource == TOKEN:
        return issue_token(context, parse_token_subject(args.name, context.namespace), args)
    with context.access() as access:
        if resource == USER:
            created = access.create_user(args.name).user
            qualified = f"user.user.openshift.io/{created.name}"
        else:
            created = access.create_service_account(context.namespace, args.name).service_account
            qualified = f"serviceaccount/{created.name}"
    if args.output in DATA_FORMATS:
        print_one(created, args.output, context.out)
    elif args.output == "name":
        context.out.write(qualified + "\n")
    else:
        context.out.write(f"{qualified} created\n")
    return 0


def delete(resource: str, name: str, context: Context) -> str:
    """Deletes one; returns what kubectl prints for it."""
    if resource == PROJECT:
        with context.projects() as projects:
            projects.delete_project(name)
        return f'project.project.openshift.io "{name}" deleted'
    with context.access() as access:
        if resource == USER:
            access.delete_user(name)
            return f'user.user.openshift.io "{name}" deleted'
        if resource == GROUP:
            access.delete_group(name)
            return f'group.user.openshift.io "{name}" deleted'
        if resource == SERVICE_ACCOUNT:
            access.delete_service_account(context.namespace, name)
            return f'serviceaccount "{name}" deleted'
        return _delete_token(access, name)


def _delete_token(access: AccessClient, name: str) -> str:
    """A token is named by its hash, or given itself: then only its hash is ever printed, and a server
    message that quoted it is printed with the hash in its place."""
    shown = name if name.startswith(TOKEN_NAME_PREFIX) else token_name(name)
    try:
        access.delete_token(name)
    except ImageStreamsError as error:
        if name == shown:
            raise
        raise ImageStreamsError(
            error.code,
            error.message.replace(name, shown),
            [(field, text.replace(name, shown)) for field, text in error.field_violations],
            error.reason,
            {key: value.replace(name, shown) for key, value in error.metadata.items()},
        ) from None
    return f'useroauthaccesstoken.oauth.openshift.io "{shown}" deleted'
