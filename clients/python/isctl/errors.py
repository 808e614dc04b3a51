"""How failures reach users: the exceptions verbs raise, and the text printed on stderr for them."""

from __future__ import annotations

import grpc
from imagestreams_client import ImageStreamsError

# oc's words for a call without valid credentials, and for one the caller has no right to make.
UNAUTHORIZED = "You must be logged in to the server (Unauthorized)"
FORBIDDEN_PREFIX = "Error from server (Forbidden): "


class UserInputError(Exception):
    """Something the user typed cannot be used: printed as `error: <message>`, exit 1."""


class UsageError(Exception):
    """The command line is incomplete or contradicts itself: printed with the verb's usage, exit 2."""


def format_error(error: Exception, server: str) -> str:
    """The text after `error: `. Server messages already name the field they are about
    (`destinations[0].tag: invalid tag ...`); a violation the message does not mention is added below it."""
    if not isinstance(error, ImageStreamsError):
        return str(error)
    if error.code == grpc.StatusCode.UNAVAILABLE:
        return f"cannot reach the image streams server at {server}: {error.message}"
    if error.code == grpc.StatusCode.DEADLINE_EXCEEDED:
        return f"the image streams server at {server} did not answer in time: {error.message}"
    if error.code == grpc.StatusCode.UNAUTHENTICATED:
        return UNAUTHORIZED
    lines = [typed_fields(error.message)]
    lines.extend(
        f"  {typed_field(field)}: {text}" for field, text in error.field_violations if text not in error.message
    )
    return "\n".join(lines)


# Request fields as a user of the command line knows them: what they typed is a NAME, not the request's
# `image_stream.name` or `stream`. Fields not listed (`destinations[0].tag`) already say which word it was.
_TYPED_FIELDS = {
    "image_stream.name": "name",
    "image_stream.namespace": "namespace",
    "image_stream.metadata.name": "name",
    "image_stream.metadata.namespace": "namespace",
    "stream": "name",
}


def typed_field(field: str) -> str:
    return _TYPED_FIELDS.get(field, field)


def typed_fields(message: str) -> str:
    """A server message that starts with a request field (`image_stream.name: invalid ...`), with the field as
    the user knows it (`name: invalid ...`)."""
    field, colon, rest = message.partition(": ")
    if colon and field in _TYPED_FIELDS:
        return f"{_TYPED_FIELDS[field]}: {rest}"
    return message


def error_report(error: Exception, server: str) -> str:
    """The whole report of a failure, newline included: `error: ...` for most, oc's `Error from server
    (Forbidden): ...` for a missing right, and for missing or rejected credentials a hint how to log in."""
    if isinstance(error, ImageStreamsError) and error.code == grpc.StatusCode.PERMISSION_DENIED:
        return f"{FORBIDDEN_PREFIX}{error.message}\n"
    report = f"error: {format_error(error, server)}\n"
    if isinstance(error, ImageStreamsError) and error.code == grpc.StatusCode.UNAUTHENTICATED:
        report += f"Log in with a token: isctl login --token=TOKEN --server={server}\n"
    return report


def stops_the_rest(error: ImageStreamsError) -> bool:
    """Whether a failure for one name of a list dooms the others too (so the command stops, rather than
    reporting the same failure for each): the server is gone, or the credentials are."""
    return error.code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.UNAUTHENTICATED)
