"""Tracking tags (semantics §3.6) with our decisions: chains propagate breadth first by name with a visited set
(deterministic, transitive), and alias cycles are rejected on write."""

from __future__ import annotations

import itertools

import pytest
from imagestreams_server.domain.errors import InvalidField

from .builders import (
    D1,
    D2,
    D3,
    LATER,
    LATEST,
    NOW,
    alias,
    docker,
    event_names,
    head,
    image_of,
    new_stream,
    push,
    set_tag,
)


def test_an_alias_takes_the_current_event_of_its_target() -> None:
    stream = new_stream()
    push(stream, "2.7", D1, now=NOW)
    set_tag(stream, alias("latest", "2.7"), now=LATER)
    source, copy = head(stream, "2.7"), head(stream, "latest")
    assert (copy.docker_image_reference, copy.image, copy.created) == (
        source.docker_image_reference,
        source.image,
        source.created,
    )
    # The alias records its own generation; the source tag is left alone (upstream quirk 11 not copied).
    assert copy.generation == stream.spec_tags["latest"].generation == 2
    assert source.generation == 1


def test_an_alias_follows_its_target_when_it_moves() -> None:
    stream = new_stream()
    push(stream, "2.7", D1)
    set_tag(stream, alias("latest", "2.7"))
    stream.collect_events()
    push(stream, "2.7", D2, now=LATER)
    assert image_of(stream, "latest") == D2
    assert head(stream, "latest") == head(stream, "2.7")
    assert [i.image for i in stream.state.status_tags["latest"].items] == [D2, D1]
    assert event_names(stream) == ["TagStatusChanged", "TagStatusChanged"]


def test_an_alias_spelled_with_the_stream_name_tracks_too() -> None:
    stream = new_stream()
    set_tag(stream, alias("latest", "ruby:2.7"))
    set_tag(stream, alias("stable", "2.7", namespace="team"))
    push(stream, "2.7", D1)
    assert image_of(stream, "latest") == D1
    assert image_of(stream, "stable") == D1


def test_an_alias_of_a_tag_without_image_waits_for_it() -> None:
    stream = new_stream()
    assert set_tag(stream, alias("latest", "2.7"))
    assert event_names(stream) == ["TagSpecSet"]
    assert head(stream, "latest") is None
    push(stream, "2.7", D1)
    assert image_of(stream, "latest") == D1


def test_an_alias_follows_a_target_pinned_by_a_spec_change() -> None:
    stream = new_stream()
    set_tag(stream, alias("latest", "2.7"))
    set_tag(stream, docker(f"quay.io/team/app@{D1}", "2.7"))
    assert image_of(stream, "latest") == D1
    set_tag(stream, docker(f"quay.io/team/app@{D2}", "2.7"), now=LATER)
    assert image_of(stream, "latest") == D2


def test_a_tag_of_another_stream_with_the_same_name_is_not_tracked() -> None:
    stream = new_stream()
    other = new_stream(name="python")
    push(other, "2.7", D1)
    set_tag(stream, alias("copy", "python:2.7"), source=other)
    assert image_of(stream, "copy") == D1
    # A local tag that happens to share the name does not drive the copy.
    push(stream, "2.7", D2, now=LATER)
    assert image_of(stream, "copy") == D1


def test_a_chain_a_b_c_moves_together() -> None:
    stream = new_stream()
    set_tag(stream, alias("a", "b"))
    set_tag(stream, alias("b", "c"))
    push(stream, "c", D1)
    assert image_of(stream, "a") == image_of(stream, "b") == D1
    push(stream, "c", D2, now=LATER)
    assert image_of(stream, "a") == image_of(stream, "b") == D2
    assert stream.alias_chain("a") == ["b", "c"]
    assert stream.alias_chain("b") == ["c"]
    assert stream.alias_chain("c") == []


def test_a_chain_set_up_top_down_resolves_at_once() -> None:
    stream = new_stream()
    push(stream, "c", D1)
    set_tag(stream, alias("b", "c"))
    set_tag(stream, alias("a", "b"))
    assert image_of(stream, "a") == D1


def test_a_chain_whose_middle_link_arrives_last_resolves_both_ends() -> None:
    stream = new_stream()
    push(stream, "c", D1)
    set_tag(stream, alias("a", "b"))
    assert head(stream, "a") is None
    set_tag(stream, alias("b", "c"), now=LATER)
    assert image_of(stream, "b") == image_of(stream, "a") == D1


def test_a_long_chain_is_followed_to_the_end() -> None:
    stream = new_stream()
    names = [f"t{i}" for i in range(8)]
    for tracker, target in itertools.pairwise(names):
        set_tag(stream, alias(tracker, target))
    push(stream, names[-1], D3)
    assert {image_of(stream, n) for n in names} == {D3}
    assert stream.alias_chain("t0") == names[1:]


def test_propagation_is_breadth_first_and_by_name() -> None:
    stream = new_stream()
    # src is tracked by y and x; x is tracked by w; y by a.
    for tracker, target in [("y", "src"), ("x", "src"), ("w", "x"), ("a", "y")]:
        set_tag(stream, alias(tracker, target))
    stream.collect_events()
    push(stream, "src", D1)
    assert [e.tag for e in stream.collect_events()] == ["src", "x", "y", "w", "a"]


def test_the_propagated_event_is_the_same_event() -> None:
    stream = new_stream()
    set_tag(stream, alias("latest", "2.7"))
    push(stream, "2.7", D1, now=LATEST)
    assert head(stream, "latest") == head(stream, "2.7")
    assert head(stream, "latest").created == LATEST


def test_an_alias_replaced_by_another_source_stops_tracking() -> None:
    stream = new_stream()
    set_tag(stream, alias("latest", "2.7"))
    push(stream, "2.7", D1)
    set_tag(stream, docker(f"quay.io/team/app@{D2}"))
    push(stream, "2.7", D3, now=LATER)
    assert image_of(stream, "latest") == D2


# -- cycles --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("target", ["self", "ruby:self"])
def test_a_self_alias_is_rejected(target: str) -> None:
    stream = new_stream()
    with pytest.raises(InvalidField) as raised:
        set_tag(stream, alias("self", target))
    assert raised.value.field == "source.name"
    assert "alias cycle" in raised.value.message
    assert stream.collect_events() == []
    assert "self" not in stream.spec_tags


def test_a_two_tag_cycle_is_rejected() -> None:
    stream = new_stream()
    set_tag(stream, alias("b", "a"))
    stream.collect_events()
    with pytest.raises(InvalidField) as raised:
        set_tag(stream, alias("a", "b"))
    assert raised.value.message == "alias cycle: ruby:a -> ruby:b -> ruby:a"
    assert stream.collect_events() == []
    assert "a" not in stream.spec_tags


def test_a_longer_cycle_is_rejected_even_when_spelled_with_the_stream_name() -> None:
    stream = new_stream()
    set_tag(stream, alias("a", "b"))
    set_tag(stream, alias("b", "ruby:c"))
    with pytest.raises(InvalidField) as raised:
        set_tag(stream, alias("c", "ruby:a"))
    assert raised.value.message == "alias cycle: ruby:c -> ruby:a -> ruby:b -> ruby:c"


def test_replacing_a_link_so_the_chain_no_longer_loops_is_fine() -> None:
    stream = new_stream()
    set_tag(stream, alias("a", "b"))
    set_tag(stream, alias("b", "c"))
    # c -> a would loop; c -> d does not.
    assert set_tag(stream, alias("c", "d"))
    # Re-pointing b away from c breaks the chain, after which c -> a is allowed.
    set_tag(stream, docker("quay.io/team/app:1", "b"))
    assert set_tag(stream, alias("c", "a"))


def test_an_alias_of_the_same_tag_name_in_another_stream_is_no_cycle() -> None:
    stream = new_stream()
    other = new_stream(name="python")
    push(other, "latest", D1)
    assert set_tag(stream, alias("latest", "python:latest"), source=other)
    assert image_of(stream, "latest") == D1


def test_propagation_stops_at_a_stored_cycle() -> None:
    # Stored data written before cycles were rejected: x and y track each other.
    stream = new_stream()
    stream.state.spec_tags["x"] = alias("x", "y")
    stream.state.spec_tags["y"] = alias("y", "x")
    push(stream, "x", D1)
    assert image_of(stream, "y") == D1
    assert [e.tag for e in stream.collect_events()] == ["x", "y"]
    assert stream.alias_chain("x") == ["y"]
