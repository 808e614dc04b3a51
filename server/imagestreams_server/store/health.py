"""Whether the database can be reached: a small probe, and what requests see of connection failures.

While the store is down, requests fail at once with UNAVAILABLE instead of each waiting for a connection (and
holding a worker thread while they wait); the gRPC health service says NOT_SERVING. A probe on a thread of its
own (`SELECT 1` on a fresh connection, every second, with a short timeout) notices both the outage and the
recovery; a request that meets a connection failure marks the store down at once and wakes the probe.
"""

from __future__ import annotations

import asyncio
import logging
import math
import threading
import time
from collections.abc import Callable

import psycopg

log = logging.getLogger(__name__)

# SQLSTATEs of a server that went away or is not accepting connections (class 08: connection exception;
# 57P01-57P03: administrator / crash shutdown, cannot connect now). A failure with no SQLSTATE at all is the
# client's: refused, reset, timed out.
_CONNECTION_STATES = ("57P01", "57P02", "57P03")


class StoreUnavailable(Exception):
    """The database cannot be reached now: worth retrying later, unlike an internal error."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the store is unavailable ({reason})")
        # For the server's log only: it may name the database's host.
        self.reason = reason


def connection_failure(error: BaseException) -> psycopg.OperationalError | None:
    """The psycopg error, in `error` or what caused it, that says the connection failed or was lost (a pool
    that could not hand one out in time included); None for errors of a working connection (a statement
    cancelled, a lock not granted, a constraint)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, psycopg.OperationalError):
            state = seen.sqlstate
            if state is None or state.startswith("08") or state in _CONNECTION_STATES:
                return seen
            return None
        seen = seen.__cause__
    return None


def describe(error: BaseException) -> str:
    """One line for the server's log (libpq adds hints on further lines). Never sent to clients: it names the
    database's host."""
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    text = lines[0] if lines else error.__class__.__name__
    return text.removeprefix("connection failed: ")[:300]


def probe(database_url: str, timeout: float) -> str | None:
    """None when the database answers `SELECT 1` within about `timeout` seconds, else why not."""
    seconds = max(2, math.ceil(timeout))  # libpq's connect_timeout: whole seconds, at least 2
    try:
        with psycopg.connect(
            database_url,
            autocommit=True,
            connect_timeout=seconds,
            # A server that accepted the connection but does not answer: the statement is bounded too.
            options=f"-c statement_timeout={seconds * 1000}",
        ) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return describe(error)
    return None


class StoreHealth:
    """Up or down, as last seen; listeners hear every change (on the thread that saw it)."""

    def __init__(self, database_url: str = "", interval: float = 1.0, timeout: float = 2.0) -> None:
        self.database_url = database_url
        self.interval = interval
        self.timeout = timeout
        self.up = True
        self.reason = ""
        # Called with True (reachable again) or False (down); `before_up` runs before requests are let through.
        self.listeners: list[Callable[[bool], None]] = []
        self.before_up: list[Callable[[], None]] = []
        self._since = time.monotonic()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def mark_down(self, reason: str, *, wake_probe: bool = True) -> None:
        """Requests fail fast from now on; the probe (woken to confirm) lets them through once it answers."""
        with self._lock:
            changed = self.up
            self.up = False
            self.reason = reason
            if changed:
                self._since = time.monotonic()
        if wake_probe:
            self._wake.set()
        # Only the probe lets requests through again: it runs from the first failure if not started before.
        self.start()
        if changed:
            log.warning("store unavailable: %s; answering UNAVAILABLE until it is back", reason)
            self._notify(False)

    def mark_up(self) -> None:
        if self.up:
            return
        for prepare in list(self.before_up):
            try:
                prepare()
            except Exception:
                log.exception("preparing the store for use again failed")
        with self._lock:
            changed = not self.up
            self.up = True
            self.reason = ""
            down_for = time.monotonic() - self._since
            self._since = time.monotonic()
        if changed:
            log.info("store reachable again after %.1f s", down_for)
            self._notify(True)

    def _notify(self, up: bool) -> None:
        for listener in list(self.listeners):
            try:
                listener(up)
            except Exception:
                log.exception("a store health listener failed")

    def check_once(self) -> bool:
        """Probes now; marks the store up or down accordingly."""
        reason = probe(self.database_url, self.timeout)
        if reason is None:
            self.mark_up()
        else:
            self.mark_down(reason, wake_probe=False)
        return reason is None

    def start(self) -> None:
        """Probes every `interval` seconds (sooner when a request saw a failure) on a thread of its own."""
        with self._lock:
            if self._thread is not None or not self.database_url or self._stop.is_set():
                return
            self._thread = threading.Thread(target=self._run, name="imagestreams-store-probe", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(self.timeout + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.check_once()
            except Exception:  # the probe must outlive anything a listener does
                log.exception("store probe failed")
            self._wake.wait(self.interval)


async def wait_until_reachable(database_url: str, where: str, timeout: float, log_every: float = 5.0) -> None:
    """Returns once the database answers; until then probes every second and says so every `log_every`
    seconds. A server started before its database (or during an outage) waits instead of exiting."""
    started = time.monotonic()
    logged = -math.inf
    while True:
        reason = await asyncio.to_thread(probe, database_url, timeout)
        now = time.monotonic()
        if reason is None:
            if logged > -math.inf:
                log.info("the database at %s is reachable after %.0f s; starting", where, now - started)
            return
        if now - logged >= log_every:
            log.warning("waiting for the database at %s (%s); %.0f s so far", where, reason, now - started)
            logged = now
        await asyncio.sleep(1.0)
