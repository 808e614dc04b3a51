"""A spinner with the elapsed time, on stderr, while a long call runs: only when stderr is a terminal, so logs
and pipes never get it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from types import TracebackType
from typing import TextIO

FRAMES = "|/-\\"
CLEAR_LINE = "\r\033[K"


def is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # no isatty, or a closed stream
        return False


def elapsed_text(seconds: float) -> str:
    """`7s`, `1m05s`, `1h02m03s`."""
    whole = int(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes:02d}m{secs:02d}s"
    if minutes:
        return f"{minutes}m{secs:02d}s"
    return f"{secs}s"


class Spinner:
    """`with Spinner(sys.stderr, "Importing ..."):` draws `| Importing ... 3s` on one line, redrawn every
    `interval` seconds, and erases it on exit. Does nothing when `stream` is not a terminal."""

    def __init__(
        self,
        stream: TextIO,
        message: str,
        *,
        interval: float = 0.1,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.message = message
        self.interval = interval
        self.clock = clock
        self.active = is_terminal(stream)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._started = 0.0
        self._frame = 0

    def __enter__(self) -> Spinner:
        if self.active:
            self._started = self.clock()
            self._draw()  # at once: a short call still shows that something ran
            self._thread = threading.Thread(target=self._run, name="spinner", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._thread is None:
            return
        self._stop.set()
        self._thread.join()
        self.stream.write(CLEAR_LINE)
        self.stream.flush()

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._draw()

    def _draw(self) -> None:
        frame = FRAMES[self._frame % len(FRAMES)]
        self._frame += 1
        elapsed = elapsed_text(self.clock() - self._started)
        self.stream.write(f"{CLEAR_LINE}{frame} {self.message} {elapsed}")
        self.stream.flush()
