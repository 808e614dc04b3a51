"""The request id a client may send with any call (`x-request-id` metadata) and which values count as one.

Write RPCs deduplicate by it (api/idempotent.py), the access guard records it in each event's cause, and the
per-call log line and trailing metadata carry it (api/observability/rpc.py): all three take a value only when
it has this form, so nothing else (a misplaced credential, a line break) is ever logged or stored.
"""

from __future__ import annotations

import re

from ..application.idempotency import REQUEST_ID_FIELD

KEY = REQUEST_ID_FIELD
MAX_LENGTH = 128
FORMAT = re.compile(r"[A-Za-z0-9._:-]+")


def is_request_id(value: object) -> bool:
    """Letters, digits and `._:-`, 1 to MAX_LENGTH characters."""
    return isinstance(value, str) and 0 < len(value) <= MAX_LENGTH and FORMAT.fullmatch(value) is not None
