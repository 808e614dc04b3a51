"""Group commit: appends made at the same time by threads of one process share one transaction.

Each append on PostgreSQL takes the log's table lock, sends a NOTIFY and commits; with several writers each
waits for the lock (held across round trips by a thread that also waits for the interpreter). Here a thread
that appends queues its request; if no batch is running it becomes the leader: it takes what is queued (up to
MAX_BATCH requests, its own first), runs them as one transaction on its own thread and hands each follower its
positions. Then it passes the lead to the oldest request still queued, if any, and returns.

A batch that fails is not retried as a batch: each of its requests is handed back to its own thread, which
runs it alone in a transaction of its own, exactly as without group commit. So a request that conflicts with
another replica's write, or whose read-model rows cannot be written, fails alone with the error it would have
had anyway, and the others commit. A failed transaction wrote nothing, so running a request again never
writes it twice. A batch of one request is already "alone": its error is its own.

A request whose caller's deadline has passed when the leader takes it is handed back too: run alone, it fails
as it would without group commit (no connection is handed out past the deadline, see pg_datastore.py). The
batch runs under the earliest deadline of its requests, so its statements are bounded by the most pressed
caller; if that bound cancels the batch, the others run alone under their own deadlines.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.persistence import StoredEvent

from . import deadline

# The most requests one transaction takes: bounds its size, and so the time the table is locked for.
MAX_BATCH = 64


@dataclass(eq=False)
class Append:
    """One thread's append, waiting for a batch to carry it."""

    stored_events: Sequence[StoredEvent]
    kwargs: dict[str, Any]
    # time.monotonic() past which the caller stops waiting (None: no deadline).
    deadline: float | None
    # Set by the batch: the positions of the events, once committed.
    positions: Sequence[int] | None = None
    # Set when the request must be run by its own thread, alone (its batch failed, or its deadline passed).
    error: BaseException | None = None
    alone: bool = False
    # Set when the request's thread is to lead the next batch.
    lead: bool = False
    _woken: threading.Event = field(default_factory=threading.Event)

    def expired(self, now: float) -> bool:
        return self.deadline is not None and self.deadline <= now


class GroupCommit:
    """Combines concurrent appends. `run_batch` writes the requests in one transaction and sets each one's
    positions, or raises and writes nothing."""

    def __init__(self, run_batch: Callable[[list[Append]], object], max_batch: int = MAX_BATCH) -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._mutex = threading.Lock()
        self._queue: deque[Append] = deque()
        # Whether a thread leads (or has been chosen to lead) a batch. While the queue is not empty, one does.
        self._leading = False

    @property
    def queued(self) -> int:
        """Requests waiting for a batch (not counting the one running)."""
        return len(self._queue)

    def submit(self, request: Append) -> bool:
        """Waits until `request` is committed by a batch (True: its positions are set) or is handed back to be
        run alone (False); raises the error of a batch of this request alone."""
        with self._mutex:
            self._queue.append(request)
            if not self._leading:
                self._leading = True
                request.lead = True
        if not request.lead:
            self._wait(request)
        if request.lead:
            self._lead()
        if request.error is not None:
            raise request.error
        return not request.alone

    def _wait(self, request: Append) -> None:
        """Until a batch has carried the request or it is chosen to lead. A request still queued when its
        caller's deadline passes leaves the queue and fails, as a lone append waiting for the table lock
        would be cancelled then; one that a batch has taken waits for that batch."""
        if request._woken.wait(_seconds_until(request.deadline)):
            return
        with self._mutex:
            abandoned = not request.lead and request in self._queue
            if abandoned:
                self._queue.remove(request)
        if abandoned:
            raise deadline.DeadlineExceeded()
        request._woken.wait()

    def _lead(self) -> None:
        with self._mutex:
            taken = [self._queue.popleft() for _ in range(min(self._max_batch, len(self._queue)))]
        now = time.monotonic()
        batch = [r for r in taken if not r.expired(now)]
        for late in (r for r in taken if r.expired(now)):
            late.alone = True
        try:
            if batch:
                deadlines = [r.deadline for r in batch if r.deadline is not None]
                with deadline.deadline_at(min(deadlines) if deadlines else None):
                    self._run_batch(batch)
        except Exception as error:
            for r in batch:
                r.positions = None
            if len(batch) == 1:
                batch[0].error = error
        finally:
            # Whatever stopped the batch, a request it did not commit goes back to its thread.
            for r in batch:
                if r.positions is None and r.error is None:
                    r.alone = True
            for r in taken:
                r.lead = False
            with self._mutex:
                # Chosen under the mutex: a request that is chosen cannot leave the queue on its deadline.
                successor = self._queue[0] if self._queue else None
                if successor is None:
                    self._leading = False
                else:
                    successor.lead = True
            for r in taken:
                r._woken.set()
            if successor is not None:
                successor._woken.set()


def _seconds_until(instant: float | None) -> float | None:
    return None if instant is None else max(0.0, instant - time.monotonic())
