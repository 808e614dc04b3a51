"""Digests (semantics §2.5) and the image-id prefix match used to find an image in a stream (§3.8)."""

from __future__ import annotations

import pytest
from imagestreams_server.domain.reference import ReferenceError, digest_matches, is_digest, validate_digest

from .builders import digest


@pytest.mark.parametrize(("algorithm", "length"), [("sha256", 64), ("sha384", 96), ("sha512", 128)])
def test_supported_algorithms_need_their_exact_hex_length(algorithm: str, length: int) -> None:
    good = f"{algorithm}:{'a' * length}"
    assert validate_digest(good) == good
    assert is_digest(good)
    for wrong in (length - 1, length + 1, 32):
        with pytest.raises(ReferenceError) as raised:
            validate_digest(f"{algorithm}:{'a' * wrong}")
        assert str(raised.value) == "invalid checksum digest length"


def test_uppercase_hex_is_accepted() -> None:
    assert is_digest("sha256:" + "ABCDEF0123" * 6 + "abcd")


def test_sha512_length_for_a_sha256_is_rejected() -> None:
    with pytest.raises(ReferenceError, match="invalid checksum digest length"):
        validate_digest("sha256:" + "a" * 128)


@pytest.mark.parametrize("value", ["md5:" + "a" * 32, "sha1:" + "a" * 40, "SHA256:" + "a" * 64, "x.y+z:" + "a" * 64])
def test_unsupported_algorithm(value: str) -> None:
    with pytest.raises(ReferenceError) as raised:
        validate_digest(value)
    assert str(raised.value) == "unsupported digest algorithm"


@pytest.mark.parametrize(
    "value", ["", "sha256", "sha256:", ":" + "a" * 64, "sha256:" + "g" * 64, "sha256:" + "a" * 63 + " ", "a" * 64]
)
def test_malformed_digest(value: str) -> None:
    with pytest.raises(ReferenceError) as raised:
        validate_digest(value)
    assert str(raised.value) == "invalid checksum digest format"
    assert not is_digest(value)


IMAGE = "sha256:ff46b782" + "0" * 56


@pytest.mark.parametrize("query", [IMAGE, "sha256:ff46b782", "ff46b782", "ff", "f", "sha256:", "sha"])
def test_prefix_of_the_digest_or_of_its_hex_matches(query: str) -> None:
    assert digest_matches(IMAGE, query)


@pytest.mark.parametrize("query", ["", "ff46b783", "sha256:ff46b783", "sha512:ff46b782", IMAGE + "0", "FF46B782"])
def test_other_queries_do_not_match(query: str) -> None:
    assert not digest_matches(IMAGE, query)


def test_a_hex_prefix_does_not_match_the_algorithm_of_another_digest() -> None:
    assert not digest_matches(digest("aa"), "bb")
    assert digest_matches(digest("aa", "sha512"), "aa")
