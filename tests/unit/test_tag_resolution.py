"""What a spec tag points at when it is written (semantics §3.4): container images pinned by digest, by tag,
as references; image stream tags; image stream images by id prefix."""

from __future__ import annotations

from dataclasses import replace

import pytest
from imagestreams_server.domain.errors import FailedPrecondition, InvalidField, NotFound
from imagestreams_server.domain.imagestream import resolve_source
from imagestreams_server.domain.state import StreamState
from imagestreams_server.domain.tags import TagSpec

from .builders import (
    D1,
    D2,
    D4,
    LATER,
    LATEST,
    NOW,
    alias,
    docker,
    event,
    event_names,
    head,
    isimage,
    new_stream,
    push,
    set_tag,
)

# -- DockerImage ---------------------------------------------------------------------------------------


def test_a_digest_pinned_image_is_recorded_at_once() -> None:
    stream = new_stream()
    assert set_tag(stream, docker(f"quay.io/team/app@{D1}"), now=LATER)
    assert head(stream, "latest") == event(f"quay.io/team/app@{D1}", D1, generation=2, created=LATER)
    assert event_names(stream) == ["TagSpecSet", "TagStatusChanged"]


def test_a_pinned_image_with_a_tag_too_is_recorded_by_digest() -> None:
    stream = new_stream()
    set_tag(stream, docker(f"quay.io/team/app:1.0@{D1}"))
    assert head(stream, "latest").docker_image_reference == f"quay.io/team/app@{D1}"
    assert head(stream, "latest").image == D1


def test_an_image_by_tag_records_no_status_and_waits_for_import() -> None:
    stream = new_stream()
    assert set_tag(stream, docker("quay.io/team/app:1.0"))
    assert event_names(stream) == ["TagSpecSet"]
    assert head(stream, "latest") is None
    assert "latest" not in stream.state.status_tags


def test_a_reference_records_the_pull_spec_with_an_empty_image() -> None:
    stream = new_stream()
    set_tag(stream, replace(docker("quay.io/team/app:1.0"), reference=True), now=LATER)
    assert head(stream, "latest") == event("quay.io/team/app:1.0", "", generation=2, created=LATER)


def test_a_reference_by_digest_still_records_no_image() -> None:
    stream = new_stream()
    set_tag(stream, replace(docker(f"quay.io/team/app@{D1}"), reference=True))
    assert head(stream, "latest") == event(f"quay.io/team/app@{D1}", "", generation=2)


def test_an_unparsable_pinned_image_is_invalid_and_records_nothing() -> None:
    stream = new_stream()
    with pytest.raises(InvalidField) as raised:
        set_tag(stream, docker("Quay.io/Team/App@sha256:bad"))
    assert raised.value.field == "source.name"
    assert stream.collect_events() == []
    assert stream.spec_tags == {}
    assert stream.generation == 1


def test_re_pinning_moves_the_tag_and_keeps_history() -> None:
    stream = new_stream()
    set_tag(stream, docker(f"quay.io/team/app@{D1}"))
    set_tag(stream, docker(f"quay.io/team/app@{D2}"), now=LATER)
    assert [i.image for i in stream.state.status_tags["latest"].items] == [D2, D1]
    assert [i.generation for i in stream.state.status_tags["latest"].items] == [3, 2]


def test_switching_to_an_image_by_tag_keeps_the_last_pinned_image() -> None:
    stream = new_stream()
    set_tag(stream, docker(f"quay.io/team/app@{D1}"))
    set_tag(stream, docker("quay.io/team/app:2"), now=LATER)
    assert head(stream, "latest").image == D1
    assert stream.spec_tags["latest"].generation == 3


def test_a_pinned_source_without_repository_is_rejected() -> None:
    stream = new_stream()
    with pytest.raises(InvalidField, match="a repository name is required"):
        set_tag(stream, docker(f"quay.io@{D1}"))
    assert stream.collect_events() == []


# -- ImageStreamTag ---------------------------------------------------------------------------------------


def test_a_tag_of_another_stream_is_copied_with_its_creation_time() -> None:
    stream = new_stream()
    other = new_stream(name="python")
    push(other, "3.12", D1, now=NOW)
    other.collect_events()
    set_tag(stream, alias("py", "python:3.12"), source=other, now=LATEST)
    assert head(stream, "py") == event(f"registry.local/team/python@{D1}", D1, generation=2, created=NOW)
    # The source stream is not changed by being read.
    assert other.collect_events() == []
    assert head(other, "3.12").generation == 1


def test_a_missing_source_tag_records_no_status_and_no_error() -> None:
    stream = new_stream()
    other = new_stream(name="python")
    assert set_tag(stream, alias("py", "python:3.12"), source=other)
    assert event_names(stream) == ["TagSpecSet"]
    assert head(stream, "py") is None


def test_a_copied_tag_is_not_updated_when_its_source_moves_later() -> None:
    stream = new_stream()
    other = new_stream(name="python")
    push(other, "3.12", D1)
    set_tag(stream, alias("py", "python:3.12"), source=other)
    push(other, "3.12", D2, now=LATER)
    assert head(stream, "py").image == D1
    # Setting it again with a changed spec copies again.
    set_tag(stream, replace(alias("py", "python:3.12"), reference=True), source=other, now=LATER)
    assert head(stream, "py").image == D2


# -- ImageStreamImage --------------------------------------------------------------------------------------


@pytest.mark.parametrize("query", ["aa11", "sha256:aa1", D1])
def test_an_image_is_found_by_a_prefix_of_its_id(query: str) -> None:
    stream = new_stream()
    push(stream, "2.7", D1, now=NOW)
    push(stream, "3.0", D2, now=NOW)
    set_tag(stream, isimage("pinned", query), now=LATEST)
    # A fresh creation time, the tag's own generation.
    assert head(stream, "pinned") == event(f"registry.local/team/ruby@{D1}", D1, generation=2, created=LATEST)


def test_an_image_deeper_in_another_streams_history_is_found() -> None:
    stream = new_stream()
    other = new_stream(name="python")
    push(other, "3.12", D1, now=NOW)
    push(other, "3.12", D2, now=LATER)
    set_tag(stream, isimage("old", f"python@{D1[:12]}"), source=other, now=LATEST)
    assert head(stream, "old") == event(f"registry.local/team/python@{D1}", D1, generation=2, created=LATEST)


def test_an_unknown_image_is_not_found_and_records_nothing() -> None:
    stream = new_stream()
    push(stream, "2.7", D1)
    stream.collect_events()
    with pytest.raises(NotFound) as raised:
        set_tag(stream, isimage("pinned", "ff"))
    assert raised.value.kind == "imagestreamimage"
    assert stream.collect_events() == []
    assert "pinned" not in stream.spec_tags
    assert stream.generation == 1


def test_an_ambiguous_prefix_fails_with_the_count_and_records_nothing() -> None:
    stream = new_stream()
    push(stream, "a", D1)
    push(stream, "b", D4)
    stream.collect_events()
    with pytest.raises(FailedPrecondition) as raised:
        set_tag(stream, isimage("pinned", "aa1"))
    assert raised.value.metadata["matches"] == "2"
    assert stream.collect_events() == []
    assert "pinned" not in stream.spec_tags


def test_a_malformed_image_source_name_is_invalid() -> None:
    stream = new_stream()
    with pytest.raises(InvalidField) as raised:
        set_tag(stream, isimage("pinned", "a@b@c"))
    assert raised.value.field == "source.name"
    assert stream.collect_events() == []


# -- resolve_source directly --------------------------------------------------------------------------------


def test_resolve_source_of_a_tag_without_source_is_none() -> None:
    assert resolve_source(TagSpec("t"), StreamState("team", "ruby"), NOW) is None


def test_resolve_source_uses_the_specs_generation() -> None:
    state = StreamState("team", "ruby")
    spec = replace(docker(f"quay.io/a/b@{D1}"), generation=7)
    assert resolve_source(spec, state, LATER) == event(f"quay.io/a/b@{D1}", D1, generation=7, created=LATER)
