"""A change that arrives as a progress marker falls due is delivered first, and a cancelled watch ends."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from imagestreams_server.application.watching import Marker, Watching, WatchSettings
from imagestreams_server.store.changes import Change, ChangeKind, WatchFilter
from imagestreams_server.store.watch_hub import Subscription


class OneSubscriberHub:
    """Just enough of the hub: one subscription, registered at the current position."""

    def __init__(self, position: int) -> None:
        self.position = position
        self.subscription: Subscription | None = None

    def subscribe(self, watch_filter: WatchFilter, capacity: int) -> tuple[Subscription, int]:
        self.subscription = Subscription(watch_filter, capacity)
        return self.subscription, self.position

    def unsubscribe(self, subscription: Subscription) -> None:
        self.subscription = None


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
