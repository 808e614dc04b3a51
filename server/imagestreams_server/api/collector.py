"""The garbage collector's settings for a serving process.

Large answers (a page of 100 streams with their histories is about 20,000 status entries) allocate objects by
the hundred thousand, and with the interpreter's defaults (a young collection every 700 allocations, a full one
every 100 young ones) each such answer runs several collections, some of them full collections of everything
the process holds: about 60-120 ms each on a store of 4,000 streams. Two changes, measured with
`bench/large_store.py` (docs/performance.md, "Reads on a large store"):

- what exists once the server has started (modules, descriptors, the access snapshot, caches filled at start)
  lives as long as the process: `gc.freeze()` moves it out of every later collection's scan;
- a young collection every 10,000 allocations instead of 700: fewer collections while a large answer is built,
  each still short (a single GetImageStreamTag's p99 did not move).
"""

from __future__ import annotations

import gc

YOUNG_COLLECTION_THRESHOLD = 10_000


def settle_after_start() -> None:
    """Called once the server has started: what is garbage now is collected, the rest frozen."""
    gc.collect()
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, older, oldest)
