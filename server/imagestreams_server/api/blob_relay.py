"""Relaying a blob from its source registry to a client while it is hashed and written to the blob cache.

Three hands, each in the blob's order, so that none waits on another chunk by chunk: a thread reads the
upstream response (httpx's sync client, gathered into chunks of about 1 MiB); the event loop sends each chunk
to the client; another thread hashes it and writes it to the cache file. Reading runs up to DEPTH chunks ahead
of the slower of the other two, so memory stays bounded (about DEPTH + 2 chunks per transfer); the threads come
from the proxy's pool and are held only while there is work, so a slow client holds memory but no thread.

The last chunk is held back until the whole blob has been hashed and its digest verified: a blob whose bytes
do not match is cut short (the client's transfer fails), never delivered whole, and is not kept.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import Executor, Future

import httpx

from ..application.blob_cache import BlobWriter, DigestMismatch

log = logging.getLogger(__name__)

# Chunks read ahead of the client or of the cache file, at most.
DEPTH = 4


class Strand:
    """Runs functions one after another, in the order given, on an executor's threads, holding a thread only
    while some are waiting."""

    def __init__(self, threads: Executor) -> None:
        self._threads = threads
        self._lock = threading.Lock()
        self._waiting: deque[Callable[[], None]] = deque()
        self._running = False

    def submit(self, fn: Callable[[], None]) -> None:
        with self._lock:
            self._waiting.append(fn)
            if self._running:
                return
            self._running = True
        self._threads.submit(self._run)

    def _run(self) -> None:
        while True:
            with self._lock:
                if not self._waiting:
                    self._running = False
                    return
                fn = self._waiting.popleft()
            try:
                fn()
            except Exception:
                log.exception("blob relay: hashing or writing the cache file failed")


class BlobRelay:
    def __init__(self, response: httpx.Response, writer: BlobWriter, threads: Executor, chunk_size: int) -> None:
        self._response = response
        self._writer = writer
        self._threads = threads
        self._files = Strand(threads)
        # Raw: the blob's own bytes (asked for with `Accept-Encoding: identity`), as read (up to 64 KiB each).
        # Gathered here with one join: `iter_raw(chunk_size)` copies each byte three or four times more.
        self._pieces: Iterator[bytes] = response.iter_raw()
        self._chunk_size = chunk_size
        self._loop = asyncio.get_running_loop()
        # Chunks read (None: the end, verified), or what stopped the transfer.
        self._ready: asyncio.Queue[bytes | BaseException | None] = asyncio.Queue()
        self._lock = threading.Lock()
        self._unsent = 0  # chunks read and not yet taken for the client
        self._unstored = 0  # chunks read and not yet written to the cache file
        self._reading = False  # a thread is reading (one at a time: the response is read in order)
        self._done = False  # the reading ended, or the transfer did: nothing more is read
        self._last: Future[None] | None = None

    async def chunks(self) -> AsyncIterator[bytes]:
        held: bytes | None = None
        complete = False
        self._schedule()
        try:
            while True:
                item = await self._ready.get()
                if isinstance(item, BaseException):
                    if isinstance(item, DigestMismatch):
                        log.warning("blob %s: the upstream's bytes do not match it; cut short", self._writer.digest)
                    raise item
                with self._lock:
                    self._unsent -= 1
                self._schedule()
                if held is not None:
                    yield held
                if item is None:
                    break
                held = item
            complete = True
        finally:
            self._close(complete)

    def _room(self) -> bool:
        return not self._done and max(self._unsent, self._unstored) < DEPTH

    def _schedule(self) -> None:
        """Starts reading on a thread when there is room and no thread reads (from the loop or the writer)."""
        with self._lock:
            if self._reading or not self._room():
                return
            self._reading = True
            self._last = self._threads.submit(self._read)

    def _read(self) -> None:
        """On a thread: reads chunks while there is room ahead of the client and of the cache file."""
        try:
            while True:
                with self._lock:
                    if not self._room():
                        self._reading = False
                        return
                    self._unsent += 1
                    self._unstored += 1
                chunk = self._next_chunk()
                if chunk is None:
                    self._files.submit(self._finish)  # after the chunks' hashing, which it checks
                    break
                self._files.submit(lambda chunk=chunk: self._store(chunk))
                self._loop.call_soon_threadsafe(self._ready.put_nowait, chunk)
        except Exception as error:
            self._hand_over(error)
        with self._lock:
            self._done = True
            self._reading = False

    def _next_chunk(self) -> bytes | None:
        """About chunk_size bytes (the last chunk fewer), None at the end."""
        pieces: list[bytes] = []
        size = 0
        for piece in self._pieces:
            pieces.append(piece)
            size += len(piece)
            if size >= self._chunk_size:
                break
        return b"".join(pieces) if pieces else None

    def _store(self, chunk: bytes) -> None:
        """On the cache file's thread: hashes and writes a chunk."""
        try:
            self._writer.hash(chunk)
            self._writer.store(chunk)
        finally:  # a chunk that failed here fails the digest check; the reading goes on to the end regardless
            with self._lock:
                self._unstored -= 1
            self._schedule()

    def _finish(self) -> None:
        """On the cache file's thread, once every chunk is hashed: the end for the client (its last chunk goes
        out) if the digest matches, else DigestMismatch (it never does)."""
        try:
            self._writer.verify()
        except DigestMismatch as mismatch:
            self._writer.abandon()
            self._hand_over(mismatch)
            return
        self._hand_over(None)
        self._writer.commit()

    def _hand_over(self, item: BaseException | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed: the server is stopping
            self._loop.call_soon_threadsafe(self._ready.put_nowait, item)

    def _close(self, complete: bool) -> None:
        with self._lock:
            self._done = True  # no read starts after this
            last = self._last

        def release(_: object = None) -> None:
            with contextlib.suppress(RuntimeError):  # the pool is shut down: the server is stopping
                self._threads.submit(self._release, complete)

        # Not awaited (a cancelled transfer cannot wait), and no thread waits either: once a read in flight
        # has stopped (one not started yet is cancelled), the upstream response is closed on a thread, and an
        # unfinished cache file removed after the writes queued before.
        if last is None:
            release()
        else:
            last.cancel()
            last.add_done_callback(release)

    def _release(self, complete: bool) -> None:
        self._response.close()
        if not complete:
            self._files.submit(self._writer.abandon)
