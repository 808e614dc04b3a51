"""A live watch: progress markers after `interval` seconds in which the watcher took nothing, without a timer
armed and cancelled for every change it waits for; a change that arrives as a marker falls due goes first; a
cancelled watch ends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from imagestreams_server.application.watching import Marker, MarkerKind, Watching, WatchSettings
from imagestreams_server.store.changes import Change, ChangeKind, WatchFilter
from imagestreams_server.store.watch_hub import Subscription


class OneSubscriberHub:
    def __init__(self, position: int) -> None:
        self.position = position
        self.subscription: Subscription | None = None

    def subscribe(self, watch_filter: WatchFilter, capacity: int) -> tuple[Subscription, int]:
        self.subscription = Subscription(watch_filter, capacity)
        return self.subscription, self.position

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscription = None

    def commit(self) -> None:
        assert self.subscription is not None
        self.position += 1
        at = datetime(2026, 1, 1, tzinfo=UTC)
        self.subscription.offer(Change(self.position, ChangeKind.TAG_UPDATED, "team", "ruby", "latest", at))


def follow(hub: OneSubscriberHub, interval: float) -> Any:
    watching = Watching(None, hub, None, WatchSettings(progress_interval=interval))  # type: ignore[arg-type]
    return watching._follow(WatchFilter("team"), after=hub.position, interval=interval)


def test_a_silent_watch_gets_a_marker_each_interval_at_the_hubs_position() -> None:
    hub = OneSubscriberHub(position=7)

    async def scenario() -> list[tuple[float, Change | Marker]]:
        loop = asyncio.get_running_loop()
        stream = follow(hub, 0.1)
        start = loop.time()
        items = []
        for _ in range(2):
            item = await anext(stream)
            items.append((loop.time() - start, item))
        await stream.aclose()
        return items

    (first_at, first), (second_at, second) = asyncio.run(scenario())
    assert first == Marker(MarkerKind.PROGRESS, 7) and second == Marker(MarkerKind.PROGRESS, 7)
    assert 0.1 <= first_at < 0.5
    assert second_at - first_at >= 0.1


def test_changes_postpone_the_marker_until_the_watch_is_silent_for_an_interval() -> None:
    hub = OneSubscriberHub(position=0)

    async def scenario() -> tuple[list[Change | Marker], float, float]:
        loop = asyncio.get_running_loop()
        stream = follow(hub, 0.2)
        received: list[Change | Marker] = []

        async def read() -> None:
            async for item in stream:
                received.append(item)
                if isinstance(item, Marker):
                    return

        reading = asyncio.ensure_future(read())
        for _ in range(10):  # a change every 0.05 s for 0.5 s: never 0.2 s of silence
            await asyncio.sleep(0.05)
            hub.commit()
        last_change_at = loop.time()
        await asyncio.wait_for(reading, 2.0)
        marker_at = loop.time()
        await stream.aclose()
        return received, last_change_at, marker_at

    received, last_change_at, marker_at = asyncio.run(scenario())
    assert [item.position for item in received] == [*range(1, 11), 10]
    assert isinstance(received[-1], Marker) and all(isinstance(item, Change) for item in received[:-1])
    assert marker_at - last_change_at >= 0.2


def test_waiting_for_each_change_arms_no_timer_per_change() -> None:
    hub = OneSubscriberHub(position=0)

    async def scenario() -> int:
        loop = asyncio.get_running_loop()
        armed = 0
        call_at = loop.call_at

        def counting_call_at(*args: Any, **kwargs: Any) -> Any:
            nonlocal armed
            armed += 1
            return call_at(*args, **kwargs)

        loop.call_at = counting_call_at  # type: ignore[method-assign]
        stream = follow(hub, 5.0)
        for _ in range(200):
            waiting = asyncio.ensure_future(anext(stream))
            await asyncio.sleep(0)  # the watcher waits on its empty buffer
            hub.commit()
            assert isinstance(await waiting, Change)
        await stream.aclose()
        return armed

    assert asyncio.run(scenario()) <= 2


def test_a_change_queued_behind_a_due_progress_marker_comes_before_the_marker() -> None:
    """The idle timer can put PROGRESS_DUE in the buffer just before the hub offers a change: the marker would
    then claim a position whose change the watcher has not sent yet, so it is skipped until the buffer is
    empty."""
    hub = OneSubscriberHub(position=10)
    change = Change(11, ChangeKind.TAG_UPDATED, "team", "ruby", "latest", datetime(2026, 1, 1, tzinfo=UTC))

    async def first_two() -> list[Change | Marker]:
        watching = Watching(None, hub, None, WatchSettings(progress_interval=0.05))  # type: ignore[arg-type]
        stream = watching._follow(WatchFilter("team"), after=10, interval=0.05)
        first = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0)  # the watcher waits on its empty buffer
        assert hub.subscription is not None
        hub.subscription.nudge()
        hub.subscription.offer(change)
        hub.position = 11
        items = [await first, await anext(stream)]
        await stream.aclose()
        return items

    first, second = asyncio.run(first_two())
    assert first == change
    assert isinstance(second, Marker) and second.position == 11


@pytest.mark.parametrize("steps", range(6))
def test_a_cancel_that_lands_as_a_change_arrives_ends_the_watch(steps: int) -> None:
    """A Watch whose call is cancelled (the client went away, the server stops) must end even when a change
    reaches its buffer at that moment, rather than take the change and carry on."""
    hub = OneSubscriberHub(position=10)
    change = Change(11, ChangeKind.TAG_UPDATED, "team", "ruby", "latest", datetime(2026, 1, 1, tzinfo=UTC))

    async def scenario() -> None:
        watching = Watching(None, hub, None, WatchSettings(progress_interval=5.0))  # type: ignore[arg-type]
        stream = watching._follow(WatchFilter("team"), after=10, interval=5.0)
        waiting = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0.01)
        assert hub.subscription is not None
        hub.subscription.offer(change)
        for _ in range(steps):
            await asyncio.sleep(0)
        finished_before = waiting.done()  # the change was taken before the cancel: nothing to undo
        waiting.cancel()
        done, _ = await asyncio.wait({waiting}, timeout=1.0)
        assert done and (finished_before or waiting.cancelled()), "the wait took the change after its cancel"
        await stream.aclose()
        assert hub.subscription is None, "the ended watch left its subscription behind"

    asyncio.run(scenario())
