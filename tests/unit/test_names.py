"""Names users type: namespaces, stream names, tag names and the `stream:tag` / `stream@id` source names
(semantics §2.1-2.4, plus our decision to validate tag names on write)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from imagestreams_server.domain.errors import InvalidField
from imagestreams_server.domain.names import (
    ImageSourceName,
    StreamName,
    TagSourceName,
    isimage_name,
    istag_name,
    parse_isimage_source,
    parse_istag_source,
    validate_namespace,
    validate_stream_name,
    validate_tag,
)

# -- stream names (§2.1) -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["ruby", "a", "0", "ruby-2", "my.app", "my_app", "a.b-c_d", "a-b.c", "123"])
def test_valid_stream_names(name: str) -> None:
    validate_stream_name("team", name)


@pytest.mark.parametrize(
    "name",
    ["a--b", "a__b", "a.-b", "a..b", "-a", "a-", ".a", "a.", "_a", "Ruby", "RUBY", "ruby ", "ru by", "rüby", "a:b"],
)
def test_stream_names_must_match_the_single_separator_pattern(name: str) -> None:
    with pytest.raises(InvalidField) as raised:
        validate_stream_name("team", name)
    assert raised.value.field == "name"
    assert "[a-z0-9]+(?:[._-][a-z0-9]+)*" in raised.value.message
    assert name in raised.value.message


@pytest.mark.parametrize("name", [".", ".."])
def test_dot_and_dot_dot_are_rejected_as_path_segments(name: str) -> None:
    with pytest.raises(InvalidField) as raised:
        validate_stream_name("team", name)
    assert f"may not be '{name}'" in raised.value.message


@pytest.mark.parametrize(("name", "bad"), [("a/b", "/"), ("/", "/"), ("a%b", "%"), ("%", "%"), ("A/B", "/")])
def test_slash_and_percent_are_reported_before_the_pattern(name: str, bad: str) -> None:
    with pytest.raises(InvalidField) as raised:
        validate_stream_name("team", name)
    assert f"may not contain '{bad}'" in raised.value.message
    assert "must match" not in raised.value.message


def test_empty_stream_name_is_required() -> None:
    with pytest.raises(InvalidField) as raised:
        validate_stream_name("team", "")
    assert "required" in raised.value.message


def test_namespace_plus_name_may_be_255_characters() -> None:
    validate_stream_name("n" * 63, "a" * 191)


def test_namespace_plus_name_may_not_exceed_255_characters() -> None:
    with pytest.raises(InvalidField) as raised:
        validate_stream_name("n" * 63, "a" * 192)
    assert "'namespace/name' cannot be longer than 255 characters" in raised.value.message


def test_a_long_name_is_fine_in_a_short_namespace() -> None:
    # There is no other name length limit: only namespace + "/" + name counts.
    validate_stream_name("a", "b" * 253)
    with pytest.raises(InvalidField):
        validate_stream_name("a", "b" * 254)


def test_stream_name_error_carries_the_given_field() -> None:
    with pytest.raises(InvalidField) as raised:
        validate_stream_name("team", "Bad", field="destinations[0].stream")
    assert raised.value.field == "destinations[0].stream"


# -- namespaces (§2.2) ---------------------------------------------------------------------------------


@pytest.mark.parametrize("namespace", ["team", "a", "0", "my-team", "a1-b2", "n" * 63])
def test_valid_namespaces(namespace: str) -> None:
    validate_namespace(namespace)


@pytest.mark.parametrize("namespace", ["-team", "team-", "Team", "my_team", "my.team", "n" * 64, "a b", "a/b"])
def test_namespaces_are_dns_1123_labels(namespace: str) -> None:
    with pytest.raises(InvalidField) as raised:
        validate_namespace(namespace)
    assert raised.value.field == "namespace"
    assert "a lowercase RFC 1123 label must consist of" in raised.value.message


def test_namespace_is_required() -> None:
    with pytest.raises(InvalidField) as raised:
        validate_namespace("", "source.namespace")
    assert raised.value.field == "source.namespace"
    assert "required" in raised.value.message


def test_stream_name_validate_locates_errors_under_a_prefix() -> None:
    with pytest.raises(InvalidField) as raised:
        StreamName("Team", "ruby").validate("destinations[1]")
    assert raised.value.field == "destinations[1].namespace"
    with pytest.raises(InvalidField) as raised:
        StreamName("team", "Ruby").validate("destinations[1]")
    assert raised.value.field == "destinations[1].name"
    with pytest.raises(InvalidField) as raised:
        StreamName("team", "Ruby").validate()
    assert raised.value.field == "name"
    StreamName("team", "ruby").validate("x")


def test_stream_name_renders_and_orders_as_namespace_slash_name() -> None:
    assert str(StreamName("team", "ruby")) == "team/ruby"
    assert sorted([StreamName("b", "a"), StreamName("a", "z"), StreamName("a", "b")]) == [
        StreamName("a", "b"),
        StreamName("a", "z"),
        StreamName("b", "a"),
    ]


def test_composite_names() -> None:
    assert istag_name("team", "ruby", "2.7") == "team/ruby:2.7"
    assert isimage_name("team", "ruby", "sha256:abc") == "team/ruby@sha256:abc"


# -- tag names (§2.3 and our decision to validate on write) ----------------------------------------------


@pytest.mark.parametrize(
    "tag", ["latest", "v1.0", "1", "_private", "UPPER", "a-b", "a.b", "a_b", "9.9-rc1", "x" * 128, "__", "a.."]
)
def test_valid_tags(tag: str) -> None:
    validate_tag(tag)


@pytest.mark.parametrize(
    "tag", [".hidden", "-dash", "x" * 129, "a:b", "a/b", "a@b", "a b", "tëst", "a+b", "latest\n", " latest"]
)
def test_invalid_tags(tag: str) -> None:
    with pytest.raises(InvalidField) as raised:
        validate_tag(tag, "destinations[0].tag")
    assert raised.value.field == "destinations[0].tag"
    assert f'invalid tag "{tag}" format' in raised.value.message
    assert "maximum of 128 characters" in raised.value.message


def test_empty_tag_is_required() -> None:
    with pytest.raises(InvalidField) as raised:
        validate_tag("")
    assert raised.value.field == "tag"
    assert "required" in raised.value.message


@given(st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}", fullmatch=True))
def test_every_tag_of_the_oc_grammar_is_accepted(tag: str) -> None:
    validate_tag(tag)


@given(st.text(alphabet="abc.-_:/@ ", min_size=1, max_size=8).filter(lambda t: t[0] in ".-:/@ "))
def test_a_tag_starting_with_a_non_word_character_is_rejected(tag: str) -> None:
    with pytest.raises(InvalidField):
        validate_tag(tag)


# -- ImageStreamTag / ImageStreamImage source names (§2.4, §3.4) -----------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("latest", TagSourceName("", "latest")),
        ("ruby:2.7", TagSourceName("ruby", "2.7")),
        ("other:latest", TagSourceName("other", "latest")),
    ],
)
def test_parse_istag_source(name: str, expected: TagSourceName) -> None:
    assert parse_istag_source(name, "source.name") == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("ruby@sha256:abc", '"ruby@sha256:abc" is an image stream image, not an image stream tag'),
        ("a:b:c", "must be of the form <tag> or <stream>:<tag>"),
        ("", "must have a name and a tag"),
        (":tag", "must have a name and a tag"),
        ("ruby:", "must have a name and a tag"),
        (":", "must have a name and a tag"),
    ],
)
def test_parse_istag_source_errors(name: str, message: str) -> None:
    with pytest.raises(InvalidField) as raised:
        parse_istag_source(name, "source.name")
    assert raised.value.field == "source.name"
    assert message in raised.value.message


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("sha256:abc", ImageSourceName("", "sha256:abc")),
        ("abc", ImageSourceName("", "abc")),
        ("ruby@sha256:abc", ImageSourceName("ruby", "sha256:abc")),
    ],
)
def test_parse_isimage_source(name: str, expected: ImageSourceName) -> None:
    assert parse_isimage_source(name, "source.name") == expected


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("a@b@c", 'expected exactly one @ in the image stream image "a@b@c"'),
        ("", "must have a name and an ID"),
        ("@sha256:abc", "must have a name and an ID"),
        ("ruby@", "must have a name and an ID"),
    ],
)
def test_parse_isimage_source_errors(name: str, message: str) -> None:
    with pytest.raises(InvalidField) as raised:
        parse_isimage_source(name, "spec.tags[x].from.name")
    assert raised.value.field == "spec.tags[x].from.name"
    assert message in raised.value.message


def test_invalid_field_under_prefixes_the_field() -> None:
    error = InvalidField("tag", "bad")
    assert error.under("destinations[0]").field == "destinations[0].tag"
    assert error.under("destinations[0]").message == "bad"
    assert InvalidField("", "bad").under("spec").field == "spec"
