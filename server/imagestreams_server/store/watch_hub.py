"""The watch hub: one follower of the log per process, fanning changes out to every watcher.

The hub offers each change of the log, in the log's order, to the watchers whose filter matches. This
process's own commits are taken as they are reported (their events and positions), without reading them back,
when they follow on from what the hub has offered: appends take the log's lock until they commit, so no
earlier position can still appear. Anything else (a PostgreSQL NOTIFY from another replica, a periodic poll,
an own commit after a gap) makes the hub read the log by position. Each watcher has a bounded buffer: one
that falls too far behind is marked overflowed rather than slowing the others or growing without bound. No
watcher holds a database connection.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

import psycopg

from .app import EventLog
from .changes import Change, WatchFilter, change_of
from .health import StoreUnavailable, describe
from .outage_log import OutageLog

log = logging.getLogger(__name__)
T = TypeVar("T")
READ_PAGE = 500
# Own commits kept while the hub cannot take them yet (it is reading the log, or one is missing); past this,
# they are dropped and the log read instead.
PENDING_LIMIT = 1000


class WatchStats:
    """Counts since the hub started, for the metrics: changes handed to watchers, changes a watcher that had
    fallen too far behind did not get, and watchers ended for that."""

    __slots__ = ("delivered", "dropped", "ended_slow")

    def __init__(self) -> None:
        self.delivered = 0
        self.dropped = 0
        self.ended_slow = 0


class ProgressDue:
    """In a watcher's buffer: the watcher has been idle long enough to say where it stands."""


PROGRESS_DUE = ProgressDue()


class Subscription:
    """A watcher's place in the hub: its filter and a bounded buffer of matching changes (None: the watcher
    is ended; PROGRESS_DUE: see `nudge`)."""

    def __init__(self, watch_filter: WatchFilter, capacity: int, stats: WatchStats | None = None) -> None:
        self.filter = watch_filter
        self.capacity = capacity
        self.stats = stats or WatchStats()
        self.queue: asyncio.Queue[Change | ProgressDue | None] = asyncio.Queue()
        self.overflowed = False
        self.closed = False

    def close(self) -> None:
        """Ends the watcher (the server is shutting down)."""
        if not self.closed:
            self.closed = True
            self.queue.put_nowait(None)

    def nudge(self) -> None:
        """Wakes the watcher to send a progress marker (unless it is ending anyway)."""
        if not self.closed and not self.overflowed:
            self.queue.put_nowait(PROGRESS_DUE)

    def offer(self, change: Change) -> None:
        if self.closed:
            return
        if self.overflowed:
            self.stats.dropped += 1
            return
        if self.queue.qsize() >= self.capacity:
            self.overflowed = True
            self.stats.dropped += 1
            self.stats.ended_slow += 1
            self.queue.put_nowait(None)  # wakes the watcher, which ends itself
            return
        self.stats.delivered += 1
        self.queue.put_nowait(change)


class WatchHub:
    def __init__(self, event_log: EventLog, executor: Executor, poll_interval: float = 2.0) -> None:
        self.event_log = event_log
        self.executor = executor
        self.poll_interval = poll_interval
        # Every change up to this position has been offered to the watchers.
        self.position = 0
        self._subscriptions: set[Subscription] = set()
        self.stats = WatchStats()
        self._failures = OutageLog(log)
        self._wake = asyncio.Event()
        # Set when the log must be read (another replica's commit, a poll, or an own commit that cannot be
        # taken as reported).
        self._read_wanted = False
        # This process's commits not offered yet, by their first position: [(position, event), ...].
        self._own: dict[int, list[tuple[int, Any]]] = {}
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task[None] | None = None
        self._listener: Any = None
        # Called on the event loop with every event the hub reads from the log (after this process started).
        self.observers: list[Callable[[Any], None]] = []

    async def start(self, listener_factory: Callable[[Callable[[], None]], Any] | None = None) -> None:
        self._loop = asyncio.get_running_loop()
        self.event_log.on_recorded.append(self.recorded_threadsafe)
        if listener_factory is not None:
            self._listener = listener_factory(self.wake_threadsafe)
            await self._run(self._listener.start)
        self.position = await self._run(self.event_log.max_position)
        self._task = asyncio.create_task(self._follow(), name="watch-hub")

    def close_watchers(self) -> None:
        """Ends every watcher now, so clients move to another replica instead of waiting out a shutdown."""
        for subscription in list(self._subscriptions):
            subscription.close()

    async def stop(self) -> None:
        if self.recorded_threadsafe in self.event_log.on_recorded:
            self.event_log.on_recorded.remove(self.recorded_threadsafe)
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        if self._listener is not None:
            # Not on the shared executor: its threads may all be busy, and stopping must not wait for them.
            await asyncio.to_thread(self._listener.stop)

    def wake_threadsafe(self) -> None:
        """Called from any thread when the log may have grown (a notification from another replica)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._wake_to_read)

    def recorded_threadsafe(self, recordings: list[Any]) -> None:
        """Called on the committing thread with the recordings of each commit of this process."""
        if recordings and self._loop is not None and not self._loop.is_closed():
            events = [(r.notification.id, r.domain_event) for r in recordings]
            self._loop.call_soon_threadsafe(self._own_commit, events)

    def _wake_to_read(self) -> None:
        self._read_wanted = True
        self._wake.set()

    def _own_commit(self, events: list[tuple[int, Any]]) -> None:
        if len(self._own) >= PENDING_LIMIT:
            self._own.clear()
            self._read_wanted = True
        self._own[events[0][0]] = events
        self._wake.set()

    def subscribe(self, watch_filter: WatchFilter, capacity: int) -> tuple[Subscription, int]:
        """Registers a watcher. Every matching change after the returned position will be offered to it;
        the changes up to that position are the watcher's to read from the log."""
        subscription = Subscription(watch_filter, capacity, self.stats)
        self._subscriptions.add(subscription)
        return subscription, self.position

    def unsubscribe(self, subscription: Subscription) -> None:
        self._subscriptions.discard(subscription)

    @property
    def watchers(self) -> int:
        return len(self._subscriptions)

    def read_events(self, after: int, until: int | None, limit: int = READ_PAGE) -> list[tuple[int, Any]]:
        """Blocking: the log's events after `after` (up to `until`), with their positions."""
        notifications = self.event_log.recorder.select_notifications(after, limit, stop=until, inclusive_of_start=False)
        mapper = self.event_log.mapper
        return [(n.id, mapper.to_domain_event(n)) for n in notifications]

    def read_changes(self, after: int, until: int | None, limit: int = READ_PAGE) -> list[tuple[int, Change | None]]:
        """Blocking: the log's events after `after` (up to `until`), as changes (None for events watchers do
        not see), with their positions."""
        return [(position, change_of(position, event)) for position, event in self.read_events(after, until, limit)]

    async def _follow(self) -> None:
        while True:
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancel that arrives as the wake-up
            # is set, and the follower would then outlive stop() (the server's stop waiting on it for ever).
            try:
                async with asyncio.timeout(self.poll_interval):
                    await self._wake.wait()
            except TimeoutError:
                self._read_wanted = True  # the poll
            self._wake.clear()
            try:
                await self._drain()
            except asyncio.CancelledError:
                raise
            except (StoreUnavailable, psycopg.OperationalError) as error:
                # The database is unreachable: the next wake-up or poll tries again from the same position,
                # so nothing is skipped.
                self._failures.failed(
                    "watch hub cannot read the log after position %d (%s); retrying", self.position, describe(error)
                )
            except Exception:
                log.exception("watch hub could not read the log")
            else:
                self._failures.succeeded("watch hub reads the log again, after %.0f s")

    async def _drain(self) -> None:
        self._take_own()
        if self._own:  # an own commit that does not follow on: something between is read from the log
            self._read_wanted = True
        if not self._read_wanted:
            return
        # Cleared before the read: a notification that arrives during it asks for another.
        self._read_wanted = False
        try:
            while True:
                page = await self._run(self.read_events, self.position, None)
                self._offer(page)
                if len(page) < READ_PAGE:
                    break
        except BaseException:
            self._read_wanted = True
            raise
        self._take_own()
        if self._own:
            # Commits of this process after the read's end that do not follow on from it: another replica's
            # commit between is not readable yet. The next wake-up or poll reads again.
            self._read_wanted = True

    def _take_own(self) -> None:
        """Offers this process's commits that follow on from the hub's position; drops those already read."""
        own = self._own
        while own:
            events = own.pop(self.position + 1, None)
            if events is not None:
                self._offer(events)
                continue
            read = [first for first in own if first <= self.position]
            if not read:
                return
            for first in read:  # read from the log meanwhile (a commit is read whole, but keep any rest)
                rest = [item for item in own.pop(first) if item[0] > self.position]
                if rest:
                    own[rest[0][0]] = rest

    def _offer(self, events: list[tuple[int, Any]]) -> None:
        for position, event in events:
            for observer in self.observers:
                observer(event)
            change = change_of(position, event)
            if change is not None:
                for subscription in list(self._subscriptions):
                    if subscription.filter.matches(change):
                        subscription.offer(change)
            self.position = position

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)
