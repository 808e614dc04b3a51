"""The command line as `oc` users type it, read without a server: TYPE/NAME, booleans with values on every
verb, flags anywhere, server addresses, and request fields named as typed."""

from __future__ import annotations

import pytest
from imagestreams.v1 import resources_pb2 as pb
from isctl.booleans import attach_bool_values
from isctl.errors import UsageError, UserInputError, typed_fields
from isctl.main import _take_extras, build_parser
from isctl.refs import IMAGE_STREAM, IMAGE_STREAM_IMAGE, IMAGE_STREAM_TAG, parse_tag_source, resource_args, source_kind
from isctl.server_address import normalize_server

TYPES = (IMAGE_STREAM, IMAGE_STREAM_TAG, IMAGE_STREAM_IMAGE)


def parse(*words: str):  # type: ignore[no-untyped-def]
    parser = build_parser()
    args, extras = parser.parse_known_args(attach_bool_values(words))
    _take_extras(parser, args, extras)
    return args


@pytest.mark.parametrize(
    ("first", "rest", "expected"),
    [
        ("is", ["ruby"], [(IMAGE_STREAM, ["ruby"])]),
        ("imagestreams", [], [(IMAGE_STREAM, [])]),
        ("is/ruby", [], [(IMAGE_STREAM, ["ruby"])]),
        ("istag/ruby:latest", ["imagestreamtag/ruby:2.0"], [(IMAGE_STREAM_TAG, ["ruby:latest", "ruby:2.0"])]),
        (
            "is/ruby",
            ["isimage/ruby@0e9ea0b", "is/python"],
            [(IMAGE_STREAM, ["ruby"]), (IMAGE_STREAM_IMAGE, ["ruby@0e9ea0b"]), (IMAGE_STREAM, ["python"])],
        ),
        ("imagestream.image.openshift.io/ruby", [], [(IMAGE_STREAM, ["ruby"])]),
    ],
)
def test_resource_args(first: str, rest: list[str], expected: list[tuple[str, list[str]]]) -> None:
    assert resource_args(first, rest, TYPES) == expected


@pytest.mark.parametrize(("first", "rest"), [("is/ruby", ["python"]), ("is/", []), ("bogus/x", [])])
def test_resource_args_refused(first: str, rest: list[str]) -> None:
    with pytest.raises(UsageError):
        resource_args(first, rest, TYPES)


@pytest.mark.parametrize(
    ("words", "field", "value"),
    [
        (["tag", "--alias=true", "a:b", "a:c"], "alias", True),
        (["tag", "--alias=false", "a:b", "a:c"], "alias", False),
        (["tag", "--alias", "a:b", "a:c"], "alias", True),
        (["tag", "--scheduled=true", "x/y:1", "a:c"], "scheduled", True),
        (["tag", "--insecure=True", "x/y:1", "a:c"], "insecure", True),
        (["tag", "--reference=1", "x/y:1", "a:c"], "reference", True),
        (["tag", "--delete=true", "a:c"], "delete", True),
        (["tag", "-d", "a:c"], "delete", True),
        (["import-image", "a", "--confirm=true", "--all=false", "--dry-run=true"], "confirm", True),
        (["import-image", "a", "--all=false"], "all", False),
        (["import-image", "a", "--insecure=false", "--scheduled=true"], "scheduled", True),
        (["watch", "--snapshot=true"], "snapshot", True),
        (["get", "is", "--all-namespaces=true"], "all_namespaces", True),
        (["get", "is", "-A"], "all_namespaces", True),
        (["create", "is", "x", "--lookup-local=true"], "lookup_local", True),
        (
            ["secrets", "new-dockercfg", "x", "--docker-username=u", "--docker-password-stdin=true"],
            "docker_password_stdin",
            True,
        ),
        (["serve", "--auto-import=false"], "auto_import", False),
        (["serve", "--no-auto-import"], "auto_import", False),
        (["serve", "--allow-insecure-listen=true"], "allow_insecure_listen", True),
    ],
)
def test_boolean_flags_take_values_on_every_verb(words: list[str], field: str, value: bool) -> None:
    assert getattr(parse(*words), field) is value


def test_names_after_flags_join_the_names() -> None:
    args = parse("get", "is", "-n", "src", "app", "web")
    assert (args.resource, args.names, args.namespace) == ("is", ["app", "web"], "src")
    args = parse("watch", "-n", "src", "is/ruby")
    assert (args.target, args.namespace) == ("is/ruby", "src")
    args = parse("describe", "is", "-n", "src", "ruby")
    assert args.names == ["ruby"]


def test_an_unknown_flag_is_named(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        parse("get", "is", "--bogus=1")
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: isctl get") and "unknown flag: --bogus\n" in err


@pytest.mark.parametrize(
    ("typed", "normal"),
    [
        ("localhost", "localhost:50051"),
        ("localhost:8080", "localhost:8080"),
        ("http://localhost:8080", "http://localhost:8080"),
        ("http://localhost", "http://localhost:50051"),
        ("HTTPS://is.example.com/", "https://is.example.com:50051"),
        ("https://is.example.com:443", "https://is.example.com:443"),
        ("[::1]:9000", "[::1]:9000"),
        ("[::1]", "[::1]:50051"),
        ("::1", "[::1]:50051"),
    ],
)
def test_server_addresses(typed: str, normal: str) -> None:
    assert normalize_server(typed) == normal


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("grpc://h:1", 'unsupported scheme "grpc"'),
        ("http://h:1/api", "has no path"),
        ("h:port", 'invalid port "port"'),
        ("http://", "names no host"),
    ],
)
def test_bad_server_addresses(typed: str, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        normalize_server(typed)


@pytest.mark.parametrize(
    ("message", "typed"),
    [
        ('image_stream.name: invalid image stream name "X"', 'name: invalid image stream name "X"'),
        ('stream: invalid image stream name "X"', 'name: invalid image stream name "X"'),
        ('destinations[0].tag: invalid tag "-x"', 'destinations[0].tag: invalid tag "-x"'),
        ('imagestream "default/x" not found', 'imagestream "default/x" not found'),
    ],
)
def test_fields_named_as_typed(message: str, typed: str) -> None:
    assert typed_fields(message) == typed


@pytest.mark.parametrize(
    ("typed", "kind", "expected"),
    [
        ("ruby@0e9ea0b", None, (pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, "", "ruby@0e9ea0b")),
        ("ruby@sha256:0e9e", None, (pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, "", "ruby@sha256:0e9e")),
        ("team/ruby@0e9ea0b", None, (pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, "team", "ruby@0e9ea0b")),
        ("library/ruby@0e9e", None, (pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, "here", "ruby@0e9e")),
        ("ruby@0e9ea0b", pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, (pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, "", "ruby@0e9ea0b")),
        ("ruby:2.0", pb.SOURCE_KIND_DOCKER_IMAGE, (pb.SOURCE_KIND_DOCKER_IMAGE, "", "ruby:2.0")),
        ("ruby:2.0", None, (pb.SOURCE_KIND_IMAGE_STREAM_TAG, "", "ruby:2.0")),
        ("ruby@sha256:" + "a" * 64, None, (pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, "", "ruby@sha256:" + "a" * 64)),
    ],
)
def test_tag_sources_by_short_id_and_source_kind(
    typed: str, kind: pb.SourceKind | None, expected: tuple[int, str, str]
) -> None:
    reference = parse_tag_source(typed, kind, "here").reference
    assert (reference.kind, reference.namespace, reference.name) == expected


@pytest.mark.parametrize("typed", ["docker", "DockerImage", "imagestreamtag", "istag", "ImageStreamImage", "isimage"])
def test_source_kinds_as_oc_spells_them(typed: str) -> None:
    assert source_kind(typed)


def test_a_short_id_is_not_an_image_stream_tag() -> None:
    with pytest.raises(UserInputError, match="requires a valid <name>:<tag>"):
        parse_tag_source("ruby@0e9e", pb.SOURCE_KIND_IMAGE_STREAM_TAG, "here")
