"""Watches: a filtered, resumable stream of changes, from a position, from now, or from a snapshot.

A watch first reads what it missed from the log (by position, page by page), while the hub already buffers
live changes for it; then it drains that buffer. Positions at or below the last one delivered are skipped,
so the hand-over has no gap and no duplicate. If the buffer overflows while the watch is still catching up,
it simply catches up again; if it overflows once live, the watcher is too slow and is ended with the
position it can resume after.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any, TypeVar

from ..domain.errors import DomainError, InvalidField
from ..domain.names import StreamName, validate_namespace
from ..store import readmodel
from ..store.app import EventLog
from ..store.changes import Change, ChangeKind, WatchFilter
from ..store.watch_hub import PROGRESS_DUE, READ_PAGE, Subscription, WatchHub
from .errors import PositionNotReached

T = TypeVar("T")


class IdleTimer:
    """Puts PROGRESS_DUE in a watcher's buffer once the watcher has taken nothing for `interval` seconds.

    One timer per silence, not one per wait: a watch that waits for every change (the usual case: changes
    arrive one commit at a time) would otherwise arm and cancel a timer for each change it gets, about a fifth
    of what a delivery costs the server. Taking an item only notes the time; a timer that fires before the
    interval since then has passed sets itself again for the rest of it."""

    __slots__ = ("_handle", "_interval", "_loop", "_subscription", "active_at")

    def __init__(self, subscription: Subscription, interval: float) -> None:
        self._loop = asyncio.get_running_loop()
        self._subscription = subscription
        self._interval = interval
        self.restart()

    def active(self) -> None:
        """The watcher took an item."""
        self.active_at = self._loop.time()

    def restart(self) -> None:
        """The watcher took PROGRESS_DUE: the next one is due after another full interval."""
        self.active_at = self._loop.time()
        self._handle = self._loop.call_at(self.active_at + self._interval, self._fire)

    def cancel(self) -> None:
        self._handle.cancel()

    def _fire(self) -> None:
        due = self.active_at + self._interval
        if self._loop.time() < due:
            self._handle = self._loop.call_at(due, self._fire)
        else:
            self._subscription.nudge()


class MarkerKind(enum.Enum):
    PROGRESS = "progress"
    SNAPSHOT_END = "snapshot_end"


@dataclass(frozen=True)
class Marker:
    kind: MarkerKind
    position: int


class StartKind(enum.Enum):
    NOW = "now"
    AFTER = "after"
    SNAPSHOT = "snapshot"


@dataclass(frozen=True)
class Start:
    kind: StartKind = StartKind.NOW
    after_position: int = 0


class WatcherTooSlow(DomainError):
    """The watcher's buffer overflowed; it can resume after `last_position` and miss nothing."""

    def __init__(self, last_position: int, capacity: int) -> None:
        super().__init__(
            f"the watcher fell more than {capacity} changes behind and was ended; resume after position {last_position}"
        )
        self.last_position = last_position


class ServerShuttingDown(DomainError):
    """The server is stopping; the watcher can resume after `last_position` on another replica."""

    def __init__(self, last_position: int) -> None:
        super().__init__(f"the server is shutting down; resume after position {last_position}")
        self.last_position = last_position


@dataclass(frozen=True)
class WatchSettings:
    # Seconds of silence before a progress marker, unless the request asks otherwise.
    progress_interval: float = 5.0
    # Changes buffered per watcher before it counts as too slow.
    capacity: int = 1000


def watch_filter(namespace: str, stream: str, tag: str, kinds: list[ChangeKind]) -> WatchFilter:
    validate_namespace(namespace)
    if stream:
        StreamName(namespace, stream).validate(name_field="stream")
    if tag and not stream:
        raise InvalidField("tag", "a tag watch needs a stream")
    return WatchFilter(namespace, stream, tag, frozenset(kinds))


class Watching:
    def __init__(self, event_log: EventLog, hub: WatchHub, executor: Executor, settings: WatchSettings) -> None:
        self.event_log = event_log
        self.hub = hub
        self.executor = executor
        self.settings = settings

    async def watch(
        self, watch_filter: WatchFilter, start: Start, progress_interval: float | None = None
    ) -> AsyncIterator[Change | Marker]:
        interval = progress_interval or self.settings.progress_interval
        if start.kind is StartKind.SNAPSHOT:
            position, changes = await self._run(self._snapshot, watch_filter)
            for change in changes:
                yield change
            yield Marker(MarkerKind.SNAPSHOT_END, position)
            after = position
        elif start.kind is StartKind.AFTER:
            if start.after_position < 0:
                raise InvalidField("after_position", "after_position must not be negative")
            top = await self._run(self.event_log.max_position)
            if start.after_position > top:
                raise PositionNotReached(start.after_position, top)
            after = start.after_position
        else:
            after = await self._run(self.event_log.max_position)
        if start.kind is not StartKind.SNAPSHOT:
            # Tells the client the watch is established, and where it starts.
            yield Marker(MarkerKind.PROGRESS, after)
        async for item in self._follow(watch_filter, after, interval):
            yield item

    async def _follow(self, watch_filter: WatchFilter, after: int, interval: float) -> AsyncIterator[Change | Marker]:
        last = after
        while True:
            subscription, boundary = self.hub.subscribe(watch_filter, self.settings.capacity)
            try:
                # Catch up from the log to where the hub took over.
                while last < boundary and not subscription.overflowed:
                    page = await self._run(self.hub.read_changes, last, boundary, READ_PAGE)
                    if not page:
                        last = boundary
                        break
                    for position, change in page:
                        if change is not None and watch_filter.matches(change):
                            yield change
                        last = position
                if subscription.closed:
                    raise ServerShuttingDown(last)
                if subscription.overflowed:
                    continue  # the buffer filled while catching up: catch up again from `last`
                # Live.
                queue = subscription.queue
                idle = IdleTimer(subscription, interval)
                try:
                    while True:
                        item = queue.get_nowait() if not queue.empty() else await queue.get()
                        if item is PROGRESS_DUE:
                            if queue.empty():
                                # Every matching change up to the hub's position was delivered.
                                last = max(last, self.hub.position)
                                yield Marker(MarkerKind.PROGRESS, last)
                            idle.restart()
                            continue
                        idle.active()
                        if item is None:
                            if subscription.closed:
                                raise ServerShuttingDown(last)
                            raise WatcherTooSlow(last, self.settings.capacity)
                        if item.position <= last:
                            continue
                        last = item.position
                        yield item
                finally:
                    idle.cancel()
            finally:
                self.hub.unsubscribe(subscription)

    def _snapshot(self, watch_filter: WatchFilter) -> tuple[int, list[Change]]:
        """The current image of every matching tag, and the log position that state reflects, read in one
        consistent transaction."""
        with self.event_log.read(consistent=True) as sql:
            position = readmodel.tracked_position(sql)
            if watch_filter.stream:
                stored = readmodel.get_stream(sql, watch_filter.namespace, watch_filter.stream)
                streams = [stored] if stored else []
            else:
                streams = readmodel.list_streams(sql, watch_filter.namespace, None, 1 << 31)
        changes: list[Change] = []
        if watch_filter.kinds and ChangeKind.TAG_UPDATED not in watch_filter.kinds:
            return position, changes
        for stored in streams:
            state = stored.state
            for tag in state.tag_names():
                current = state.current(tag)
                if current is None or (watch_filter.tag and tag != watch_filter.tag):
                    continue
                changes.append(
                    Change(
                        position=position,
                        kind=ChangeKind.TAG_UPDATED,
                        namespace=state.namespace,
                        stream=state.name,
                        tag=tag,
                        time=current.created,
                        current=current,
                        synthetic=True,
                    )
                )
        return position, changes

    async def _run(self, fn: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn, *args)
