"""Which cached aggregates a process may load without asking the database."""

from __future__ import annotations

from imagestreams_server.store.current_aggregates import CurrentAggregates


def following() -> CurrentAggregates:
    current = CurrentAggregates()
    current.following = True
    return current


def test_nothing_is_current_before_the_log_is_followed() -> None:
    current = CurrentAggregates()
    assert not current.saved("imagestream:team/app", 3)
    assert current.version("imagestream:team/app") is None


def test_a_save_is_current_until_a_later_event_of_it_is_reported() -> None:
    current = following()
    assert current.saved("imagestream:team/app", 3)
    current.reported("imagestream:team/app", 3)  # the hub meets this process's own save
    assert current.version("imagestream:team/app") == 3
    current.reported("imagestream:team/app", 4)  # another replica's
    assert current.version("imagestream:team/app") is None


def test_a_save_the_hub_already_saw_overtaken_is_not_current() -> None:
    current = following()
    current.reported("imagestream:team/app", 5)  # read from the log before this process noted its save of 4
    assert not current.saved("imagestream:team/app", 4)
    assert current.version("imagestream:team/app") is None


def test_a_lost_race_forgets_the_aggregate() -> None:
    current = following()
    current.saved("imagestream:team/app", 3)
    current.forget(["imagestream:team/app"])
    assert current.version("imagestream:team/app") is None
