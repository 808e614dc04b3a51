"""Spec tags: when a new spec counts as a change of source (semantics §3.3, with our decision that a change of
kind alone counts), which tag an alias tracks (§3.6), and the `describe` line."""

from __future__ import annotations

from dataclasses import replace

import pytest
from imagestreams_server.domain.tags import (
    ImportMode,
    ReferencePolicy,
    Source,
    SourceKind,
    TagSpec,
    source_changed,
    source_description,
)

NS = "team"
DOCKER = SourceKind.DOCKER_IMAGE
IST = SourceKind.IMAGE_STREAM_TAG
ISI = SourceKind.IMAGE_STREAM_IMAGE

BASE = TagSpec("latest", Source(DOCKER, "quay.io/team/app:1"), generation=3)


def test_a_new_tag_is_a_change() -> None:
    assert source_changed(None, BASE, NS)
    assert source_changed(None, TagSpec("bare"), NS)


@pytest.mark.parametrize(
    "new",
    [
        replace(BASE, source=Source(DOCKER, "quay.io/team/app:2")),
        replace(BASE, source=Source(DOCKER, "quay.io/team/app:1", "other")),
        replace(BASE, reference=True),
        replace(BASE, import_mode=ImportMode.PRESERVE_ORIGINAL),
        # Our decision: a different kind names a different thing.
        replace(BASE, source=Source(IST, "quay.io/team/app:1")),
    ],
    ids=["name", "namespace", "reference", "import-mode", "kind-alone"],
)
def test_source_changes(new: TagSpec) -> None:
    assert source_changed(BASE, new, NS)


@pytest.mark.parametrize(
    "new",
    [
        BASE,
        replace(BASE, insecure=True),
        replace(BASE, scheduled=True),
        replace(BASE, reference_policy=ReferencePolicy.LOCAL),
        replace(BASE, annotations={"description": "x"}),
        replace(BASE, generation=0),
        # An empty namespace is the stream's own namespace, on both sides.
        replace(BASE, source=Source(DOCKER, "quay.io/team/app:1", NS)),
        # No source at all: nothing to resolve.
        replace(BASE, source=None),
    ],
    ids=["same", "insecure", "scheduled", "reference-policy", "annotations", "generation", "own-namespace", "none"],
)
def test_policy_only_changes_are_not_source_changes(new: TagSpec) -> None:
    assert not source_changed(BASE, new, NS)


def test_own_namespace_spelled_out_on_the_old_side_is_no_change() -> None:
    old = replace(BASE, source=Source(DOCKER, "quay.io/team/app:1", NS))
    assert not source_changed(old, BASE, NS)
    assert source_changed(old, BASE, "elsewhere")


def test_an_old_tag_without_source_compares_with_an_empty_container_image() -> None:
    old = TagSpec("latest")
    assert source_changed(old, TagSpec("latest", Source(DOCKER, "app:1")), NS)
    assert not source_changed(old, TagSpec("latest", Source(DOCKER, "")), NS)
    assert source_changed(old, TagSpec("latest", Source(IST, "")), NS)


# -- aliases -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "tracked"),
    [
        (Source(IST, "2.7"), "2.7"),
        (Source(IST, "ruby:2.7"), "2.7"),
        (Source(IST, "2.7", NS), "2.7"),
        (Source(IST, "ruby:2.7", NS), "2.7"),
        # Another stream or another namespace: a one-time copy, not tracking.
        (Source(IST, "python:2.7"), None),
        (Source(IST, "2.7", "other"), None),
        (Source(IST, "ruby:2.7", "other"), None),
        # Other kinds never track.
        (Source(DOCKER, "2.7"), None),
        (Source(ISI, "ruby@sha256:abc"), None),
        # A stored name that does not parse tracks nothing.
        (Source(IST, "a:b:c"), None),
        (Source(IST, "ruby@sha256:abc"), None),
        (Source(IST, ""), None),
    ],
)
def test_tracked_tag(source: Source, tracked: str | None) -> None:
    assert TagSpec("latest", source).tracked_tag(NS, "ruby") == tracked


def test_a_tag_without_source_tracks_nothing() -> None:
    assert TagSpec("latest").tracked_tag(NS, "ruby") is None


# -- serialisation ------------------------------------------------------------------------------------------


def test_tag_spec_round_trips_through_a_dict() -> None:
    spec = TagSpec(
        "2.7",
        Source(IST, "ruby:2.7-ubi", "other"),
        annotations={"tags": "builder"},
        reference=True,
        generation=4,
        insecure=True,
        scheduled=True,
        import_mode=ImportMode.PRESERVE_ORIGINAL,
        reference_policy=ReferencePolicy.LOCAL,
    )
    assert TagSpec.from_dict(spec.to_dict()) == spec
    assert TagSpec.from_dict(TagSpec("bare").to_dict()) == TagSpec("bare")


def test_tag_spec_from_a_minimal_dict_takes_the_defaults() -> None:
    spec = TagSpec.from_dict({"name": "x", "source": {"kind": "DockerImage", "name": "app"}})
    assert spec == TagSpec("x", Source(DOCKER, "app", ""))
    assert spec.import_mode is ImportMode.LEGACY
    assert spec.reference_policy is ReferencePolicy.SOURCE


def test_with_generation_changes_only_the_generation() -> None:
    assert BASE.with_generation(9) == replace(BASE, generation=9)
    assert BASE.generation == 3


# -- describe -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "line"),
    [
        (None, "no spec tag"),
        (TagSpec("t"), "tag without source image"),
        (TagSpec("t", Source(IST, "2.7")), "tagged from 2.7"),
        (TagSpec("t", Source(IST, "ruby:2.7", NS)), "tagged from ruby:2.7"),
        (TagSpec("t", Source(IST, "ruby:2.7", "other")), "tagged from other/ruby:2.7"),
        (TagSpec("t", Source(IST, "2.7"), reference=True), "reference to 2.7"),
        (TagSpec("t", Source(IST, "2.7"), scheduled=True), "updates automatically from 2.7"),
        (TagSpec("t", Source(DOCKER, "quay.io/a/b")), "tagged from quay.io/a/b"),
        (TagSpec("t", Source(DOCKER, "quay.io/a/b"), reference=True), "reference to registry quay.io/a/b"),
        (
            TagSpec("t", Source(DOCKER, "quay.io/a/b"), scheduled=True),
            "updates automatically from registry quay.io/a/b",
        ),
        (TagSpec("t", Source(ISI, "ruby@sha256:abc")), "tagged from ruby@sha256:abc"),
        (TagSpec("t", Source(ISI, "ruby@sha256:abc"), reference=True), "reference to image ruby@sha256:abc"),
    ],
)
def test_source_description(spec: TagSpec | None, line: str) -> None:
    assert source_description(spec, NS) == line
