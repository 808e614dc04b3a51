"""A tag's status as the JSON its read-model row holds, without encoding its whole history on every move.

A move prepends one entry to the tag's history and keeps the others, which stay the same objects (a stream's
copies share them: `TagEvent.__deepcopy__`), so each entry's JSON is remembered by identity and the row is joined
from those pieces. The text is exactly `json.dumps(status.to_dict())` (tests/unit/test_status_json.py).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from ..domain.history import TagEvent
from ..domain.state import TagStatus

# Entries remembered (each holds its event, so an id is never reused while it is here).
MAX_REMEMBERED = 20_000

_lock = threading.Lock()
_remembered: OrderedDict[int, tuple[TagEvent, str]] = OrderedDict()


def _event_json(event: TagEvent) -> str:
    key = id(event)
    with _lock:
        hit = _remembered.get(key)
        if hit is not None and hit[0] is event:
            _remembered.move_to_end(key)
            return hit[1]
    text = json.dumps(event.to_dict())
    with _lock:
        _remembered[key] = (event, text)
        while len(_remembered) > MAX_REMEMBERED:
            _remembered.popitem(last=False)
    return text


def status_json(status: TagStatus) -> str:
    """`json.dumps(status.to_dict())`, with the history entries' JSON remembered."""
    conditions = json.dumps([c.to_dict() for c in status.conditions])
    items = ", ".join(_event_json(item) for item in status.items)
    return f'{{"items": [{items}], "conditions": {conditions}}}'
