"""The imagePullPolicy Kubernetes defaults a container to (semantics §10): `Always` when the parsed tag is
`latest` (no tag and no digest counts as `latest`), else `IfNotPresent`; unparsable images get `IfNotPresent`."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from imagestreams_server.domain.reference import image_pull_policy

SHA = "sha256:" + "e" * 64


@pytest.mark.parametrize(
    "image",
    [
        "ruby",
        "ruby:latest",
        "quay.io/team/ruby",
        "quay.io/team/ruby:latest",
        "localhost:5000/ruby",
        f"ruby:latest@{SHA}",  # the tag still says latest
        f"quay.io/team/ruby:latest@{SHA}",
    ],
)
def test_latest_or_no_tag_is_always(image: str) -> None:
    assert image_pull_policy(image) == "Always"


@pytest.mark.parametrize(
    "image",
    [
        "ruby:2.7",
        "ruby:Latest",
        "ruby:latest1",
        "quay.io/team/ruby:v1",
        f"ruby@{SHA}",  # a digest only: the tag is empty, not latest
        f"quay.io/team/ruby:2.7@{SHA}",
        f"sha256:{'e' * 64}",  # name `sha256`, tag `<hex>`
    ],
)
def test_any_other_tag_or_a_bare_digest_is_if_not_present(image: str) -> None:
    assert image_pull_policy(image) == "IfNotPresent"


@pytest.mark.parametrize("image", ["", "Ruby", "RUBY:latest", "https://quay.io/ruby", "a//b", "ruby@sha256:bad"])
def test_unparsable_images_are_if_not_present(image: str) -> None:
    assert image_pull_policy(image) == "IfNotPresent"


def test_a_bare_64_hex_string_is_unparsable_so_if_not_present() -> None:
    assert image_pull_policy("e" * 64) == "IfNotPresent"


@pytest.mark.parametrize("image", ["localhost:5000", "quay.io:1.0"])
def test_an_image_without_slash_keeps_its_tag_as_docker_reads_it(image: str) -> None:
    assert image_pull_policy(image) == "IfNotPresent"


@given(st.text(max_size=30))
def test_any_string_gets_one_of_the_two_policies(image: str) -> None:
    assert image_pull_policy(image) in {"Always", "IfNotPresent"}
