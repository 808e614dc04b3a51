"""Triggers: `isctl watch --exec CMD` runs CMD for each change, one at a time, and saves its progress.

Delivery is at least once. The state is saved only after CMD succeeded, so a change is never skipped; the
one repeat possible is a crash (SIGKILL, power loss) between CMD finishing and the state being saved. SIGINT
and SIGTERM are held back over that window (see StopSignals), so a stop that is asked for never repeats one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType
from typing import TextIO

from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams_client.watch import KIND_NAMES

from .trigger_state import StateFile

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_RETRY_DELAY = 1.0
MAX_RETRY_DELAY = 60.0


class CommandFailed(Exception):
    """CMD kept failing for one change: the watch ends, without saving past that change."""


class StopSignals:
    """SIGINT and SIGTERM end the watch by raising KeyboardInterrupt, which `isctl watch` turns into a quiet
    exit 0. Inside `deferred()` (CMD running, state being saved) they are only recorded: the caller finishes
    the step and then calls `check()`, so a stop never lands between a CMD that succeeded and its save."""

    def __init__(self) -> None:
        self.requested = False
        self._depth = 0
        self._previous: dict[int, object] = {}

    def __enter__(self) -> StopSignals:
        for signum in (signal.SIGINT, signal.SIGTERM):
            self._previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info: object) -> None:
        for signum, handler in self._previous.items():
            signal.signal(signum, handler)  # type: ignore[arg-type]

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        self.requested = True
        if self._depth == 0:
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def deferred(self) -> Iterator[None]:
        self._depth += 1
        try:
            yield
        finally:
            self._depth -= 1

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt


@dataclass(frozen=True)
class TriggerSettings:
    command: str
    server: str
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    retry_delay: float = DEFAULT_RETRY_DELAY


def change_environment(response: watch_api.WatchResponse, server: str) -> dict[str, str]:
    """What CMD learns about the change. ISCTL_SERVER and ISCTL_NAMESPACE are also what `isctl` reads, so
    `isctl` run by CMD talks to the same server, in the change's namespace."""
    return {
        "ISCTL_SERVER": server,
        "ISCTL_NAMESPACE": response.namespace,
        "ISCTL_STREAM": response.stream,
        "ISCTL_TAG": response.tag,
        "ISCTL_KIND": KIND_NAMES.get(response.kind, ""),
        "ISCTL_IMAGE": response.current.image,
        "ISCTL_PULL_SPEC": response.current.docker_image_reference,
        "ISCTL_PREVIOUS_IMAGE": response.previous.image,
        "ISCTL_POSITION": str(response.position),
        "ISCTL_MESSAGE": failure_message(response),
        "ISCTL_SYNTHETIC": "true" if response.synthetic else "false",
    }


def failure_message(response: watch_api.WatchResponse) -> str:
    """`Reason: message` of an import_failed change; empty for any other."""
    condition = response.condition
    return ": ".join(part for part in (condition.reason, condition.message) if part)


class Trigger:
    """Handles the changes of one watch, in order: runs CMD for each, saves its position once CMD succeeded."""

    def __init__(
        self, settings: TriggerSettings, state: StateFile, stop: StopSignals, out: TextIO, err: TextIO
    ) -> None:
        self.settings = settings
        self.state = state
        self.stop = stop
        self.out = out
        self.err = err

    def handle(self, response: watch_api.WatchResponse) -> None:
        """Runs CMD for one change until it succeeds, then saves the change's position. Raises CommandFailed
        after max_attempts failures, and KeyboardInterrupt if a stop was asked for meanwhile."""
        environment = os.environ | change_environment(response, self.settings.server)
        for attempt in range(1, self.settings.max_attempts + 1):
            with self.stop.deferred():
                status = self._run(environment)
                # A snapshot's changes all carry the snapshot's position: saving it before MARKER_SNAPSHOT_END
                # would let a restart skip the tags not handled yet, so the snapshot end saves it (checkpoint).
                if status == 0 and not response.synthetic:
                    self.state.save(response.position)
            self.stop.check()
            if status == 0:
                return
            what = f"the command {_describe_status(status)} for position {response.position}"
            if attempt == self.settings.max_attempts:
                tries = f"{attempt} attempt" + ("s" if attempt > 1 else "")
                saved = "no position yet" if self.state.position is None else f"position {self.state.position}"
                raise CommandFailed(
                    f"{what} ({tries}); the state stays at {saved} in {self.state.path}, "
                    "so the next start runs it again"
                )
            delay = min(self.settings.retry_delay * 2 ** (attempt - 1), MAX_RETRY_DELAY)
            self.err.write(
                f"isctl watch: {what} (attempt {attempt} of {self.settings.max_attempts}); retrying in {delay:g}s\n"
            )
            self.err.flush()
            time.sleep(delay)  # SIGINT/SIGTERM interrupt the wait: nothing to finish here

    def checkpoint(self, position: int) -> None:
        """Saves a marker's position: every matching change up to it has been handled."""
        if self.state.position is not None and position <= self.state.position:
            return
        with self.stop.deferred():
            self.state.save(position)
        self.stop.check()

    def _run(self, environment: dict[str, str]) -> int:
        # Whatever isctl printed so far goes out before CMD's own output.
        self.out.flush()
        self.err.flush()
        try:
            done = subprocess.run(["sh", "-c", self.settings.command], env=environment, stdin=subprocess.DEVNULL)
        except OSError as error:
            self.err.write(f"isctl watch: cannot run sh: {error}\n")
            return 127
        return done.returncode


def _describe_status(status: int) -> str:
    if status < 0:
        try:
            return f"was killed by {signal.Signals(-status).name}"
        except ValueError:
            return f"was killed by signal {-status}"
    return f"exited {status}"
