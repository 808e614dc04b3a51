"""The ImageStream aggregate's commands: create, spec tags and their generations (semantics §3.1-3.2), pushes
(ImageStreamMapping, §3.9), tag deletion and stream deletion."""

from __future__ import annotations

from dataclasses import replace

import pytest
from imagestreams_server.domain.errors import InvalidField, NotFound
from imagestreams_server.domain.history import TagCondition
from imagestreams_server.domain.imagestream import ImageStream, stream_id, validate_repository
from imagestreams_server.domain.names import StreamName
from imagestreams_server.domain.state import TagStatus
from imagestreams_server.domain.tags import ImportMode, ReferencePolicy, TagSpec

from .builders import (
    ACTOR,
    D1,
    D2,
    LATER,
    LATEST,
    NOW,
    docker,
    event,
    event_names,
    head,
    new_stream,
    push,
    set_tag,
)

PINNED = f"quay.io/team/app@{D1}"

# -- create ---------------------------------------------------------------------------------------------


def test_create_starts_at_generation_1_with_no_tags() -> None:
    stream = ImageStream.create(
        StreamName("team", "ruby"),
        uid="uid-1",
        now=NOW,
        actor=ACTOR,
        annotations={"openshift.io/display-name": "Ruby"},
        docker_image_repository="quay.io/team/ruby",
        lookup_local=True,
    )
    assert stream.id == stream_id("team", "ruby") == "imagestream:team/ruby"
    assert (stream.namespace, stream.name, stream.generation) == ("team", "ruby", 1)
    assert stream.state.uid == "uid-1"
    assert stream.state.created == NOW
    assert stream.state.annotations == {"openshift.io/display-name": "Ruby"}
    assert stream.state.docker_image_repository == "quay.io/team/ruby"
    assert stream.state.lookup_local is True
    assert stream.spec_tags == {}
    assert stream.state.status_tags == {}
    assert not stream.deleted
    [created] = stream.collect_events()
    assert type(created).__name__ == "Created"
    assert created.actor == ACTOR


@pytest.mark.parametrize(
    ("namespace", "name", "field"),
    [("team", "Ruby", "name"), ("Team", "ruby", "namespace"), ("team", "a--b", "name"), ("team", "", "name")],
)
def test_create_validates_the_name(namespace: str, name: str, field: str) -> None:
    with pytest.raises(InvalidField) as raised:
        ImageStream.create(StreamName(namespace, name), uid="u", now=NOW, actor=ACTOR)
    assert raised.value.field == field


@pytest.mark.parametrize(
    ("repository", "message"),
    [
        ("quay.io/team/ruby:1", "may not contain a tag"),
        (f"quay.io/team/ruby@{D1}", "may not contain an ID"),
        ("Quay.io/Team", "must be lowercase"),
    ],
)
def test_create_validates_the_repository(repository: str, message: str) -> None:
    with pytest.raises(InvalidField) as raised:
        ImageStream.create(
            StreamName("team", "ruby"), uid="u", now=NOW, actor=ACTOR, docker_image_repository=repository
        )
    assert raised.value.field == "docker_image_repository"
    assert message in raised.value.message


def test_validate_repository_accepts_empty_and_plain_repositories() -> None:
    validate_repository("")
    validate_repository("quay.io/team/ruby")
    validate_repository("ruby")


# -- spec tags and generations (§3.2) -------------------------------------------------------------------


def test_a_new_tag_gets_the_next_stream_generation() -> None:
    stream = new_stream()
    assert set_tag(stream, docker("quay.io/team/app:1", "one"))
    assert stream.generation == 2
    assert stream.spec_tags["one"].generation == 2
    assert set_tag(stream, docker("quay.io/team/app:2", "two"))
    assert stream.generation == 3
    assert stream.spec_tags["two"].generation == 3
    # The first tag keeps its own generation.
    assert stream.spec_tags["one"].generation == 2


def test_a_client_supplied_generation_is_ignored() -> None:
    stream = new_stream()
    set_tag(stream, replace(docker("quay.io/team/app:1"), generation=42))
    assert stream.spec_tags["latest"].generation == 2


def test_a_changed_source_gets_the_new_stream_generation() -> None:
    stream = new_stream()
    set_tag(stream, docker("quay.io/team/app:1"))
    set_tag(stream, docker("quay.io/team/other:1", "x"))
    assert set_tag(stream, docker("quay.io/team/app:2"))
    assert stream.generation == 4
    assert stream.spec_tags["latest"].generation == 4
    assert stream.spec_tags["latest"].source.name == "quay.io/team/app:2"


@pytest.mark.parametrize(
    "change",
    [
        {"insecure": True},
        {"scheduled": True},
        {"reference_policy": ReferencePolicy.LOCAL},
        {"annotations": {"description": "Ruby"}},
    ],
    ids=["insecure", "scheduled", "reference-policy", "annotations"],
)
def test_a_policy_only_change_bumps_the_stream_but_not_the_tag(change: dict) -> None:
    stream = new_stream()
    set_tag(stream, docker(PINNED))
    stream.collect_events()
    assert set_tag(stream, replace(docker(PINNED), **change))
    assert stream.generation == 3
    spec = stream.spec_tags["latest"]
    assert spec.generation == 2
    assert spec == replace(docker(PINNED), generation=2, **change)
    # No re-resolution: only the spec is recorded.
    assert event_names(stream) == ["TagSpecSet"]
    assert head(stream, "latest").generation == 2


@pytest.mark.parametrize(
    "change",
    [{"reference": True}, {"import_mode": ImportMode.PRESERVE_ORIGINAL}],
    ids=["reference", "import-mode"],
)
def test_reference_and_import_mode_are_source_changes(change: dict) -> None:
    stream = new_stream()
    set_tag(stream, docker("quay.io/team/app:1"))
    set_tag(stream, replace(docker("quay.io/team/app:1"), **change))
    assert stream.spec_tags["latest"].generation == stream.generation == 3


def test_an_identical_re_tag_records_nothing() -> None:
    stream = new_stream()
    set_tag(stream, docker(PINNED))
    stream.collect_events()
    assert not set_tag(stream, docker(PINNED), now=LATER)
    assert not set_tag(stream, replace(docker(PINNED), generation=0), now=LATER)
    assert stream.collect_events() == []
    assert stream.generation == 2


def test_removing_the_source_keeps_the_tag_generation() -> None:
    stream = new_stream()
    set_tag(stream, docker(PINNED))
    assert set_tag(stream, TagSpec("latest"))
    assert stream.generation == 3
    assert stream.spec_tags["latest"] == TagSpec("latest", generation=2)
    # The history stays.
    assert head(stream, "latest").image == D1


def test_set_tag_returns_true_and_records_the_spec() -> None:
    stream = new_stream()
    assert set_tag(stream, docker("quay.io/team/app:1"))
    [spec_set] = stream.collect_events()
    assert type(spec_set).__name__ == "TagSpecSet"
    assert spec_set.tag == "latest"
    assert spec_set.generation == 2
    assert spec_set.spec == stream.spec_tags["latest"].to_dict()
    assert spec_set.actor == ACTOR


# -- pushes (map_image) ----------------------------------------------------------------------------------


def test_map_image_records_the_image_with_the_stream_generation() -> None:
    stream = new_stream()
    set_tag(stream, docker("quay.io/team/app:1", "other"))
    assert push(stream, "latest", D1, now=LATER)
    assert head(stream, "latest") == event(f"registry.local/team/ruby@{D1}", D1, generation=2, created=LATER)
    # The spec is left alone.
    assert "latest" not in stream.spec_tags
    assert stream.generation == 2


def test_map_image_moves_and_keeps_history() -> None:
    stream = new_stream()
    push(stream, "latest", D1, now=NOW)
    push(stream, "latest", D2, now=LATER)
    items = stream.state.status_tags["latest"].items
    assert [i.image for i in items] == [D2, D1]
    assert [i.created for i in items] == [LATER, NOW]


def test_a_push_of_the_same_image_under_a_new_pull_spec_updates_in_place() -> None:
    stream = new_stream()
    push(stream, "latest", D1, f"quay.io/team/ruby@{D1}", now=NOW)
    push(stream, "latest", D1, f"registry.local/team/ruby@{D1}", now=LATER)
    assert stream.state.status_tags["latest"].items == [event(f"registry.local/team/ruby@{D1}", D1, created=NOW)]
    [_, changed] = stream.collect_events()
    assert changed.change == "updated"


def test_re_resolving_the_same_image_only_updates_the_generation() -> None:
    stream = new_stream()
    set_tag(stream, docker(PINNED), now=NOW)
    set_tag(stream, replace(docker(PINNED), import_mode=ImportMode.PRESERVE_ORIGINAL), now=LATER)
    assert stream.state.status_tags["latest"].items == [event(PINNED, D1, generation=3, created=NOW)]


def test_the_same_push_twice_records_nothing() -> None:
    stream = new_stream()
    assert push(stream, "latest", D1)
    stream.collect_events()
    assert not push(stream, "latest", D1, now=LATER)
    assert stream.collect_events() == []


def test_a_push_records_the_previous_entry_on_the_event() -> None:
    stream = new_stream()
    push(stream, "latest", D1)
    stream.collect_events()
    push(stream, "latest", D2, now=LATER)
    [changed] = stream.collect_events()
    assert changed.change == "moved"
    assert changed.previous == event(f"registry.local/team/ruby@{D1}", D1).to_dict()
    assert changed.current == head(stream, "latest").to_dict()


def test_a_new_history_entry_clears_the_tag_conditions() -> None:
    stream = new_stream()
    push(stream, "latest", D1)
    condition = TagCondition("ImportSuccess", "False", NOW, "NotFound", "gone", 1)
    stream.state.status_tags["latest"].conditions = [condition]
    push(stream, "latest", D1, now=LATER)  # unchanged: conditions stay
    assert stream.state.status_tags["latest"].conditions == [condition]
    push(stream, "latest", D2, now=LATER)
    assert stream.state.status_tags["latest"].conditions == []


# -- delete_tag ------------------------------------------------------------------------------------------


def test_delete_tag_removes_spec_and_history() -> None:
    stream = new_stream()
    set_tag(stream, docker(PINNED))
    stream.collect_events()
    stream.delete_tag("latest", now=LATER, actor=ACTOR)
    assert "latest" not in stream.spec_tags
    assert "latest" not in stream.state.status_tags
    assert event_names(stream) == ["TagDeleted"]


def test_delete_tag_of_a_status_only_tag() -> None:
    stream = new_stream()
    push(stream, "pushed", D1)
    stream.delete_tag("pushed", now=LATER, actor=ACTOR)
    assert stream.state.tag_names() == []


def test_delete_tag_of_a_spec_only_tag() -> None:
    stream = new_stream()
    set_tag(stream, docker("quay.io/team/app:1"))
    stream.delete_tag("latest", now=LATER, actor=ACTOR)
    assert stream.state.tag_names() == []


def test_delete_tag_may_remove_a_tag_whose_name_is_no_longer_valid() -> None:
    stream = new_stream()
    stream.state.status_tags[".legacy"] = TagStatus(items=[event("quay.io/a@1", D1)])
    stream.delete_tag(".legacy", now=LATER, actor=ACTOR)
    assert stream.state.tag_names() == []


def test_delete_of_an_unknown_tag_is_not_found() -> None:
    stream = new_stream()
    with pytest.raises(NotFound) as raised:
        stream.delete_tag("nope", now=LATER, actor=ACTOR)
    assert raised.value.kind == "imagestreamtag"
    assert raised.value.name == "team/ruby:nope"
    assert raised.value.message == 'imagestreamtag "team/ruby:nope" not found'
    assert stream.collect_events() == []


# -- stream spec ---------------------------------------------------------------------------------------


def test_update_spec_bumps_the_generation_for_spec_changes_only() -> None:
    stream = new_stream()
    assert stream.update_spec(
        annotations={"a": "1"}, docker_image_repository="", lookup_local=False, now=LATER, actor=ACTOR
    )
    assert stream.generation == 1
    assert stream.state.annotations == {"a": "1"}
    assert stream.update_spec(
        annotations={"a": "1"}, docker_image_repository="", lookup_local=True, now=LATER, actor=ACTOR
    )
    assert stream.generation == 2
    assert stream.update_spec(
        annotations={"a": "1"},
        docker_image_repository="quay.io/team/ruby",
        lookup_local=True,
        now=LATER,
        actor=ACTOR,
    )
    assert stream.generation == 3
    assert stream.state.docker_image_repository == "quay.io/team/ruby"
    stream.collect_events()
    assert not stream.update_spec(
        annotations={"a": "1"},
        docker_image_repository="quay.io/team/ruby",
        lookup_local=True,
        now=LATEST,
        actor=ACTOR,
    )
    assert stream.collect_events() == []


def test_update_spec_validates_the_repository() -> None:
    stream = new_stream()
    with pytest.raises(InvalidField):
        stream.update_spec(
            annotations={}, docker_image_repository="quay.io/a:1", lookup_local=False, now=LATER, actor=ACTOR
        )
    assert stream.collect_events() == []


# -- delete and recreate ---------------------------------------------------------------------------------


def test_delete_then_recreate_starts_afresh() -> None:
    stream = new_stream()
    set_tag(stream, docker(PINNED))
    push(stream, "pushed", D2)
    stream.delete(now=LATER, actor=ACTOR)
    assert stream.deleted
    assert stream.spec_tags == {}
    assert stream.state.status_tags == {}
    stream.recreate(uid="uid-2", now=LATEST, actor=ACTOR, annotations={"k": "v"})
    assert not stream.deleted
    assert (stream.namespace, stream.name) == ("team", "ruby")
    assert stream.state.uid == "uid-2"
    assert stream.state.created == LATEST
    assert stream.generation == 1
    assert stream.state.annotations == {"k": "v"}
    assert stream.state.tag_names() == []


def test_only_a_deleted_stream_can_be_recreated() -> None:
    stream = new_stream()
    with pytest.raises(AssertionError):
        stream.recreate(uid="uid-2", now=LATER, actor=ACTOR)
