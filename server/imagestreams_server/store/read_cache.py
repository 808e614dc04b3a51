"""Read-model rows kept in memory while the log shows no later change to them, so most reads need no database.

An entry is what a read of the read models returned for one aggregate (a stream, with all of its tags or with one,
or an image). It stays valid until an event of that aggregate appears, and two things report every event:

- this process's own commits, before the command that made them returns (`EventLog.on_recorded`), so a client
  that writes and then reads on the same replica sees its write even without `min_position`;
- the watch hub, which follows the whole log in order (woken by this process's commits, by PostgreSQL's NOTIFY
  for other replicas' commits, and by a poll): every event up to `hub.position` has been reported.

So an entry answers a read with `min_position` at or below the hub's position exactly as the read models would
(every change up to there that touched it has dropped it); a read past the hub's position goes to the database,
which answers it or says OUT_OF_RANGE as before. A read without `min_position` may miss another replica's commit
for as long as the hub takes to see it (normally a NOTIFY round trip; at most the hub's poll interval if a
notification is lost). While the database is unreachable the cache answers nothing, so reads fail as before.

An entry read from the database while an event of its aggregate was being reported could hold the state from
before that event; it is therefore only stored when no event of its aggregate was reported since the read began
(`token`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any

from .pg_datastore import health_of

if TYPE_CHECKING:
    from .app import EventLog
    from .watch_hub import WatchHub

# Aggregates kept (least recently used dropped first): a stream's entries (all tags, single tags) count as one.
# A stream with ten tags of twenty history entries each takes about 90 KiB in memory (45 MB for 500).
MAX_AGGREGATES = 500
# A stream has at most this many single-tag entries; more drops the oldest.
MAX_PARTS = 64


class ReadCache:
    def __init__(self, max_aggregates: int = MAX_AGGREGATES) -> None:
        self.max_aggregates = max_aggregates
        self._lock = threading.Lock()
        # aggregate id -> {part: value}; a part is None for the whole aggregate, or a tag name.
        self._entries: OrderedDict[str, dict[str | None, Any]] = OrderedDict()
        # Counts reported events; `_changed` holds the count at each aggregate's last reported event (one int per
        # aggregate ever changed while the process runs).
        self._epoch = 0
        self._changed: dict[str, int] = {}
        # Every event up to this position has been reported; None until the cache follows a log.
        self._position: Callable[[], int] | None = None
        self._usable: Callable[[], bool] = lambda: True
        self.hits = 0
        self.misses = 0

    def follow(self, position: Callable[[], int], usable: Callable[[], bool] = lambda: True) -> None:
        """Starts answering: `position` is how far every event of the log has been reported to `changed`;
        `usable` says whether the database can be reached (no answers from memory while it cannot)."""
        self._usable = usable
        self._position = position

    @property
    def following(self) -> bool:
        return self._position is not None

    def covers(self, min_position: int) -> bool:
        """Whether entries answer a read that must reflect the log up to `min_position`."""
        return self._position is not None and min_position <= self._position() and self._usable()

    def get(self, aggregate_id: str, part: str | None, min_position: int) -> Any | None:
        if not self.covers(min_position):
            return None
        with self._lock:
            parts = self._entries.get(aggregate_id)
            value = None if parts is None else parts.get(part)
            if value is None:
                self.misses += 1
                return None
            self._entries.move_to_end(aggregate_id)
            self.hits += 1
            return value

    def token(self) -> int:
        """Taken before reading the database; `put` stores the value read only if nothing changed since."""
        return self._epoch

    def put(self, aggregate_id: str, part: str | None, value: Any, token: int) -> None:
        if self._position is None:
            return
        with self._lock:
            if self._changed.get(aggregate_id, -1) > token:
                return  # an event of it was reported after the read began: the value may be older than it
            parts = self._entries.setdefault(aggregate_id, {})
            if part is not None and part not in parts and len(parts) >= MAX_PARTS:
                oldest = next((p for p in parts if p is not None), None)
                parts.pop(oldest, None)
            parts[part] = value
            self._entries.move_to_end(aggregate_id)
            while len(self._entries) > self.max_aggregates:
                self._entries.popitem(last=False)

    def changed(self, aggregate_ids: Iterable[str]) -> None:
        """Events of these aggregates were committed: their entries are no longer the current state."""
        with self._lock:
            for aggregate_id in aggregate_ids:
                self._epoch += 1
                self._changed[aggregate_id] = self._epoch
                self._entries.pop(aggregate_id, None)

    def event_recorded(self, event: Any) -> None:
        """For the watch hub: one event read from the log."""
        self.changed((event.originator_id,))

    def recordings(self, recordings: list[Any]) -> None:
        """For `EventLog.on_recorded`: this process's commit."""
        self.changed({r.domain_event.originator_id for r in recordings})


def follow_log(cache: ReadCache, event_log: EventLog, hub: WatchHub) -> None:
    """Makes `cache` answer reads: told of this process's commits and of every event the hub reads. Called
    right after `hub.start()`, with no await in between, so the hub reports every event after its starting
    position (entries are only made from then on)."""
    event_log.on_recorded.append(cache.recordings)
    hub.observers.append(cache.event_recorded)
    health = health_of(event_log.recorder.datastore)  # type: ignore[attr-defined]
    cache.follow(lambda: hub.position, (lambda: health.up) if health is not None else (lambda: True))
