"""Page tokens of ListTagHistory: the last move's (position, tag), plus the order for newest-first pages.

Oldest-first tokens keep the shape they always had; a newest-first token carries `newest`, so a token is
refused (INVALID_ARGUMENT) with the order it was not given for rather than paging from the wrong end.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..domain.errors import InvalidField
from ..store.readmodel import TagMove
from . import paging

NEWEST = "newest"


def decode(token: str, newest_first: bool) -> tuple[int, str] | None:
    if not token:
        return None
    try:
        key = paging.decode(token, (int, str, str) if newest_first else (int, str))
    except InvalidField:
        raise InvalidField("page_token", f"{paging.INVALID} (with the same newest_first it was given for)") from None
    if key is None or (newest_first and key[2] != NEWEST):
        raise InvalidField("page_token", paging.INVALID)
    return int(key[0]), str(key[1])


def next_page_token(moves: Sequence[TagMove], limit: int, newest_first: bool) -> str:
    suffix = [NEWEST] if newest_first else []
    return paging.next_page_token(moves, limit, lambda m: [m.position, m.tag, *suffix])
