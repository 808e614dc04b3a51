"""One LISTEN connection per process: PostgreSQL's NOTIFY on the events table, used only as a wake-up.

Events are never taken from notifications (they carry nothing); the hub reads the log by position. The
listener is started before the hub reads its first position, so a commit cannot slip between the two.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from psycopg import sql

from .health import describe
from .outage_log import OutageLog

log = logging.getLogger(__name__)


class PostgresListener:
    def __init__(
        self,
        conninfo: str,
        channel: str,
        wake: Callable[[], None],
        reconnect_delay: float = 1.0,
        is_own: Callable[[int], bool] = lambda pid: False,
    ) -> None:
        self.conninfo = conninfo
        self.channel = channel
        self.wake = wake
        # Notifications from this process's own appends (by the notifying server process) wake nobody: the
        # hub is handed those commits directly.
        self.is_own = is_own
        self.reconnect_delay = reconnect_delay
        self.listening = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="imagestreams-listen", daemon=True)
        self._outage = OutageLog(log)

    def start(self, timeout: float = 10.0) -> None:
        self._thread.start()
        if not self.listening.wait(timeout):
            raise TimeoutError(f"could not LISTEN on {self.channel} within {timeout}s")

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=10) as conn:
                    conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(self.channel)))
                    self.listening.set()
                    self._outage.succeeded("LISTEN connection back, after %.0f s")
                    # Anything committed while we were not listening is found by reading the log.
                    self.wake()
                    while not self._stop.is_set():
                        # A short timeout keeps stop() prompt; waiting costs nothing between wake-ups.
                        for notify in conn.notifies(timeout=0.25, stop_after=1):
                            if not self.is_own(notify.pid):
                                self.wake()
            except psycopg.Error as error:
                self._outage.failed("LISTEN connection lost (%s); reconnecting", describe(error))
                self._stop.wait(self.reconnect_delay)
