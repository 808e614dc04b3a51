"""Slows down a peer that keeps failing to authenticate, so guessing tokens costs time as well as luck.

Each peer host has a failure count that decays (halves every `half_life` seconds). Past `free` failures, a
failed attempt is answered only after a delay that doubles with each further failure, up to `max_delay`.
A success does not reset the count: a peer cannot interleave good and bad attempts to stay fast.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable


class AuthThrottle:
    def __init__(
        self,
        *,
        free: int = 5,
        base_delay: float = 0.1,
        max_delay: float = 5.0,
        half_life: float = 60.0,
        max_peers: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free = free
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.half_life = half_life
        self.max_peers = max_peers
        self.clock = clock
        # peer host -> (decayed failure count, when it was last updated); oldest first, bounded.
        self._failures: OrderedDict[str, tuple[float, float]] = OrderedDict()

    def failed(self, peer: str) -> float:
        """Records a failure; returns how long to wait before answering it."""
        host = peer_host(peer)
        now = self.clock()
        count = self._decayed(host, now) + 1
        self._failures[host] = (count, now)
        self._failures.move_to_end(host)
        while len(self._failures) > self.max_peers:
            self._failures.popitem(last=False)
        if count <= self.free:
            return 0.0
        return min(self.max_delay, self.base_delay * 2 ** (count - self.free - 1))

    def _decayed(self, host: str, now: float) -> float:
        count, then = self._failures.get(host, (0.0, now))
        return count * 0.5 ** ((now - then) / self.half_life)


def peer_host(peer: str) -> str:
    """`ipv4:127.0.0.1:5353` -> `ipv4:127.0.0.1`; `ipv6:[::1]:5353` -> `ipv6:[::1]` (the port changes per
    connection, the host does not)."""
    head, sep, tail = peer.rpartition(":")
    return head if sep and tail.isdigit() and head.count(":") >= 1 else peer
