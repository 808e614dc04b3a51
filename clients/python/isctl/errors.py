"""How failures reach users: the exceptions verbs raise, and the `error: ...` text printed on stderr."""

from __future__ import annotations

import grpc
from imagestreams_client import ImageStreamsError


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
    lines = [error.message]
    lines.extend(f"  {field}: {text}" for field, text in error.field_violations if text not in error.message)
    return "\n".join(lines)
