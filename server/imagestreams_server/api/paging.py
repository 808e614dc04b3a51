"""Opaque page tokens: the last key of a page, so the next page starts after it even as data changes.

A token is versioned base64url JSON (`{"v": 1, "after": [...]}`) and is checked on the way in: the key must have
the length and the types of the list it pages (a token from another list, an older version, or a crafted one is
INVALID_ARGUMENT, never an error further down). Its content is no secret: it only says where to resume.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..domain.errors import InvalidField

T = TypeVar("T")
VERSION = 1
# A key is a few names and positions; anything longer is not a token of ours.
MAX_TOKEN_LENGTH = 2048
INVALID = "invalid page token; pass the next_page_token of the previous page"


def next_page_token(page: Sequence[T], limit: int, key: Callable[[T], list[Any]]) -> str:
    """The token of the page after a full one (empty when this page was the last)."""
    return encode(key(page[-1])) if page and len(page) == limit else ""


def encode(key: list[Any]) -> str:
    data = json.dumps({"v": VERSION, "after": key}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def decode(token: str, shape: Sequence[type], field: str = "page_token") -> list[Any] | None:
    """The key a token resumes after, checked against `shape` (the type of each part: `str` or `int`)."""
    if not token:
        return None
    if len(token) > MAX_TOKEN_LENGTH:
        raise InvalidField(field, INVALID)
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise InvalidField(field, INVALID) from None
    key = data.get("after") if isinstance(data, dict) and data.get("v") == VERSION else None
    if not isinstance(key, list) or len(key) != len(shape) or not all(map(_is, key, shape)):
        raise InvalidField(field, INVALID)
    return key


def _is(value: Any, kind: type) -> bool:
    # JSON booleans are ints to Python: a position is never one.
    return isinstance(value, kind) and not isinstance(value, bool)
