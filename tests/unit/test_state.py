"""The questions asked of a stream's state: current images, who tracks whom, and finding an image by a
prefix of its id (semantics §3.8, with our decision that an ambiguous prefix is FailedPrecondition)."""

from __future__ import annotations

import pytest
from imagestreams_server.domain.errors import FailedPrecondition, NotFound
from imagestreams_server.domain.history import TagCondition
from imagestreams_server.domain.names import StreamName
from imagestreams_server.domain.state import StreamState, TagStatus
from imagestreams_server.domain.tags import Source, SourceKind, TagSpec

from .builders import D1, D2, D3, D4, LATER, LATEST, NOW, alias, docker, event


def state_with(**status: list) -> StreamState:
    state = StreamState("team", "ruby", uid="u", created=NOW)
    for tag, items in status.items():
        state.status_tags[tag] = TagStatus(items=list(items))
    return state


def test_tag_names_unites_spec_and_status_tags_sorted() -> None:
    state = state_with(b=[event("x", D1)], old=[event("x", D1)])
    state.spec_tags["a"] = docker("app:1", "a")
    state.spec_tags["b"] = docker("app:1", "b")
    assert state.tag_names() == ["a", "b", "old"]
    assert state.stream_name == StreamName("team", "ruby")


def test_current_is_the_newest_entry_or_none() -> None:
    newest = event("x@1", D2, created=LATER)
    state = state_with(t=[newest, event("x@0", D1)], empty=[])
    assert state.current("t") == newest
    assert state.current("empty") is None
    assert state.current("missing") is None


def test_trackers_of_lists_direct_aliases_by_name() -> None:
    state = state_with()
    state.spec_tags = {
        "src": docker("app:1", "src"),
        "zed": alias("zed", "src"),
        "b": alias("b", "ruby:src"),
        "c": alias("c", "zed"),
        "copy": alias("copy", "python:src"),
        "far": alias("far", "src", namespace="other"),
    }
    assert state.trackers_of("src") == ["b", "zed"]
    assert state.trackers_of("zed") == ["c"]
    assert state.trackers_of("c") == []
    assert state.tracked_tag("c") == "zed"
    assert state.tracked_tag("src") is None
    assert state.tracked_tag("missing") is None


def test_images_keeps_the_newest_event_of_each_image_and_skips_references() -> None:
    newer = event("registry.local/team/ruby@x", D1, created=LATEST)
    state = state_with(
        a=[event("quay.io/a@x", D1, created=NOW), event("quay.io/a@y", D2, created=NOW)],
        b=[newer],
        ref=[event("quay.io/a:1", "", created=LATEST)],
    )
    assert state.images() == {D1: newer, D2: event("quay.io/a@y", D2, created=NOW)}


@pytest.mark.parametrize("query", [D1, "aa11", "sha256:aa11", "aa11" + "0" * 60])
def test_resolve_image_id_by_prefix(query: str) -> None:
    state = state_with(a=[event("quay.io/a@1", D1)], b=[event("quay.io/b@2", D2)])
    assert state.resolve_image_id(query).image == D1


def test_resolve_image_id_searches_the_whole_history() -> None:
    state = state_with(a=[event("quay.io/a@2", D2, created=LATER), event("quay.io/a@3", D3)])
    assert state.resolve_image_id("cc3") == event("quay.io/a@3", D3)


def test_resolve_image_id_returns_the_newest_event_of_the_image() -> None:
    state = state_with(
        a=[event("quay.io/old@x", D1, created=NOW)],
        b=[event("registry.local/team/ruby@x", D1, created=LATER)],
    )
    assert state.resolve_image_id("aa11").docker_image_reference == "registry.local/team/ruby@x"


def test_no_match_is_not_found() -> None:
    state = state_with(a=[event("quay.io/a@1", D1)], ref=[event("quay.io/a:1", "")])
    with pytest.raises(NotFound) as raised:
        state.resolve_image_id("ff")
    assert raised.value.kind == "imagestreamimage"
    assert raised.value.name == "team/ruby@ff"
    assert raised.value.message == 'imagestreamimage "team/ruby@ff" not found'


def test_an_empty_query_matches_nothing() -> None:
    with pytest.raises(NotFound):
        state_with(a=[event("quay.io/a@1", D1)]).resolve_image_id("")


def test_an_ambiguous_prefix_fails_with_the_count_of_matches() -> None:
    state = state_with(a=[event("quay.io/a@1", D1)], b=[event("quay.io/b@4", D4)], c=[event("quay.io/c@2", D2)])
    with pytest.raises(FailedPrecondition) as raised:
        state.resolve_image_id("aa1")
    error = raised.value
    assert error.reason == "AMBIGUOUS_IMAGE_PREFIX"
    assert error.field == "id"
    assert error.metadata == {"prefix": "aa1", "matches": "2"}
    assert error.message.startswith('2 images of imagestream "team/ruby" match the prefix "aa1": ')
    # Listed sorted, each once.
    assert error.message.endswith(f"{D1}, {D4}")


def test_the_same_image_under_several_tags_is_not_ambiguous() -> None:
    state = state_with(a=[event("quay.io/a@1", D1)], b=[event("quay.io/b@1", D1, created=LATER)])
    assert state.resolve_image_id("aa").image == D1


def test_the_algorithm_alone_matches_every_image() -> None:
    single = state_with(a=[event("quay.io/a@1", D1)])
    assert single.resolve_image_id("sha256:").image == D1
    with pytest.raises(FailedPrecondition) as raised:
        state_with(a=[event("quay.io/a@1", D1), event("quay.io/a@2", D2)]).resolve_image_id("sha256:")
    assert raised.value.metadata["matches"] == "2"


def test_state_round_trips_through_a_dict() -> None:
    state = state_with(a=[event("quay.io/a@1", D1, generation=2, created=LATER), event("quay.io/a@2", D2)])
    state.status_tags["a"].conditions = [TagCondition("ImportSuccess", "False", LATER, "NotFound", "gone", 2)]
    state.spec_tags = {
        "a": docker("quay.io/a:1", "a", insecure=True),
        "b": TagSpec("b", Source(SourceKind.IMAGE_STREAM_TAG, "a"), annotations={"k": "v"}, generation=2),
    }
    state.generation = 4
    state.annotations = {"openshift.io/display-name": "Ruby"}
    state.docker_image_repository = "quay.io/team/ruby"
    state.lookup_local = True
    assert StreamState.from_dict(state.to_dict()) == state
    bare = StreamState("team", "ruby")
    assert StreamState.from_dict(bare.to_dict()) == bare
