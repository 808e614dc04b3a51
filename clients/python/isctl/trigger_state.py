"""Where a trigger (`isctl watch --exec`) keeps its progress: the last log position it handled, in a small
JSON file that is replaced atomically, so a crash leaves either the old position or the new one.

The file names what it was written for (namespace, stream, tag): positions only mean "nothing left to do up
to here" for that filter, so a file of another watch is refused rather than silently resumed. A lock file
beside it keeps two triggers from sharing one state, each overwriting the other's progress.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO

from .errors import UserInputError

STATE_DIR = Path("~/.isctl")


@dataclass(frozen=True)
class WatchTarget:
    namespace: str
    stream: str = ""
    tag: str = ""

    def __str__(self) -> str:
        """`ns`, `ns/stream` or `ns/stream:tag`."""
        if not self.stream:
            return self.namespace
        return f"{self.namespace}/{self.stream}" + (f":{self.tag}" if self.tag else "")


def default_state_path(target: WatchTarget) -> Path:
    """`~/.isctl/watch-<ns>-<stream>[:<tag>].state`, or `watch-<ns>.state` for a whole namespace."""
    name = "-".join(part for part in ("watch", target.namespace, target.stream) if part)
    if target.tag:
        name += f":{target.tag}"
    return STATE_DIR.expanduser() / f"{name}.state"


class StateFile:
    """The saved position of one trigger. Use in a `with` block: it holds the lock while the trigger runs."""

    def __init__(self, path: Path, target: WatchTarget) -> None:
        self.path = path
        self.target = target
        self.position: int | None = None
        self._lock: IO[bytes] | None = None

    def __enter__(self) -> StateFile:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        # Held open until __exit__: the lock lasts as long as the descriptor.
        lock = open(self.path.with_name(self.path.name + ".lock"), "ab")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.close()
            raise UserInputError(f"state file {self.path} is in use by another isctl watch") from None
        self._lock = lock
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._lock is not None:
            self._lock.close()  # closing releases the lock; the lock file stays, harmlessly
            self._lock = None

    def load(self) -> int | None:
        """The saved position, or None when there is no state yet."""
        try:
            text = self.path.read_text()
        except FileNotFoundError:
            return None
        try:
            data = json.loads(text)
            position = int(data["position"])
            saved = WatchTarget(data["namespace"], data.get("stream", ""), data.get("tag", ""))
        except (ValueError, KeyError, TypeError):
            raise UserInputError(
                f"state file {self.path} is not an isctl watch state; remove it or pick another"
            ) from None
        if saved != self.target:
            raise UserInputError(
                f"state file {self.path} belongs to a watch of {saved}, not {self.target}; "
                "pass --state-file with a path of its own"
            )
        self.position = position
        return position

    def save(self, position: int) -> None:
        """Replaces the file: write a temporary file beside it, fsync, rename over it, fsync the directory (so
        the rename itself survives a power loss)."""
        data = json.dumps({"position": position, **asdict(self.target)}) + "\n"
        descriptor, temporary = tempfile.mkstemp(prefix=f".{self.path.name}.", dir=self.path.parent)
        try:
            with os.fdopen(descriptor, "w") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
        self.position = position
