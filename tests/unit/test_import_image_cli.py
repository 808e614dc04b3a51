"""`isctl import-image` without a server: what it asks for (oc's client-side rules and words), how it
describes an image, and its progress spinner."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from imagestreams.v1 import resources_pb2 as pb
from isctl.commands.import_image import parse_duration
from isctl.describe_image import describe_image, human_size
from isctl.errors import UserInputError
from isctl.importing import Options, Request, follow_tag_reference, parse_target, plan_import
from isctl.progress import Spinner, elapsed_text

DIGEST = "sha256:" + "c" * 64
NOW = datetime(2024, 6, 1, tzinfo=UTC)


def stream(*tags: pb.TagReference, repository: str = "") -> pb.ImageStream:
    value = pb.ImageStream(namespace="team", name="ruby", docker_image_repository=repository)
    value.spec_tags.extend(tags)
    return value


def tag(
    name: str, kind: pb.SourceKind | None = None, source: str = "", namespace: str = "", **kw: Any
) -> pb.TagReference:
    value = pb.TagReference(name=name, **kw)
    if kind is not None:
        getattr(value, "from").CopyFrom(pb.ObjectReference(kind=kind, name=source, namespace=namespace))
    return value


DOCKER = pb.SOURCE_KIND_DOCKER_IMAGE
ISTAG = pb.SOURCE_KIND_IMAGE_STREAM_TAG


def refused(message: str, *args: Any) -> None:
    with pytest.raises(UserInputError) as raised:
        plan_import(*args)
    assert str(raised.value) == message


# -- the target -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "all_tags", "stream", "tag_name"),
    [
        ("ruby", False, "ruby", "latest"),
        ("ruby:2.0", False, "ruby", "2.0"),
        ("quay.io/team/ruby:2.0", False, "ruby", "2.0"),
        ("ruby", True, "ruby", ""),
    ],
)
def test_the_target_names_the_stream_and_the_tag(text: str, all_tags: bool, stream: str, tag_name: str) -> None:
    target = parse_target(text, all_tags)
    assert (target.stream, target.tag) == (stream, tag_name)


@pytest.mark.parametrize(
    ("text", "all_tags", "message"),
    [
        (f"ruby@{DIGEST}", False, "to import images by ID, use the 'tag' command"),
        ("ruby:2.0", True, 'cannot specify a tag "ruby:2.0" as well as --all'),
        ("Ruby", False, "the image name must be a valid container image pull spec or reference to an image stream"),
        ("quay.io", False, "the image name must be a valid container image pull spec"),
    ],
)
def test_targets_oc_refuses(text: str, all_tags: bool, message: str) -> None:
    with pytest.raises(UserInputError, match=re.escape(message)):
        parse_target(text, all_tags)


# -- a new stream ---------------------------------------------------------------------------------------------


def test_a_missing_stream_needs_confirm() -> None:
    refused(
        'no image stream named "ruby" exists, pass --confirm to create and import',
        parse_target("ruby", False),
        Options(source="quay.io/a/ruby:1"),
        None,
    )


def test_a_new_stream_takes_the_tag_from_the_target_and_the_image_from_from() -> None:
    (request,) = plan_import(parse_target("s", False), Options(source="r/i:1.0", confirm=True), None)
    assert request == Request("latest", "r/i:1.0")
    (request,) = plan_import(parse_target("quay.io/a/s:2", False), Options(confirm=True), None)
    assert request == Request("2", "quay.io/a/s:2")
    (request,) = plan_import(parse_target("s", True), Options(source="quay.io/a/s", confirm=True, all=True), None)
    assert request == Request(source="quay.io/a/s", all=True)


# -- an existing stream ---------------------------------------------------------------------------------------


def test_an_existing_registry_tag_is_imported_again_from_its_source_keeping_its_schedule_and_mode() -> None:
    existing = tag(
        "2.0",
        DOCKER,
        "quay.io/a/ruby:2.0",
        import_policy=pb.TagImportPolicy(scheduled=True, import_mode=pb.IMPORT_MODE_PRESERVE_ORIGINAL),
    )
    (request,) = plan_import(parse_target("ruby:2.0", False), Options(), stream(existing))
    assert request == Request("2.0", "quay.io/a/ruby:2.0", scheduled=True, import_mode=pb.IMPORT_MODE_PRESERVE_ORIGINAL)
    (same,) = plan_import(parse_target("ruby:2.0", False), Options(source="quay.io/a/ruby:2.0"), stream(existing))
    assert same.source == "quay.io/a/ruby:2.0"


def test_a_tracking_tag_is_followed_to_the_tag_it_tracks() -> None:
    chain = stream(tag("latest", ISTAG, "stable"), tag("stable", ISTAG, "ruby:2.0"), tag("2.0", DOCKER, "q.io/a/r:2"))
    assert follow_tag_reference(chain, "latest")[0] == "2.0"
    (request,) = plan_import(parse_target("ruby", False), Options(), chain)
    assert request.tag == "2.0" and request.source == "q.io/a/r:2"
    refused(
        'the tag "latest" points to the tag "2.0" which points to "q.io/a/r:2" - use the \'tag\' command if you want '
        'to change the source to "q.io/a/r:3"',
        parse_target("ruby", False),
        Options(source="q.io/a/r:3"),
        chain,
    )


@pytest.mark.parametrize(
    ("tags", "message"),
    [
        ([tag("latest", ISTAG, "latest")], 'tag "latest" on the image stream is a reference to same tag'),
        ([tag("latest", ISTAG, "other:1")], 'tag "latest" points to an imagestreamtag from another ImageStream'),
        ([tag("latest", ISTAG, "1", "elsewhere")], 'tag "latest" points to an imagestreamtag from another ImageStream'),
        ([tag("latest", ISTAG, "a:b:c")], 'tag "latest" points to an invalid imagestreamtag'),
        (
            [tag("latest", pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, f"ruby@{DIGEST}")],
            f'tag "latest" points to existing ImageStreamImage "ruby@{DIGEST}", it cannot be re-imported',
        ),
        (
            [tag("latest")],
            'tag "latest" already exists - you must use the \'tag\' command if you want to change the source to ""',
        ),
        (
            [tag("latest", DOCKER, "q.io/a/r:1")],
            'the tag "latest" points to "q.io/a/r:1" - use the \'tag\' command if you want to change the source to '
            '"q.io/a/r:2"',
        ),
    ],
)
def test_existing_tags_oc_will_not_import(tags: list[pb.TagReference], message: str) -> None:
    options = Options(source="q.io/a/r:2") if 'points to "q.io' in message else Options()
    refused(message, parse_target("ruby", False), options, stream(*tags))


def test_a_missing_tag_needs_from_unless_latest_comes_from_the_repository() -> None:
    refused(
        "the tag \"2.0\" does not exist on the image stream - choose an existing tag to import or use the 'tag' "
        "command to create a new tag",
        parse_target("ruby:2.0", False),
        Options(),
        stream(),
    )
    (request,) = plan_import(parse_target("ruby", False), Options(), stream(repository="quay.io/a/ruby"))
    assert request == Request("latest", "")  # the server reads `<repository>:latest`
    (request,) = plan_import(parse_target("ruby:2.0", False), Options(source="q.io/x:2"), stream())
    assert request == Request("2.0", "q.io/x:2")


def test_all_imports_the_repository_the_stream_follows() -> None:
    following = stream(repository="quay.io/a/ruby")
    (request,) = plan_import(parse_target("ruby", True), Options(all=True), following)
    assert request == Request(source="quay.io/a/ruby", all=True)
    refused(
        'the image stream has a different import spec "quay.io/a/ruby", pass --confirm to update',
        parse_target("ruby", True),
        Options(all=True, source="quay.io/b/ruby"),
        following,
    )
    refused(
        "the image stream does not currently import an entire Docker repository, pass --confirm to update",
        parse_target("ruby", True),
        Options(all=True, source="quay.io/b/ruby"),
        stream(),
    )
    (request,) = plan_import(parse_target("ruby", True), Options(all=True, source="q.io/b", confirm=True), following)
    assert request == Request(source="q.io/b", all=True)


def test_all_without_a_repository_imports_each_registry_tag_again() -> None:
    tags = stream(tag("1", DOCKER, "q.io/a:1"), tag("2", ISTAG, "1"), tag("3", DOCKER, "q.io/a:3"))
    requests = plan_import(parse_target("ruby", True), Options(all=True, scheduled=True), tags)
    assert requests == [Request("1", "q.io/a:1", scheduled=True), Request("3", "q.io/a:3", scheduled=True)]
    refused(
        "image stream does not have tags pointing to external container images",
        parse_target("ruby", True),
        Options(all=True),
        stream(tag("2", ISTAG, "1")),
    )


# -- output ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "text"), [(0, "0B"), (999, "999B"), (1234, "1.234kB"), (12_345_678, "12.35MB"), (3e9, "3GB")]
)
def test_sizes_read_as_docker_prints_them(size: float, text: str) -> None:
    assert human_size(size) == text


def test_an_imported_image_is_described_like_oc_does() -> None:
    image = pb.Image(
        name=DIGEST,
        docker_image_reference=f"quay.io/a/ruby@{DIGEST}",
        metadata_known=True,
        metadata=pb.ImageMetadata(
            created=Timestamp(seconds=int(datetime(2024, 5, 29, tzinfo=UTC).timestamp())),
            architecture="arm64",
            os="linux",
            env=["PATH=/bin", "A=b"],
            cmd=["run"],
            labels={"b": "2", "a": "1"},
            exposed_ports=["8080/tcp", "443/tcp"],
            user="1001",
            working_dir="/app",
            size=1234,
        ),
        layers=[pb.ImageLayer(name="sha256:l1", size=1000), pb.ImageLayer(name="sha256:l2", size=34)],
    )
    assert describe_image(image, "ruby:2.0", NOW) == (
        "Image Name:\truby:2.0\n"
        f"Docker Image:\tquay.io/a/ruby@{DIGEST}\n"
        f"Name:\t\t{DIGEST}\n"
        "Image Size:\t1.234kB in 2 layers\n"
        "Layers:\t\t1kB\tsha256:l1\n"
        "\t\t34B\tsha256:l2\n"
        "Image Created:\t3 days ago\n"
        "Author:\t\t<none>\n"
        "Arch:\t\tarm64\n"
        "OS:\t\tlinux\n"
        "Command:\trun\n"
        "Working Dir:\t/app\n"
        "User:\t\t1001\n"
        "Exposes Ports:\t443/tcp, 8080/tcp\n"
        "Docker Labels:\ta=1\n"
        "\t\tb=2\n"
        "Environment:\tPATH=/bin\n"
        "\t\tA=b\n"
    )


def test_an_image_not_read_yet_shows_what_is_known() -> None:
    image = pb.Image(name=DIGEST, docker_image_reference=f"q.io/a@{DIGEST}")
    assert describe_image(image, "", NOW) == f"Docker Image:\tq.io/a@{DIGEST}\nName:\t\t{DIGEST}\n"


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("90s", 90), ("5m", 300), ("1.5h", 5400)])
def test_request_timeouts(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["0", "-1", "soon", "5d"])
def test_bad_request_timeouts(text: str) -> None:
    with pytest.raises(UserInputError, match="invalid --request-timeout"):
        parse_duration(text)


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_spinner_draws_on_a_terminal_and_clears_its_line() -> None:
    clock = iter([100.0, 100.0, 165.0, 165.0, 165.0, 165.0])
    terminal = Terminal()
    with Spinner(terminal, "Importing ...", interval=60, clock=lambda: next(clock)):
        pass
    assert terminal.getvalue() == "\r\033[K| Importing ... 0s\r\033[K"
    assert elapsed_text(65) == "1m05s" and elapsed_text(3723) == "1h02m03s"


def test_the_spinner_stays_silent_when_not_on_a_terminal() -> None:
    pipe = io.StringIO()
    with Spinner(pipe, "Importing ...", interval=0.001):
        pass
    assert pipe.getvalue() == ""
