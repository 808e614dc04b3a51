"""In-process locks per aggregate, so commands of one process on the same stream queue instead of colliding.

Optimistic concurrency alone makes writers of one stream race: each loads, decides and saves, and all but one
lose and start again; with a handful of writers some lose ten times in a row (ABORTED). Holding the
aggregate's lock from its load to the save makes the writers of this process take turns; only writers in
other replicas can still collide, and the unit of work's retry handles those.

The table is striped (a fixed number of locks, an aggregate id hashed to one), so it never grows. A command
that touches several aggregates takes their stripes in ascending order; when it needs a stripe below one it
holds, it only tries it, and on failure gives up all its stripes and starts again with them all known, in
order. Waiting in ascending order only, two commands can never wait for each other.
"""

from __future__ import annotations

import threading
import zlib

from ..store import deadline

STRIPES = 1024
# The longest a command waits for another command of this process on the same aggregate (less when the
# caller's deadline comes first).
WAIT_SECONDS = 10.0

_locks = tuple(threading.Lock() for _ in range(STRIPES))


def stripe(aggregate_id: object) -> int:
    return zlib.crc32(str(aggregate_id).encode()) % STRIPES


class Reorder(Exception):
    """A stripe below one already held is busy: release everything and start again in order."""


class TimedOut(Exception):
    """Another command held the aggregate for longer than WAIT_SECONDS."""


class HeldLocks:
    """The stripes one attempt of a command holds. Not shared between threads."""

    def __init__(self, wanted: set[int] | None = None) -> None:
        self.held: set[int] = set()
        # Every stripe this command is known to need, taken up front (in order) on a new attempt.
        self.wanted: set[int] = set(wanted or ())

    def acquire_wanted(self) -> None:
        for index in sorted(self.wanted):
            self._take(index)

    def lock(self, aggregate_id: object) -> None:
        index = stripe(aggregate_id)
        if index in self.held:
            return
        self.wanted.add(index)
        if not self.held or index > max(self.held):
            self._take(index)
        elif _locks[index].acquire(blocking=False):
            self.held.add(index)
        else:
            raise Reorder

    def release(self) -> None:
        for index in self.held:
            _locks[index].release()
        self.held.clear()

    def _take(self, index: int) -> None:
        # No longer than the caller waits: past its deadline the write is not started at all.
        left = deadline.remaining()
        wait = WAIT_SECONDS if left is None else max(0.0, min(WAIT_SECONDS, left))
        if not _locks[index].acquire(timeout=wait):
            if left is not None and left <= WAIT_SECONDS:
                raise deadline.DeadlineExceeded("the deadline passed while other writers held the stream")
            raise TimedOut
        self.held.add(index)
