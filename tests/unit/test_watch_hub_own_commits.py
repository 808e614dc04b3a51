"""The watch hub takes this process's commits as they are reported when they follow on from its position,
and reads the log only for what it cannot know that way (a gap, another replica's commit, a poll)."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from typing import Any

from imagestreams_server.store.watch_hub import WatchHub


class CountingLog:
    """A log whose stored events are plain strings; counts the hub's reads of it."""

    def __init__(self) -> None:
        self.on_recorded: list[Any] = []
        self.events: dict[int, str] = {}
        self.reads = 0
        self.recorder = self
        self.mapper = SimpleNamespace(to_domain_event=lambda notification: notification.state)

    def max_position(self) -> int:
        return max(self.events, default=0)

    def select_notifications(self, start: int, limit: int, stop: int | None = None, **_: Any) -> list[Any]:
        self.reads += 1
        positions = sorted(p for p in self.events if p > start and (stop is None or p <= stop))[:limit]
        return [SimpleNamespace(id=p, state=self.events[p]) for p in positions]

    def commit(self, *events: str) -> None:
        """Appends and reports, from another thread, as a command's save does."""
        first = self.max_position() + 1
        recordings = []
        for offset, event in enumerate(events):
            self.events[first + offset] = event
            recordings.append(SimpleNamespace(domain_event=event, notification=SimpleNamespace(id=first + offset)))
        reporter = threading.Thread(target=lambda: [observer(recordings) for observer in self.on_recorded])
        reporter.start()
        reporter.join()


def run(scenario: Any) -> Any:
    async def main() -> Any:
        log = CountingLog()
        seen: list[str] = []
        with ThreadPoolExecutor(max_workers=1) as executor:
            hub = WatchHub(log, executor, poll_interval=60)  # type: ignore[arg-type]
            await hub.start()
            hub.observers.append(seen.append)
            try:
                return await scenario(log, hub, seen)
            finally:
                await hub.stop()

    return asyncio.run(main())


async def settled(hub: WatchHub, position: int) -> None:
    async with asyncio.timeout(2):
        while hub.position < position:
            await asyncio.sleep(0.001)
    await asyncio.sleep(0.02)  # anything else it was going to do


def test_own_commits_that_follow_on_are_taken_without_reading_the_log() -> None:
    async def scenario(log: CountingLog, hub: WatchHub, seen: list[str]) -> None:
        await asyncio.sleep(0.02)
        reads_at_start = log.reads
        log.commit("a", "b")
        log.commit("c")
        await settled(hub, 3)
        assert seen == ["a", "b", "c"]
        assert log.reads == reads_at_start

    run(scenario)


def test_a_commit_after_a_gap_makes_the_hub_read_the_gap_from_the_log() -> None:
    async def scenario(log: CountingLog, hub: WatchHub, seen: list[str]) -> None:
        await asyncio.sleep(0.02)
        log.events[1] = "other replica"  # in the log, never reported to this process
        log.commit("own")
        await settled(hub, 2)
        assert seen == ["other replica", "own"]  # in the log's order, each once
        assert log.reads >= 1

    run(scenario)


def test_a_notification_makes_the_hub_read_even_while_own_commits_follow_on() -> None:
    async def scenario(log: CountingLog, hub: WatchHub, seen: list[str]) -> None:
        await asyncio.sleep(0.02)
        log.commit("own")
        await settled(hub, 1)
        log.events[2] = "other replica"
        hub.wake_threadsafe()
        log.commit("own again")
        await settled(hub, 3)
        assert seen == ["own", "other replica", "own again"]

    run(scenario)
