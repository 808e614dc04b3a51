"""The watch hub stops even when a wake-up lands as it is told to stop.

A commit (or a NOTIFY, or the poll timer) can set the hub's wake-up just before the server stops it. If the
hub's wait swallowed the cancel that came with it, the follower would carry on and the server's stop would
wait for it for ever, with the event loop idle and the LISTEN connection still open.
"""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from imagestreams_server.store.watch_hub import WatchHub


class EmptyRecorder:
    def select_notifications(self, *args: Any, **kwargs: Any) -> list[Any]:
        return []


class EmptyLog:
    """Just enough of an event log for the hub: nothing in it, and nothing ever committed."""

    def __init__(self) -> None:
        self.on_recorded: list[Any] = []
        self.recorder = EmptyRecorder()
        self.mapper = None

    def max_position(self) -> int:
        return 0


@pytest.mark.parametrize("steps", range(6))
def test_stop_ends_the_follower_when_a_wake_up_lands_just_before(steps: int) -> None:
    async def scenario() -> None:
        with ThreadPoolExecutor(max_workers=1) as executor:
            hub = WatchHub(EmptyLog(), executor, poll_interval=0.2)  # type: ignore[arg-type]
            await hub.start()
            await asyncio.sleep(0.05)  # the follower is waiting for a wake-up
            hub._wake.set()
            for _ in range(steps):  # the wake-up is part way through its delivery
                await asyncio.sleep(0)
            stopping = asyncio.ensure_future(hub.stop())
            done, _ = await asyncio.wait({stopping}, timeout=2.0)
            if not done:
                assert hub._task is not None
                hub._task.cancel()  # free the test's loop; the assertion below reports the hang
                await asyncio.wait({stopping}, timeout=2.0)
            assert done, "the hub's follower outlived stop()"

    asyncio.run(scenario())
