"""Loading an aggregate without asking the database, when this process knows its cached copy is current.

eventsourcing's repository keeps loaded aggregates in a cache and, on every load, fast-forwards the cached copy
with a query for newer events: one database transaction per aggregate a command loads. Here a copy is known to
be current once this process saved it (the saved aggregate goes into the cache), and stays known until the watch
hub, which follows the whole log, reports a newer event of it (another replica's write). A known copy is loaded
from memory; any other is fast-forwarded as before.

A copy believed current may be behind for as long as the hub takes to meet another replica's write (normally a
NOTIFY round trip). A command that changes such an aggregate cannot lose that write: its save conflicts on the
aggregate's version, the aggregate is then forgotten here, and the command's retry loads it from the database.
Nothing is loaded from memory until the hub follows the log (`follow`).
"""

from __future__ import annotations

import threading
from copy import deepcopy
from typing import Any

from eventsourcing.application import Repository


class CurrentAggregates:
    """Which cached aggregates this process knows to be current, at which version."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._current: dict[str, int] = {}
        # The highest version of each aggregate the hub reported (only those it reported since following).
        self._reported: dict[str, int] = {}
        self.following = False

    def saved(self, aggregate_id: str, version: int) -> bool:
        """This process committed `version`: known current unless the hub has already reported a later one."""
        with self._lock:
            if not self.following or self._reported.get(aggregate_id, 0) > version:
                self._current.pop(aggregate_id, None)
                return False
            self._current[aggregate_id] = version
            return True

    def reported(self, aggregate_id: str, version: int) -> None:
        """The hub read this event from the log."""
        with self._lock:
            if version > self._reported.get(aggregate_id, 0):
                self._reported[aggregate_id] = version
            if self._current.get(aggregate_id, version) < version:
                del self._current[aggregate_id]

    def forget(self, aggregate_ids: list[str]) -> None:
        """A save of these lost a race: load them from the database next time."""
        with self._lock:
            for aggregate_id in aggregate_ids:
                self._current.pop(aggregate_id, None)

    def version(self, aggregate_id: str) -> int | None:
        return self._current.get(aggregate_id)


class CurrentRepository(Repository[str]):
    """The library's repository, loading aggregates known current from its cache without a query."""

    current: CurrentAggregates

    def get(self, aggregate_id: str, *, version: int | None = None, **kwargs: Any) -> Any:
        known = self.current.version(aggregate_id) if version is None and self.cache is not None else None
        if known is not None and self.cache is not None:
            try:
                cached = self.cache.get(aggregate_id)
            except KeyError:
                cached = None
            if cached is not None and cached.version == known:
                # A copy: the command changes it, the cached one stays as saved.
                return deepcopy(cached)
        return super().get(aggregate_id, version=version, **kwargs)

    def remember_saved(self, aggregates: list[Any]) -> None:
        """After a commit of this process: its aggregates as saved go into the cache, known current."""
        if self.cache is None:
            return
        for aggregate in aggregates:
            if self.current.saved(aggregate.id, aggregate.version):
                self.cache.put(aggregate.id, deepcopy(aggregate))
