"""Per-host politeness: how many requests at once, how many per second, and a count of what was sent.

OpenShift imports one image at a time with a 2 QPS limiter per request and 5 QPS per repository (§2.7).
Our service calls the importer from several worker threads, so the limits live here, shared by every
thread that talks to the same host.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from ._problems import BudgetExhausted, TransportProblem
from ._retry import Deadline


@dataclass(frozen=True)
class HostLimits:
    """Limits applied to each host separately (a registry, its token server, a blob CDN)."""

    # Requests in flight at once.
    max_concurrency: int = 4
    # The request budget: a token bucket refilled at this rate, holding at most `burst` requests. A request
    # that would have to wait past its call's deadline fails with RateLimited instead of waiting.
    requests_per_second: float = 10.0
    burst: int = 20

    def __post_init__(self) -> None:
        if self.max_concurrency < 1 or self.burst < 1 or self.requests_per_second <= 0:
            raise ValueError("host limits must be positive")


class HostGate:
    """The concurrency slot and the request budget of one host."""

    def __init__(
        self,
        host: str,
        limits: HostLimits,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.host = host
        self._limits = limits
        self._clock = clock
        self._sleep = sleep
        self._slots = threading.BoundedSemaphore(limits.max_concurrency)
        self._lock = threading.Lock()
        self._tokens = float(limits.burst)
        self._updated = clock()

    def _reserve(self, deadline: Deadline) -> float:
        """Takes one request from the budget; returns how long to wait before it may be sent."""
        with self._lock:
            now = self._clock()
            rate = self._limits.requests_per_second
            self._tokens = min(float(self._limits.burst), self._tokens + (now - self._updated) * rate)
            self._updated = now
            # The balance may go negative: that is a queue of reservations, each waiting its turn.
            wait = 0.0 if self._tokens >= 1 else (1 - self._tokens) / rate
            if wait > deadline.remaining():
                raise BudgetExhausted(self.host)
            self._tokens -= 1
            return wait

    def enter(self, deadline: Deadline) -> None:
        wait = self._reserve(deadline)
        if wait > 0:
            self._sleep(wait)
        if not self._slots.acquire(timeout=max(deadline.remaining(), 0.001)):
            raise TransportProblem("slot_timeout", f"timed out waiting for a free connection to {self.host}")

    def leave(self) -> None:
        self._slots.release()


class RequestKey(NamedTuple):
    host: str
    method: str
    kind: str


class RequestCounter:
    """How many requests were sent, by host, method and kind (ping, token, manifest, blob, tags).

    Every attempt that reached the network counts, retries included, so a test or a benchmark can assert
    "one HEAD and no GET for an unchanged tag".
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[RequestKey] = Counter()

    def record(self, host: str, method: str, kind: str) -> None:
        with self._lock:
            self._counts[RequestKey(host, method, kind)] += 1

    def count(self, host: str | None = None, method: str | None = None, kind: str | None = None) -> int:
        """Requests matching every given field; a field left as None matches anything."""
        with self._lock:
            return sum(
                n
                for key, n in self._counts.items()
                if (host is None or key.host == host)
                and (method is None or key.method == method)
                and (kind is None or key.kind == kind)
            )

    def snapshot(self) -> dict[RequestKey, int]:
        with self._lock:
            return dict(self._counts)

    def reset(self) -> None:
        with self._lock:
            self._counts.clear()
