"""A change that arrives as the progress timer fires is delivered, never skipped behind a marker."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from imagestreams_server.application import watching as watching_module
from imagestreams_server.application.watching import Marker, Watching, WatchSettings, next_in
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


def test_a_change_queued_while_the_timer_fires_comes_before_the_progress_marker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    hub = OneSubscriberHub(position=10)
    change = Change(11, ChangeKind.TAG_UPDATED, "team", "ruby", "latest", datetime(2026, 1, 1, tzinfo=UTC))

    fired: list[bool] = []

    async def timer_fires_as_the_change_lands(queue: Any, timeout: float) -> Any:
        # What a timed wait can do: the getter was woken, but the timeout wins the race (once; later waits
        # simply time out).
        if not fired:
            fired.append(True)
            assert hub.subscription is not None
            hub.subscription.offer(change)
            hub.position = 11
        raise TimeoutError

    async def first_two() -> list[Change | Marker]:
        watching = Watching(None, hub, None, WatchSettings(progress_interval=0.01))  # type: ignore[arg-type]
        stream = watching._follow(WatchFilter("team"), after=10, interval=0.01)
        items = [await anext(stream), await anext(stream)]
        await stream.aclose()
        return items

    monkeypatch.setattr(watching_module, "next_in", timer_fires_as_the_change_lands)
    first, second = asyncio.run(first_two())
    assert first == change
    assert isinstance(second, Marker) and second.position == 11


@pytest.mark.parametrize("steps", range(6))
def test_a_cancel_that_lands_as_a_change_arrives_ends_the_wait(steps: int) -> None:
    """A Watch whose call is cancelled (the client went away, the server stops) must end even when a change
    reaches its buffer at that moment, rather than take the change and carry on."""

    async def scenario() -> None:
        queue: asyncio.Queue[int] = asyncio.Queue()
        waiting = asyncio.ensure_future(next_in(queue, 5.0))
        await asyncio.sleep(0.01)
        queue.put_nowait(1)
        for _ in range(steps):
            await asyncio.sleep(0)
        finished_before = waiting.done()  # the change was taken before the cancel: nothing to undo
        waiting.cancel()
        done, _ = await asyncio.wait({waiting}, timeout=1.0)
        assert done and (finished_before or waiting.cancelled()), "the wait took the change after its cancel"

    asyncio.run(scenario())
