"""When to try a request again, and for how long a whole call may go on.

OpenShift retries twice with fixed sleeps and ignores `Retry-After` (§2.7). We back off exponentially with
jitter, and honour `Retry-After`, but never sleep past the call's deadline: a wait that would end after it is
not worth starting, so the call fails at once with what the registry said.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounds on retries. `total_timeout` covers one public call (an import, a check, a tag listing)."""

    max_attempts: int = 3
    # First backoff; it doubles per attempt up to `max_backoff`, +/- `jitter` (a fraction).
    backoff: float = 0.5
    max_backoff: float = 8.0
    jitter: float = 0.2
    # A registry asking us to wait longer than this is treated as "not now": fail instead of sleeping.
    max_retry_after: float = 60.0
    total_timeout: float = 120.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if self.backoff < 0 or self.max_backoff < 0 or self.total_timeout <= 0:
            raise ValueError("backoff and timeouts must be positive")

    def backoff_for(self, attempt: int, rng: Callable[[], float] = random.random) -> float:
        """Sleep before attempt `attempt + 1` (attempts count from 1)."""
        delay = min(self.max_backoff, self.backoff * 2.0 ** (attempt - 1))
        return max(0.0, delay * (1.0 + self.jitter * (2.0 * rng() - 1.0)))


class Deadline:
    """The instant a call must be over by, on a monotonic clock."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._end = clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self._clock())

    @property
    def expired(self) -> bool:
        return self.remaining() <= 0


def parse_retry_after(value: str | None, now: Callable[[], datetime] = lambda: datetime.now(UTC)) -> float | None:
    """Seconds to wait from a `Retry-After` header: delta-seconds or an HTTP date; None when absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if seconds == seconds else None  # NaN is not a delay
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now()).total_seconds())
