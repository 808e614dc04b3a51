"""The pull-through blob cache: only verified blobs are kept, and the least recently used go first."""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

import pytest
from imagestreams_server.application.blob_cache import BlobCache, DigestMismatch


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def put(cache: BlobCache, data: bytes) -> str:
    writer = cache.writer(digest(data))
    for start in range(0, len(data), 7):
        writer.write(data[start : start + 7])
    writer.finish()
    return digest(data)


def test_a_blob_is_kept_only_when_its_bytes_match_its_digest(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path, max_bytes=1000)
    kept = put(cache, b"a" * 100)
    assert cache.get(kept) is not None and cache.get(kept).read_bytes() == b"a" * 100  # type: ignore[union-attr]
    writer = cache.writer(digest(b"expected"))
    writer.write(b"something else")
    with pytest.raises(DigestMismatch):
        writer.finish()
    assert cache.get(digest(b"expected")) is None
    assert [p.name for p in tmp_path.iterdir()] == [kept.replace(":", "-")]


def test_the_least_recently_used_blobs_go_first(tmp_path: Path) -> None:
    cache = BlobCache(tmp_path, max_bytes=250)
    first, second = put(cache, b"1" * 100), put(cache, b"2" * 100)
    # The first is used again, so the second is the older one when a third needs the room.
    past = time.time() - 60
    os.utime(tmp_path / second.replace(":", "-"), (past, past))
    os.utime(tmp_path / first.replace(":", "-"), (past - 30, past - 30))
    assert cache.get(first) is not None
    third = put(cache, b"3" * 100)
    assert cache.get(second) is None
    assert cache.get(first) is not None and cache.get(third) is not None
    # A blob larger than the whole cache streams through but is not kept.
    assert cache.get(put(cache, b"4" * 300)) is None
