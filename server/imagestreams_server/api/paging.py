"""Opaque page tokens: the last key of a page, so the next page starts after it even as data changes."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..domain.errors import InvalidField

T = TypeVar("T")


def next_page_token(page: Sequence[T], limit: int, key: Callable[[T], list[Any]]) -> str:
    """The token of the page after a full one (empty when this page was the last)."""
    return encode(key(page[-1])) if page and len(page) == limit else ""


def encode(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def decode(token: str, length: int, field: str = "page_token") -> list[Any] | None:
    if not token:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except ValueError:
        raise InvalidField(field, "invalid page token; pass the next_page_token of the previous page") from None
    if not isinstance(key, list) or len(key) != length:
        raise InvalidField(field, "invalid page token; pass the next_page_token of the previous page")
    return key
