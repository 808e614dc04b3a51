"""Who a command is about, as users type it: `alice`, `system:serviceaccount:NS:NAME`, `sa/NAME`
(`serviceaccount/NAME`) for a service account of the current project, and service accounts named with `-z`."""

from __future__ import annotations

from collections.abc import Iterable

from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams_client.access import group_subject, service_account_subject, user_subject

from .errors import UserInputError

SERVICE_ACCOUNT_PREFIX = "system:serviceaccount:"
# What `oc create token` and `kubectl` take before a service account's name.
_SERVICE_ACCOUNT_KINDS = ("sa", "serviceaccount", "serviceaccounts")
_USER_KINDS = ("user", "users")


def parse_username(who: str) -> access_api.Subject:
    """A user, or a service account given by its username (`system:serviceaccount:NS:NAME`), as
    `oc policy add-role-to-user` and `--as` read it."""
    if who.startswith(SERVICE_ACCOUNT_PREFIX):
        parts = who[len(SERVICE_ACCOUNT_PREFIX) :].split(":")
        if len(parts) != 2 or not all(parts):
            raise UserInputError(f'"{who}" is not a service account username: use system:serviceaccount:NS:NAME')
        return service_account_subject(parts[0], parts[1])
    if not who:
        raise UserInputError("a user name must not be empty")
    return user_subject(who)


def parse_token_subject(text: str, namespace: str) -> access_api.Subject:
    """What `create token` and `get tokens` take: `USER`, `user/USER`, `sa/NAME` or `serviceaccount/NAME`
    (of `namespace`), or `system:serviceaccount:NS:NAME`."""
    kind, slash, name = text.partition("/")
    if slash:
        if not name or "/" in name:
            raise UserInputError(f'"{text}" names no one: use USER, sa/NAME or system:serviceaccount:NS:NAME')
        if kind.lower() in _SERVICE_ACCOUNT_KINDS:
            return service_account_subject(namespace, name)
        if kind.lower() in _USER_KINDS:
            return parse_username(name)
        raise UserInputError(f'unknown kind "{kind}" in "{text}": use USER, sa/NAME or system:serviceaccount:NS:NAME')
    return parse_username(text)


def service_accounts(names: Iterable[str], namespace: str) -> list[access_api.Subject]:
    """`-z NAME` (repeatable, or comma-separated as pflag's string slices are): service accounts of the
    namespace."""
    return [service_account_subject(namespace, name) for name in split_commas(names)]


def groups(names: Iterable[str]) -> list[access_api.Subject]:
    return [group_subject(name) for name in names]


def split_commas(values: Iterable[str]) -> list[str]:
    return [part for value in values for part in value.split(",") if part]


def username(subject: access_api.Subject) -> str:
    """How the server names a subject in usernames: a service account as `system:serviceaccount:NS:NAME`."""
    if subject.kind == access_api.SUBJECT_KIND_SERVICE_ACCOUNT:
        return f"{SERVICE_ACCOUNT_PREFIX}{subject.namespace}:{subject.name}"
    return subject.name
