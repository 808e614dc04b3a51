"""A bounded on-disk cache of blobs served through the service, least recently used out first.

A blob is a file named by its digest, written under a temporary name while it streams and renamed into place
only once its digest is verified, so a reader never sees a partial or corrupt blob. Use refreshes a file's
modification time; when the cache grows past its size, the files used longest ago are removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import uuid
from pathlib import Path
from typing import BinaryIO

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 10 * 1024**3


class DigestMismatch(Exception):
    pass


class BlobCache:
    def __init__(self, directory: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.directory = directory
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        # Leftovers of writes a stop interrupted.
        for leftover in directory.glob("*.partial"):
            with contextlib.suppress(OSError):
                leftover.unlink()

    def _path(self, digest: str) -> Path:
        algorithm, _, hexdigest = digest.partition(":")
        return self.directory / f"{algorithm}-{hexdigest}"

    def get(self, digest: str) -> Path | None:
        """The cached blob's file (marked as used now), or None."""
        path = self._path(digest)
        try:
            os.utime(path)
        except OSError:
            return None
        return path

    def writer(self, digest: str, size: int | None = None) -> BlobWriter:
        """A writer for the blob; `size` (when the upstream says it) spares writing a blob too large to keep."""
        return BlobWriter(self, digest, size)

    def _commit(self, temporary: Path, digest: str) -> None:
        os.replace(temporary, self._path(digest))
        self._evict()

    def _evict(self) -> None:
        with self._lock:
            entries = []
            total = 0
            for path in self.directory.iterdir():
                if path.name.endswith(".partial"):
                    continue
                try:
                    stat = path.stat()
                except OSError:
                    continue
                entries.append((stat.st_mtime, stat.st_size, path))
                total += stat.st_size
            entries.sort()
            for _, size, path in entries:
                if total <= self.max_bytes:
                    break
                with contextlib.suppress(OSError):
                    path.unlink()
                    total -= size
                    log.debug("blob cache: evicted %s", path.name)


class BlobWriter:
    """Writes a blob as it streams, hashing it; `finish` keeps it only when the digest matches. Blocking (file
    writes), so called on a worker thread.

    The relay hashes (`hash`, then `verify`) and stores (`store`, then `commit`) on separate threads, each in
    the blob's order; `write` and `finish` do both. A blob larger than the cache (`size`, when known) or one
    whose file cannot be written is only hashed: it streams through and is not kept.
    """

    def __init__(self, cache: BlobCache, digest: str, size: int | None = None) -> None:
        self.cache = cache
        self.digest = digest
        self.temporary = cache.directory / f"{uuid.uuid4().hex}.partial"
        self._file: BinaryIO | None = None
        if size is None or size <= cache.max_bytes:
            try:
                self._file = open(self.temporary, "wb")  # noqa: SIM115 (closed by commit or abandon)
            except OSError as error:
                log.warning("blob cache: %s not kept: %s", digest, error.strerror or error)
        self._hash = hashlib.sha256()
        self.size = 0

    def write(self, chunk: bytes) -> None:
        self.hash(chunk)
        self.store(chunk)

    def finish(self) -> None:
        """Keeps the blob; raises DigestMismatch (and keeps nothing) when the bytes are not the digest's."""
        try:
            self.verify()
        except DigestMismatch:
            self.abandon()
            raise
        self.commit()

    def hash(self, chunk: bytes) -> None:
        self._hash.update(chunk)
        self.size += len(chunk)

    def verify(self) -> None:
        """Raises DigestMismatch when the bytes hashed so far are not the digest's."""
        if f"sha256:{self._hash.hexdigest()}" != self.digest:
            raise DigestMismatch(f"the upstream blob does not match {self.digest}")

    def store(self, chunk: bytes) -> None:
        if self._file is None:
            return
        try:
            self._file.write(chunk)
        except OSError as error:  # a full disk costs the cache this blob, not the client its transfer
            log.warning("blob cache: %s not kept: %s", self.digest, error.strerror or error)
            self.abandon()

    def commit(self) -> None:
        """Keeps the stored blob (once `verify` has passed)."""
        if self._file is None:
            return
        self._file.close()
        self._file = None
        if self.size > self.cache.max_bytes:
            with contextlib.suppress(OSError):
                self.temporary.unlink()
            return
        self.cache._commit(self.temporary, self.digest)

    def abandon(self) -> None:
        if self._file is None:
            return
        with contextlib.suppress(OSError):
            self._file.close()
        self._file = None
        with contextlib.suppress(OSError):
            self.temporary.unlink()
