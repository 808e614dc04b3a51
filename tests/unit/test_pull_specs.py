"""Turning a tag into a pull spec (semantics §3.10: library-go ResolvePullSpecForTag in its newest mode, and
ResolveLatestTaggedImage for the image an image stream tag carries)."""

from __future__ import annotations

from dataclasses import replace

from imagestreams_server.domain.pull_specs import current_pull_spec, public_form, resolve_pull_spec
from imagestreams_server.domain.state import StreamState, TagStatus
from imagestreams_server.domain.tags import ReferencePolicy, Source, SourceKind, TagSpec

from .builders import D1, NOW, alias, docker, event

REPO = "registry.local:5000/team/ruby"
LOCAL = ReferencePolicy.LOCAL


def stream(*specs: TagSpec, **status: list) -> StreamState:
    state = StreamState("team", "ruby", uid="u", created=NOW)
    for spec in specs:
        state.spec_tags[spec.name] = spec
    for tag, items in status.items():
        state.status_tags[tag] = TagStatus(items=list(items))
    return state


def test_an_imported_tag_is_its_current_image_under_the_reference_policy() -> None:
    imported = event(f"quay.io/team/app@{D1}", D1, generation=2)
    source = stream(docker("quay.io/team/app:1", "1", generation=2), **{"1": [imported]})
    assert resolve_pull_spec(source, "1", REPO) == f"quay.io/team/app@{D1}"
    local = stream(docker("quay.io/team/app:1", "1", generation=2, reference_policy=LOCAL), **{"1": [imported]})
    assert resolve_pull_spec(local, "1", REPO) == f"{REPO}@{D1}"
    # Local with nothing to pull through falls back to the image's own pull spec.
    assert resolve_pull_spec(local, "1", "") == f"quay.io/team/app@{D1}"


def test_a_tag_waiting_for_its_first_import_resolves_from_its_spec() -> None:
    source = stream(docker("quay.io/team/app:1", "1", generation=2))
    assert resolve_pull_spec(source, "1", REPO) == "quay.io/team/app:1"
    assert resolve_pull_spec(source, "1", "") == "quay.io/team/app:1"
    local = stream(docker("quay.io/team/app:1", "1", generation=2, reference_policy=LOCAL))
    assert resolve_pull_spec(local, "1", REPO) == f"{REPO}:1"
    # With no repository, Local falls back to the source as it does for an image.
    assert resolve_pull_spec(local, "1", "") == "quay.io/team/app:1"
    assert current_pull_spec(source, "1", REPO) == ""


def test_a_spec_newer_than_its_last_import_resolves_from_the_spec_not_the_stale_entry() -> None:
    old = event(f"quay.io/team/app@{D1}", D1, generation=2)
    retagged = docker("quay.io/team/app:2", "t", generation=5)
    state = stream(retagged, t=[old])
    assert resolve_pull_spec(state, "t", REPO) == "quay.io/team/app:2"
    local = stream(replace(retagged, reference_policy=LOCAL), t=[old])
    assert resolve_pull_spec(local, "t", REPO) == f"{REPO}:t"
    # The tag's image is still the one last recorded, and carries its own pull spec.
    assert current_pull_spec(state, "t", REPO) == f"quay.io/team/app@{D1}"
    assert current_pull_spec(local, "t", REPO) == f"{REPO}@{D1}"
    # Once an import answers at the spec's generation, the image is the answer again.
    answered = stream(retagged, t=[event(f"quay.io/team/app@{D1}", D1, generation=5), old])
    assert resolve_pull_spec(answered, "t", REPO) == f"quay.io/team/app@{D1}"


def test_a_reference_tag_is_its_pull_spec_even_under_local() -> None:
    ref = "quay.io/team/app:1"
    spec = docker(ref, "r", reference=True, generation=2, reference_policy=LOCAL)
    assert resolve_pull_spec(stream(spec, r=[event(ref, "", generation=2)]), "r", REPO) == ref


def test_tags_with_no_image_and_no_registry_source_pull_through_the_repository_by_tag() -> None:
    no_source = TagSpec("bare", None, generation=1)
    tracking = replace(alias("prod", "latest"), generation=2)
    copied = TagSpec("c", Source(SourceKind.IMAGE_STREAM_TAG, "ruby:2.0", "openshift"), generation=3)
    state = stream(no_source, tracking, copied)
    assert resolve_pull_spec(state, "bare", REPO) == f"{REPO}:bare"
    assert resolve_pull_spec(state, "prod", REPO) == f"{REPO}:prod"
    assert resolve_pull_spec(state, "c", REPO) == f"{REPO}:c"
    # Nothing pullable can be named without a repository.
    assert resolve_pull_spec(state, "bare", "") == ""
    assert resolve_pull_spec(state, "c", "") == ""


def test_an_empty_tag_means_latest() -> None:
    state = stream(docker("quay.io/team/app:1", "latest", generation=1), latest=[event("quay.io/x@" + D1, D1)])
    assert resolve_pull_spec(state, "", REPO) == resolve_pull_spec(state, "latest", REPO) == "quay.io/x@" + D1
    assert current_pull_spec(state, "", REPO) == "quay.io/x@" + D1


def test_a_status_only_tag_is_its_image() -> None:
    state = stream(pushed=[event(f"{REPO}@{D1}", D1, generation=4)])
    assert resolve_pull_spec(state, "pushed", REPO) == f"{REPO}@{D1}"


def test_the_public_form_replaces_the_integrated_registry_host_only() -> None:
    assert public_form(f"{REPO}@{D1}", "registry.local:5000", "images.example.com") == (
        f"images.example.com/team/ruby@{D1}"
    )
    assert public_form("quay.io/team/app:1", "registry.local:5000", "images.example.com") == "quay.io/team/app:1"
    # A host that merely starts the same is another registry.
    assert public_form("registry.local:50001/a/b:1", "registry.local:5000", "x.io") == "registry.local:50001/a/b:1"
    assert public_form("quay.io/a/b:1", "", "images.example.com") == "quay.io/a/b:1"
