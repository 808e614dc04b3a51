"""domain/pruning.py: OpenShift's pruning rules, per entry and per image, without a store."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from imagestreams_server.domain.errors import InvalidField
from imagestreams_server.domain.history import TagEvent
from imagestreams_server.domain.pruning import (
    ImageFacts,
    PruneOptions,
    referenced_images,
    trim_stream,
    unreferenced_images,
)
from imagestreams_server.domain.state import StreamState, TagStatus

NOW = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=10)


def entry(image: str, age: timedelta) -> TagEvent:
    return TagEvent(NOW - age, f"registry.example.com/team/ruby@{image}", image, 1)


def stream(**tags: list[TagEvent]) -> StreamState:
    state = StreamState("team", "ruby", created=LONG_AGO)
    state.status_tags = {name: TagStatus(items=list(items)) for name, items in tags.items()}
    return state


def facts(*digests: str, age: timedelta = timedelta(days=5), managed: bool = True) -> dict[str, ImageFacts]:
    return {d: ImageFacts(d, NOW - age, managed) for d in digests}


def removed(state: StreamState, images: dict[str, ImageFacts] | None, **options: object) -> dict[str, list[str]]:
    return {
        t.tag: [item.image for _, item in t.removed]
        for t in trim_stream(state, images, PruneOptions(**options), NOW)  # type: ignore[arg-type]
    }


def test_the_newest_three_revisions_stay_and_revisions_count_oldest_first() -> None:
    items = [entry(f"i{n}", timedelta(days=n + 1)) for n in range(5)]  # i0 current ... i4 oldest
    state = stream(prod=items)
    trimmed = trim_stream(state, None, PruneOptions(), NOW)
    assert [(revision, item.image) for revision, item in trimmed[0].removed] == [(2, "i3"), (1, "i4")]


def test_the_current_entry_stays_even_with_no_revisions_kept() -> None:
    state = stream(prod=[entry("a", timedelta(days=2)), entry("b", timedelta(days=3))])
    assert removed(state, None, keep_tag_revisions=0) == {"prod": ["b"]}


def test_entries_younger_than_the_cutoff_stay_whatever_their_revision() -> None:
    young = timedelta(minutes=10)
    items = [entry("a", young), entry("b", young), entry("c", young), entry("d", young), entry("e", timedelta(days=1))]
    assert removed(stream(prod=items), None, keep_tag_revisions=1) == {"prod": ["e"]}


def test_an_entry_whose_image_is_gone_is_dropped_unless_current_or_young() -> None:
    items = [entry("gone", timedelta(days=1)), entry("b", timedelta(days=2)), entry("gone2", timedelta(days=3))]
    assert removed(stream(prod=items), facts("b")) == {"prod": ["gone2"]}


def test_a_stream_younger_than_the_cutoff_is_left_alone() -> None:
    state = stream(prod=[entry(f"i{n}", timedelta(days=n + 1)) for n in range(5)])
    state.created = NOW - timedelta(minutes=5)
    assert removed(state, None) == {}


def test_images_still_referenced_and_children_of_a_referenced_list_stay() -> None:
    items = [entry(f"i{n}", timedelta(days=n + 1)) for n in range(5)]
    state = stream(prod=items, other=[entry("i4", timedelta(days=1))])
    images = facts("i0", "i1", "i2", "i3", "i4", "child", "orphan")
    images["i0"] = ImageFacts("i0", LONG_AGO, True, children=("child",))
    plan = trim_stream(state, images, PruneOptions(), NOW)
    used = referenced_images([state], plan)
    doomed = unreferenced_images(images, used, PruneOptions(), NOW)
    assert [image.digest for image in doomed] == ["i3", "orphan"]


def test_young_images_and_unmanaged_ones_without_all_stay() -> None:
    images = {**facts("old"), **facts("young", age=timedelta(minutes=1)), **facts("imported", managed=False)}
    assert [i.digest for i in unreferenced_images(images, set(), PruneOptions(), NOW)] == ["imported", "old"]
    assert [i.digest for i in unreferenced_images(images, set(), PruneOptions(all=False), NOW)] == ["old"]
    assert unreferenced_images(images, set(), PruneOptions(namespace="team"), NOW) == []


@pytest.mark.parametrize(
    ("options", "field"),
    [
        (PruneOptions(keep_tag_revisions=-1), "keep_tag_revisions"),
        (PruneOptions(keep_younger_than=timedelta(seconds=-1)), "keep_younger_than"),
        (PruneOptions(keep_younger_than=timedelta(days=40000)), "keep_younger_than"),
    ],
)
def test_bad_options_name_their_field(options: PruneOptions, field: str) -> None:
    with pytest.raises(InvalidField) as raised:
        options.validate()
    assert raised.value.field == field
