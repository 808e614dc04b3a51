"""An outage as a few log lines: the first failure, a reminder every REPORT_EVERY seconds while it lasts, and
its end. Followers of the database (the watch hub's reads, the LISTEN connection) retry every second or so
while it is down; a line per retry would bury everything else in the log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

REPORT_EVERY = 30.0


class OutageLog:
    def __init__(self, logger: logging.Logger, clock: Callable[[], float] = time.monotonic) -> None:
        self._log = logger
        self._clock = clock
        self._since: float | None = None
        self._reported = 0.0

    def failed(self, message: str, *args: object) -> None:
        """A retry failed: said at the first failure and then at most every REPORT_EVERY seconds."""
        now = self._clock()
        if self._since is None or now - self._reported >= REPORT_EVERY:
            self._log.warning(message, *args)
            self._reported = now
        if self._since is None:
            self._since = now

    def succeeded(self, message: str) -> None:
        """Working again: said once after an outage, `message` taking its length in seconds (`%.0f`)."""
        if self._since is not None:
            self._log.warning(message, self._clock() - self._since)
            self._since = None
