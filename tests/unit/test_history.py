"""A tag's status history: the append / collapse rule (semantics §6.1), which compares with the current entry
only."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from imagestreams_server.domain.history import HistoryChange, TagCondition, TagEvent, add_tag_event

from .builders import D1, D2, D3, LATER, LATEST, NOW, event

REF1 = f"quay.io/team/app@{D1}"
REF2 = f"quay.io/team/app@{D2}"
OLDER = event(f"quay.io/team/app@{D3}", D3, generation=1, created=NOW)


def test_1_an_empty_history_takes_the_event() -> None:
    new = event(REF1, D1, generation=2, created=LATER)
    assert add_tag_event([], new) == ([new], HistoryChange.MOVED)


def test_2_same_ref_image_and_generation_changes_nothing() -> None:
    current = event(REF1, D1, generation=2, created=NOW)
    items = [current, OLDER]
    result, change = add_tag_event(items, event(REF1, D1, generation=2, created=LATER))
    assert change is HistoryChange.UNCHANGED
    assert result == [current, OLDER]
    assert result[0].created == NOW


def test_3_same_ref_and_image_only_updates_the_generation() -> None:
    items = [event(REF1, D1, generation=2, created=NOW), OLDER]
    result, change = add_tag_event(items, event(REF1, D1, generation=5, created=LATER))
    assert change is HistoryChange.UPDATED
    # The entry's creation time never moves forward.
    assert result == [event(REF1, D1, generation=5, created=NOW), OLDER]


def test_4_same_ref_replaces_the_image_in_place() -> None:
    items = [event(REF1, D1, generation=2, created=NOW), OLDER]
    result, change = add_tag_event(items, event(REF1, D2, generation=3, created=LATER))
    assert change is HistoryChange.UPDATED
    assert result == [event(REF1, D2, generation=3, created=NOW), OLDER]


def test_5_same_image_replaces_the_pull_spec_in_place() -> None:
    items = [event(REF1, D1, generation=2, created=NOW), OLDER]
    moved_ref = f"registry.local/team/app@{D1}"
    result, change = add_tag_event(items, event(moved_ref, D1, generation=3, created=LATER))
    assert change is HistoryChange.UPDATED
    assert result == [event(moved_ref, D1, generation=3, created=NOW), OLDER]


def test_6_anything_else_is_prepended() -> None:
    items = [event(REF1, D1, generation=2, created=NOW), OLDER]
    new = event(REF2, D2, generation=3, created=LATER)
    result, change = add_tag_event(items, new)
    assert change is HistoryChange.MOVED
    assert result == [new, *items]


def test_an_image_deeper_in_the_history_is_prepended_again() -> None:
    first = event(REF1, D1, generation=1, created=NOW)
    second = event(REF2, D2, generation=2, created=LATER)
    back = event(REF1, D1, generation=3, created=LATEST)
    result, change = add_tag_event([second, first], back)
    assert change is HistoryChange.MOVED
    assert result == [back, second, first]
    assert [e.image for e in result].count(D1) == 2


def test_reference_only_events_collapse_on_the_pull_spec() -> None:
    # `reference=true` tags record the pull spec with an empty image.
    items = [event("quay.io/team/app:1", "", generation=1)]
    result, change = add_tag_event(items, event("quay.io/team/app:2", "", generation=2, created=LATER))
    # Same (empty) image: the pull spec is replaced in place.
    assert change is HistoryChange.UPDATED
    assert result == [event("quay.io/team/app:2", "", generation=2, created=NOW)]


def test_the_given_list_is_not_modified() -> None:
    items = [event(REF1, D1, generation=2), OLDER]
    snapshot = list(items)
    add_tag_event(items, event(REF1, D2, generation=3))
    add_tag_event(items, event(REF2, D2, generation=3))
    assert items == snapshot


def test_tag_event_and_condition_round_trip_through_dicts() -> None:
    item = event(REF1, D1, generation=7, created=LATER)
    assert TagEvent.from_dict(item.to_dict()) == item
    assert item.to_dict()["created"] == LATER.isoformat()
    condition = TagCondition("ImportSuccess", "False", NOW, "NotFound", "not found", 3)
    assert TagCondition.from_dict(condition.to_dict()) == condition


# -- properties ------------------------------------------------------------------------------------------

_events = st.builds(
    TagEvent,
    created=st.sampled_from([NOW, LATER, LATEST]),
    docker_image_reference=st.sampled_from([REF1, REF2, "quay.io/x:1"]),
    image=st.sampled_from([D1, D2, ""]),
    generation=st.integers(1, 3),
)


@given(st.lists(_events, max_size=6), _events)
def test_adding_never_loses_entries_and_grows_by_at_most_one(items: list[TagEvent], new: TagEvent) -> None:
    result, change = add_tag_event(items, new)
    if change is HistoryChange.MOVED:
        assert result == [new, *items]
    else:
        assert len(result) == len(items)
        # Only the current entry may differ; every older entry is kept as it was.
        assert result[1:] == items[1:]
        if change is HistoryChange.UNCHANGED:
            assert result == items
        else:
            assert result[0] != items[0]
            assert result[0].created == items[0].created


@given(st.lists(_events, max_size=6), _events)
def test_after_adding_the_current_entry_points_where_the_event_does(items: list[TagEvent], new: TagEvent) -> None:
    result, _ = add_tag_event(items, new)
    current = result[0]
    assert (current.docker_image_reference, current.image, current.generation) == (
        new.docker_image_reference,
        new.image,
        new.generation,
    )


@given(st.lists(_events, max_size=6), _events)
def test_adding_the_same_event_twice_changes_nothing_the_second_time(items: list[TagEvent], new: TagEvent) -> None:
    once, _ = add_tag_event(items, new)
    twice, change = add_tag_event(once, new)
    assert change is HistoryChange.UNCHANGED
    assert twice == once
