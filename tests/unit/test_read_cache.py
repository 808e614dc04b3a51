"""The read cache's own rules: nothing is answered before it follows a log, nor past the position followed; a
value read while its aggregate changed is not kept."""

from __future__ import annotations

from imagestreams_server.store.read_cache import ReadCache


def following(position: int = 10) -> ReadCache:
    cache = ReadCache()
    cache.follow(lambda: position)
    return cache


def test_nothing_is_kept_or_answered_before_the_cache_follows_a_log() -> None:
    cache = ReadCache()
    cache.put("imagestream:team/app", None, "state", cache.token())
    assert cache.get("imagestream:team/app", None, 0) is None


def test_a_read_past_the_followed_position_is_not_answered() -> None:
    cache = following(position=10)
    cache.put("imagestream:team/app", None, "state", cache.token())
    assert cache.get("imagestream:team/app", None, 10) == "state"
    assert cache.get("imagestream:team/app", None, 11) is None


def test_a_change_drops_the_aggregates_entries() -> None:
    cache = following()
    cache.put("imagestream:team/app", None, "whole", cache.token())
    cache.put("imagestream:team/app", "t", "one tag", cache.token())
    cache.changed(["imagestream:team/app"])
    assert cache.get("imagestream:team/app", None, 0) is None
    assert cache.get("imagestream:team/app", "t", 0) is None


def test_a_value_read_while_its_aggregate_changed_is_not_kept() -> None:
    cache = following()
    token = cache.token()  # the read begins
    cache.changed(["imagestream:team/app"])  # a commit is reported before the read's value is stored
    cache.put("imagestream:team/app", None, "maybe older", token)
    assert cache.get("imagestream:team/app", None, 0) is None
    # A read that began after the change is kept.
    cache.put("imagestream:team/app", None, "current", cache.token())
    assert cache.get("imagestream:team/app", None, 0) == "current"


def test_the_least_recently_used_aggregate_goes_first() -> None:
    cache = ReadCache(max_aggregates=2)
    cache.follow(lambda: 0)
    for name in ("a", "b"):
        cache.put(name, None, name, cache.token())
    assert cache.get("a", None, 0) == "a"
    cache.put("c", None, "c", cache.token())
    assert cache.get("b", None, 0) is None
    assert cache.get("a", None, 0) == "a"
