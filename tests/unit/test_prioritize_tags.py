"""The order `describe` and bulk import list tags in: `latest`, then minor versions newest first, then full
versions newest first, then every other tag by name."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from imagestreams_server.domain.tags import prioritize_tags


def test_latest_then_minor_then_full_versions_then_others() -> None:
    tags = ["foo", "1.0.0", "latest", "2.0", "1.2.3", "bar", "1.10"]
    assert prioritize_tags(tags) == ["latest", "2.0", "1.10", "1.2.3", "1.0.0", "bar", "foo"]


def test_versions_compare_numerically() -> None:
    assert prioritize_tags(["1.9", "1.10", "10.0", "9.1"]) == ["10.0", "9.1", "1.10", "1.9"]
    assert prioritize_tags(["1.2.9", "1.2.10", "1.10.0"]) == ["1.10.0", "1.2.10", "1.2.9"]


def test_a_release_comes_before_its_prereleases() -> None:
    assert prioritize_tags(["5.1-rc1", "5.1", "5.0", "5.1-beta"]) == ["5.1", "5.1-rc1", "5.1-beta", "5.0"]
    assert prioritize_tags(["5.1.0-rc1", "5.0.9", "5.1.0"]) == ["5.1.0", "5.1.0-rc1", "5.0.9"]


def test_a_v_prefix_is_still_a_version() -> None:
    assert prioritize_tags(["v1.0", "v2.0", "v1.2.3", "vx"]) == ["v2.0", "v1.0", "v1.2.3", "vx"]


def test_other_tags_are_sorted_by_name() -> None:
    assert prioritize_tags(["zeta", "Alpha", "beta", "1", "1.2.3.4", "x1.0"]) == [
        "1",
        "1.2.3.4",
        "Alpha",
        "beta",
        "x1.0",
        "zeta",
    ]


def test_empty_and_single() -> None:
    assert prioritize_tags([]) == []
    assert prioritize_tags(["latest"]) == ["latest"]


def test_numeric_prerelease_identifiers_compare_numerically() -> None:
    assert prioritize_tags(["5.1.0-rc.9", "5.1.0-rc.10", "5.1.0"]) == ["5.1.0", "5.1.0-rc.10", "5.1.0-rc.9"]


_tags = st.lists(
    st.one_of(
        st.from_regex(r"v?(0|[1-9][0-9]?)\.(0|[1-9][0-9]?)(\.(0|[1-9][0-9]?))?(-rc[0-9])?", fullmatch=True),
        st.sampled_from(["latest", "stable", "edge", "main"]),
    ),
    unique=True,
    max_size=8,
)


@given(_tags)
def test_prioritize_is_a_deterministic_permutation(tags: list[str]) -> None:
    ordered = prioritize_tags(tags)
    assert sorted(ordered) == sorted(tags)
    assert prioritize_tags(list(reversed(tags))) == ordered
    if "latest" in tags:
        assert ordered[0] == "latest"


@pytest.mark.parametrize("tags", [["v1.2", "1.2"], ["1.2.3+b1", "1.2.3+b2"], ["v1.2.3+b", "1.2.3+a"]])
def test_equal_versions_are_ordered_the_same_whatever_the_input_order(tags: list[str]) -> None:
    assert prioritize_tags(tags) == prioritize_tags(list(reversed(tags)))


# -- OpenShift's PrioritizeTags, rule by rule (origin pkg/image/apis/image/helper.go) -------------------------


@pytest.mark.parametrize(
    ("tags", "ordered"),
    [
        # Equal versions: the tag without the `v` first (the prefix "" sorts before "v").
        (["v5.5", "5.5"], ["5.5", "v5.5"]),
        (["v5.5-rc1", "5.5-rc1", "v5.5", "5.5"], ["5.5", "v5.5", "5.5-rc1", "v5.5-rc1"]),
        (["v1.2.3", "1.2.3"], ["1.2.3", "v1.2.3"]),
        # Build metadata does not count in the comparison; the name breaks the tie.
        (["1.2.3+b", "v1.2.3", "1.2.3"], ["1.2.3", "1.2.3+b", "v1.2.3"]),
    ],
)
def test_equal_versions_put_the_tag_without_v_first(tags: list[str], ordered: list[str]) -> None:
    assert prioritize_tags(tags) == ordered


@pytest.mark.parametrize(
    "tag",
    [
        "01.2",  # leading zeros are not semantic versions
        "1.02",
        "01.2.3",
        "1.2.03",
        "5.1-01",  # a numeric pre-release with a leading zero
        "5.1-rc.1",  # a minor version's suffix is one word (`-\w+`)
        "5.1-rc-1",
        "5.1-rc_1",  # a word, but not a semantic version identifier
        "1.2.3-",  # empty identifiers
        "1.2.3-rc..1",
        "1.2.3+",
        "1.2.3+b_1",
        "1.2.3.4",
        "V1.2",  # only a lower case `v` is a prefix
        "vv1.2",
        "v",
        "1.2.3-\u0661",  # Go's \d is ASCII only
        "\u0661.2",
        "18446744073709551616.0.0",  # beyond uint64
    ],
)
def test_what_openshift_does_not_take_for_a_version_is_an_other_tag(tag: str) -> None:
    assert prioritize_tags([tag, "1.0", "1.0.0", "other"]) == ["1.0", "1.0.0", *sorted([tag, "other"])]


def test_full_versions_with_pre_release_and_build() -> None:
    tags = ["1.2.3-rc.1+build.5", "1.2.3", "1.2.3-alpha", "1.2.3-1", "v1.2.4-rc.1", "1.2.3-rc.1.1"]
    assert prioritize_tags(tags) == [
        "v1.2.4-rc.1",
        "1.2.3",
        "1.2.3-rc.1.1",
        "1.2.3-rc.1+build.5",
        "1.2.3-alpha",
        "1.2.3-1",
    ]


def test_minor_versions_with_a_suffix() -> None:
    assert prioritize_tags(["5.1-1", "5.1-rc1", "5.1", "v5.2-beta", "5.0"]) == [
        "v5.2-beta",
        "5.1",
        "5.1-rc1",
        "5.1-1",
        "5.0",
    ]


def test_minor_versions_come_before_every_full_version() -> None:
    assert prioritize_tags(["9.9.9", "1.0", "latest", "v10.0.0"]) == ["latest", "1.0", "v10.0.0", "9.9.9"]
