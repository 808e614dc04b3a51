"""The Image aggregate: content-addressed by digest, metadata recorded once."""

from __future__ import annotations

import pytest
from imagestreams_server.domain.errors import InvalidField
from imagestreams_server.domain.image import Image, image_id, validate_image

from .builders import ACTOR, D1, LATER, NOW, digest

REF = f"quay.io/team/app@{D1}"
METADATA = {"docker_image_metadata": {"architecture": "amd64"}, "layers": [{"name": digest("1"), "size": 3}]}


def test_create_is_keyed_by_the_digest() -> None:
    image = Image.create(D1, docker_image_reference=REF, metadata=None, now=NOW, actor=ACTOR)
    assert image.id == image_id(D1) == f"image:{D1}"
    assert (image.digest, image.docker_image_reference, image.created) == (D1, REF, NOW)
    assert image.metadata == {}
    assert not image.metadata_known


def test_create_with_metadata() -> None:
    image = Image.create(D1, docker_image_reference=REF, metadata=METADATA, now=NOW, actor=ACTOR)
    assert image.metadata == METADATA
    assert image.metadata_known


@pytest.mark.parametrize("algorithm", ["sha384", "sha512"])
def test_other_supported_digests(algorithm: str) -> None:
    d = digest("ab", algorithm)
    assert Image.create(d, docker_image_reference=f"quay.io/a@{d}", metadata=None, now=NOW, actor=ACTOR).digest == d


@pytest.mark.parametrize(
    ("name", "ref", "field", "message"),
    [
        ("", REF, "image.name", "required"),
        ("sha256:abc", REF, "image.name", "invalid checksum digest length"),
        ("md5:" + "a" * 32, REF, "image.name", "unsupported digest algorithm"),
        ("abc", REF, "image.name", "invalid checksum digest format"),
        (D1, "", "image.docker_image_reference", "required"),
        (D1, "Quay.io/Team/App", "image.docker_image_reference", "must be lowercase"),
    ],
)
def test_create_validates(name: str, ref: str, field: str, message: str) -> None:
    with pytest.raises(InvalidField) as raised:
        Image.create(name, docker_image_reference=ref, metadata=None, now=NOW, actor=ACTOR)
    assert raised.value.field == field
    assert message in raised.value.message


def test_validation_errors_are_located_under_the_given_prefix() -> None:
    with pytest.raises(InvalidField) as raised:
        validate_image("", REF, "mapping.image")
    assert raised.value.field == "mapping.image.name"


def test_metadata_is_recorded_once() -> None:
    image = Image.create(D1, docker_image_reference=REF, metadata=None, now=NOW, actor=ACTOR)
    image.collect_events()
    assert not image.record_metadata({}, now=LATER, actor=ACTOR)
    assert image.record_metadata(METADATA, now=LATER, actor=ACTOR)
    assert image.metadata == METADATA
    assert not image.record_metadata({"other": 1}, now=LATER, actor=ACTOR)
    assert image.metadata == METADATA
    assert [type(e).__name__ for e in image.collect_events()] == ["MetadataRecorded"]


def test_replaying_an_images_events_rebuilds_it() -> None:
    image = Image.create(D1, docker_image_reference=REF, metadata=None, now=NOW, actor=ACTOR)
    image.record_metadata(METADATA, now=LATER, actor=ACTOR)
    rebuilt = None
    for event in image.collect_events():
        rebuilt = event.mutate(rebuilt)
    assert isinstance(rebuilt, Image)
    assert (rebuilt.id, rebuilt.version, rebuilt.digest, rebuilt.created) == (image.id, 2, D1, NOW)
    assert rebuilt.metadata == METADATA
    # The recorded metadata is a copy: changing the caller's dict afterwards changes nothing.
    assert rebuilt.metadata is not METADATA


def test_a_reference_pinned_to_another_image_is_refused() -> None:
    other = digest("2")
    with pytest.raises(InvalidField, match="pinned to") as refused:
        validate_image(D1, f"quay.io/team/app@{other}", "image")
    assert refused.value.field == "image.docker_image_reference"
    validate_image(D1, f"quay.io/team/app@{D1}", "image")
    validate_image(D1, "quay.io/team/app:1.0", "image")
