"""A serving process settles its garbage collector once started: garbage collected, the rest frozen out of
later scans, young collections less often."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from imagestreams_server.api import collector


@pytest.fixture
def restored_collector() -> Iterator[None]:
    threshold = gc.get_threshold()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*threshold)


@pytest.mark.usefixtures("restored_collector")
def test_settling_collects_garbage_then_freezes_what_lives_and_raises_the_young_threshold() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self

    gc.collect()
    cycle = Node()
    collected = weakref.ref(cycle)
    alive = Node()
    del cycle  # garbage only a collection finds
    gc.disable()
    try:
        collector.settle_after_start()
        frozen = gc.get_freeze_count()
        assert frozen > 0
        assert collected() is None, "the garbage was frozen, not collected"
        assert gc.get_threshold()[0] == collector.YOUNG_COLLECTION_THRESHOLD
        assert gc.get_threshold()[1:] == (10, 10)
    finally:
        gc.enable()
    assert alive.me is alive
