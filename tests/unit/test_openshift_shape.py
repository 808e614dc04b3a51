"""OpenShift's ImageStream shape: what `get is -o yaml` writes, and what `create -f` / `apply -f` read back,
with every problem reported at its path in the document."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from google.protobuf.timestamp_pb2 import Timestamp
from imagestreams.v1 import resources_pb2 as pb
from isctl.openshift_shape import (
    Problem,
    ShapeError,
    StreamDefinition,
    list_to_openshift,
    read_definitions,
    to_openshift,
)

DIGEST = "sha256:" + "a" * 64


def ts(seconds: int, nanos: int = 0) -> Timestamp:
    return Timestamp(seconds=seconds, nanos=nanos)


def source(kind: pb.SourceKind, name: str, namespace: str = "") -> pb.ObjectReference:
    return pb.ObjectReference(kind=kind, name=name, namespace=namespace)


def sample_stream() -> pb.ImageStream:
    stream = pb.ImageStream(
        namespace="team",
        name="ruby",
        uid="0f1e",
        create_time=ts(1704164645, 123456789),
        generation=4,
        annotations={"openshift.io/display-name": "Ruby"},
        docker_image_repository="quay.io/team/ruby",
        lookup_local=True,
        position=42,
        image_repository="registry.local/team/ruby",
    )
    tag = stream.spec_tags.add(
        name="2.7",
        annotations={"tags": "builder,ruby"},
        generation=3,
        import_policy=pb.TagImportPolicy(insecure=True, scheduled=True, import_mode=pb.IMPORT_MODE_PRESERVE_ORIGINAL),
        reference_policy=pb.TagReferencePolicy(type=pb.REFERENCE_POLICY_TYPE_LOCAL),
    )
    getattr(tag, "from").CopyFrom(source(pb.SOURCE_KIND_DOCKER_IMAGE, "quay.io/team/ruby:2.7"))
    alias = stream.spec_tags.add(name="latest", generation=4)
    getattr(alias, "from").CopyFrom(source(pb.SOURCE_KIND_IMAGE_STREAM_TAG, "2.7"))
    stream.spec_tags.add(name="bare", generation=1)
    status = stream.status_tags.add(tag="2.7")
    status.items.add(
        create_time=ts(1704164700), docker_image_reference=f"quay.io/team/ruby@{DIGEST}", image=DIGEST, generation=3
    )
    status.conditions.add(
        type="ImportSuccess",
        status="False",
        last_transition_time=ts(1704164800),
        reason="NotFound",
        message="gone",
        generation=4,
    )
    return stream


def document(**overrides: Any) -> dict[str, Any]:
    value: dict[str, Any] = {"apiVersion": "image.openshift.io/v1", "kind": "ImageStream", "metadata": {"name": "s"}}
    value.update(overrides)
    return value


def problems(doc: Any) -> list[str]:
    with pytest.raises(ShapeError) as raised:
        read_definitions(doc)
    return [str(p) for p in raised.value.problems]


# -- out ------------------------------------------------------------------------------------------------------


def test_a_stream_is_written_as_openshift_writes_it() -> None:
    data = to_openshift(sample_stream())
    assert data["apiVersion"] == "image.openshift.io/v1" and data["kind"] == "ImageStream"
    assert data["metadata"] == {
        "name": "ruby",
        "namespace": "team",
        "uid": "0f1e",
        "resourceVersion": "42",
        "generation": 4,
        "creationTimestamp": "2024-01-02T03:04:05Z",  # whole seconds, like metav1.Time
        "annotations": {"openshift.io/display-name": "Ruby"},
    }
    spec = data["spec"]
    assert spec["lookupPolicy"] == {"local": True}
    assert spec["dockerImageRepository"] == "quay.io/team/ruby"
    assert spec["tags"][0] == {
        "name": "2.7",
        "annotations": {"tags": "builder,ruby"},
        "from": {"kind": "DockerImage", "name": "quay.io/team/ruby:2.7"},
        "generation": 3,
        "importPolicy": {"insecure": True, "scheduled": True, "importMode": "PreserveOriginal"},
        "referencePolicy": {"type": "Local"},
    }
    # Defaults are spelled out, and a tag without annotations says `null`, as on OpenShift.
    assert spec["tags"][1] == {
        "name": "latest",
        "annotations": None,
        "from": {"kind": "ImageStreamTag", "name": "2.7"},
        "generation": 4,
        "importPolicy": {"importMode": "Legacy"},
        "referencePolicy": {"type": "Source"},
    }
    assert "from" not in spec["tags"][2]
    assert data["status"] == {
        "dockerImageRepository": "registry.local/team/ruby",
        "tags": [
            {
                "tag": "2.7",
                "items": [
                    {
                        "created": "2024-01-02T03:05:00Z",
                        "dockerImageReference": f"quay.io/team/ruby@{DIGEST}",
                        "image": DIGEST,
                        "generation": 3,
                    }
                ],
                "conditions": [
                    {
                        "type": "ImportSuccess",
                        "status": "False",
                        "lastTransitionTime": "2024-01-02T03:06:40Z",
                        "reason": "NotFound",
                        "message": "gone",
                        "generation": 4,
                    }
                ],
            }
        ],
    }


def test_an_empty_stream_keeps_the_fields_openshift_always_writes() -> None:
    data = to_openshift(pb.ImageStream(namespace="team", name="empty"))
    assert data["metadata"] == {"name": "empty", "namespace": "team"}
    assert data["spec"] == {"lookupPolicy": {"local": False}}
    assert data["status"] == {"dockerImageRepository": ""}


def test_several_streams_are_a_v1_list() -> None:
    data = list_to_openshift([pb.ImageStream(name="a"), pb.ImageStream(name="b")])
    assert (data["apiVersion"], data["kind"]) == ("v1", "List")
    assert [i["metadata"]["name"] for i in data["items"]] == ["a", "b"]


@pytest.mark.parametrize("dump", [lambda d: yaml.safe_load(yaml.safe_dump(d)), lambda d: json.loads(json.dumps(d))])
def test_what_is_written_reads_back_as_the_same_definition(dump: Any) -> None:
    stream = sample_stream()
    (definition,) = read_definitions(dump(to_openshift(stream))).streams
    read = definition.stream
    assert (read.namespace, read.name) == ("team", "ruby")
    assert dict(read.annotations) == dict(stream.annotations)
    assert read.docker_image_repository == stream.docker_image_repository and read.lookup_local
    assert definition.given == {"annotations", "docker_image_repository", "lookup_local"}
    # Server-owned fields (uid, generation, status, ...) are ignored, defaults read as their values.
    wanted = {t.name: t for t in stream.spec_tags}
    for tag in read.spec_tags:
        expected = pb.TagReference()
        expected.CopyFrom(wanted[tag.name])
        expected.generation = 0
        if not expected.import_policy.import_mode:
            expected.import_policy.import_mode = pb.IMPORT_MODE_LEGACY
        if not expected.reference_policy.type:
            expected.reference_policy.type = pb.REFERENCE_POLICY_TYPE_SOURCE
        assert tag == expected
    assert not read.status_tags and not read.uid and not read.position


def test_a_list_of_streams_reads_back() -> None:
    written = list_to_openshift([pb.ImageStream(name="a", namespace="x"), pb.ImageStream(name="b")])
    found = read_definitions(yaml.safe_load(yaml.safe_dump(written))).streams
    assert [(d.stream.namespace, d.stream.name, d.path) for d in found] == [
        ("x", "a", "items[0]"),
        ("", "b", "items[1]"),
    ]


# -- in -------------------------------------------------------------------------------------------------------


def test_a_minimal_definition_gives_only_what_it_says() -> None:
    (definition,) = read_definitions({"apiVersion": "v1", "kind": "ImageStream", "metadata": {"name": "s"}}).streams
    assert definition.stream == pb.ImageStream(name="s")
    assert definition.given == frozenset() and definition.path == "" and definition.tag_paths == ()


def test_spec_tags_read_every_field() -> None:
    doc = document(
        spec={
            "tags": [
                {
                    "name": "1.0",
                    "annotations": {"description": "One"},
                    "from": {"kind": "ImageStreamImage", "name": f"other@{DIGEST}", "namespace": "shared"},
                    "reference": False,
                    "importPolicy": {"insecure": True, "importMode": ""},
                    "referencePolicy": {"type": "Local"},
                },
                {"name": "ref", "from": {"kind": "DockerImage", "name": "quay.io/a/b:1"}, "reference": True},
                {"name": "none", "from": None, "annotations": None},
            ]
        }
    )
    (definition,) = read_definitions(doc).streams
    one, ref, none = definition.stream.spec_tags
    assert getattr(one, "from") == source(pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, f"other@{DIGEST}", "shared")
    assert dict(one.annotations) == {"description": "One"}
    assert one.import_policy == pb.TagImportPolicy(insecure=True)
    assert one.reference_policy.type == pb.REFERENCE_POLICY_TYPE_LOCAL
    assert ref.reference and getattr(ref, "from").name == "quay.io/a/b:1"
    assert not none.HasField("from") and not none.annotations
    assert definition.tag_paths == ("spec.tags[0]", "spec.tags[1]", "spec.tags[2]")


def test_a_tag_given_twice_keeps_its_last_entry_and_tracking_tags_come_last() -> None:
    doc = document(
        spec={
            "tags": [
                {"name": "latest", "from": {"kind": "ImageStreamTag", "name": "1.0"}},
                {"name": "1.0", "from": {"kind": "DockerImage", "name": "quay.io/a/b:old"}},
                {"name": "1.0", "from": {"kind": "DockerImage", "name": "quay.io/a/b:new"}},
            ]
        }
    )
    (definition,) = read_definitions(doc).streams
    assert [t.name for t in definition.stream.spec_tags] == ["1.0", "latest"]
    assert getattr(definition.stream.spec_tags[0], "from").name == "quay.io/a/b:new"
    assert definition.tag_paths == ("spec.tags[2]", "spec.tags[0]")


def test_empty_annotations_and_lookup_count_as_given() -> None:
    doc = document(metadata={"name": "s", "annotations": {}}, spec={"lookupPolicy": {"local": False}})
    (definition,) = read_definitions(doc).streams
    assert definition.given == {"annotations", "lookup_local"}


@pytest.mark.parametrize(
    ("doc", "expected"),
    [
        (document(spec={"tagz": []}), ["spec.tagz: unknown field"]),
        (
            document(spec={"tags": [{"name": "a"}, {"name": "b", "from": {"kind": "Foo", "name": "x"}}]}),
            [
                'spec.tags[1].from.kind: unknown value "Foo"; valid values are "DockerImage", "ImageStreamTag", '
                '"ImageStreamImage"'
            ],
        ),
        (
            document(spec={"tags": [{"name": 2.0}]}),
            ["spec.tags[0].name: expected a string, got a number (2.0); quote the value to make it a string"],
        ),
        (document(metadata={}), ["metadata.name: required field is missing"]),
        (document(metadata={"name": ""}), ["metadata.name: must not be empty"]),
        (document(metadata={"name": "s", "bogus": 1}), ["metadata.bogus: unknown field"]),
        (
            document(metadata={"name": "s", "annotations": {"a": 1}}),
            ["metadata.annotations.a: expected a string, got a number (1); quote the value to make it a string"],
        ),
        (
            document(spec={"lookupPolicy": {"local": "yes"}}),
            ['spec.lookupPolicy.local: expected true or false, got a string ("yes")'],
        ),
        (document(spec={"tags": {"name": "a"}}), ["spec.tags: expected a list, got an object"]),
        (document(spec={"tags": ["a"]}), ['spec.tags[0]: expected an object, got a string ("a")']),
        (
            document(spec={"tags": [{"name": "a", "from": {"name": "x"}}]}),
            ["spec.tags[0].from.kind: required field is missing"],
        ),
        (
            document(spec={"tags": [{"name": "a", "from": {"kind": "DockerImage", "name": "x", "uid": "u"}}]}),
            ["spec.tags[0].from.uid: unknown field"],
        ),
        (
            document(spec={"tags": [{"name": "a", "importPolicy": {"importMode": "Fast"}}]}),
            [
                'spec.tags[0].importPolicy.importMode: unknown value "Fast"; valid values are "Legacy", '
                '"PreserveOriginal"'
            ],
        ),
        (
            document(spec={"tags": [{"name": "a", "referencePolicy": {"type": "Remote"}}]}),
            ['spec.tags[0].referencePolicy.type: unknown value "Remote"; valid values are "Source", "Local"'],
        ),
        (
            document(apiVersion="apps/v1"),
            ['apiVersion: unknown value "apps/v1"; valid values are "image.openshift.io/v1", "v1"'],
        ),
        (document(kind="Deployment"), ['kind: unknown value "Deployment"; valid values are "ImageStream", "List"']),
        ({"kind": "ImageStream", "metadata": {"name": "s"}}, ["apiVersion: required field is missing"]),
        (["a"], ["expected an ImageStream or a List of them, got a list"]),
        (
            {"apiVersion": "v1", "kind": "List", "items": [document(kind="Route"), {"kind": "ImageStream"}]},
            [
                'items[0].kind: unknown value "Route"; valid values are "ImageStream"',
                "items[1].apiVersion: required field is missing",
                "items[1].metadata.name: required field is missing",
            ],
        ),
    ],
)
def test_problems_are_reported_at_their_path(doc: Any, expected: list[str]) -> None:
    assert problems(doc) == expected


def test_every_problem_is_reported_at_once() -> None:
    doc = document(spec={"tagz": 1, "tags": [{"name": "a", "from": {"kind": "Foo", "name": "x"}, "extra": True}]})
    assert problems(doc) == [
        "spec.tagz: unknown field",
        "spec.tags[0].extra: unknown field",
        'spec.tags[0].from.kind: unknown value "Foo"; valid values are "DockerImage", "ImageStreamTag", '
        '"ImageStreamImage"',
    ]


def test_server_owned_fields_are_ignored_and_labels_are_a_warning() -> None:
    doc = document(
        metadata={"name": "s", "uid": "u", "resourceVersion": "3", "generation": 2, "labels": {"app": "x"}},
        status={"anything": ["goes"]},
        spec={"tags": [{"name": "a", "generation": 7}]},
    )
    found = read_definitions(doc)
    assert found.warnings == [Problem("metadata.labels", "ignored: image streams here carry no labels")]
    assert found.streams[0].stream.spec_tags[0].generation == 0


def test_a_path_prefix_places_problems_in_a_larger_file() -> None:
    with pytest.raises(ShapeError) as raised:
        read_definitions(document(spec={"tagz": 1}), "documents[1]")
    assert [str(p) for p in raised.value.problems] == ["documents[1].spec.tagz: unknown field"]


def test_request_fields_map_back_to_the_document() -> None:
    definition = StreamDefinition(pb.ImageStream(name="s"), frozenset(), "items[1]", ("spec.tags[3]", "spec.tags[0]"))
    assert definition.document_path("image_stream.name") == "items[1].metadata.name"
    assert definition.document_path("image_stream.docker_image_repository") == "items[1].spec.dockerImageRepository"
    assert definition.document_path("image_stream.lookup_local") == "items[1].spec.lookupPolicy.local"
    assert definition.document_path("image_stream.spec_tags[1].from.name") == "items[1].spec.tags[0].from.name"
    assert (
        definition.document_path("image_stream.spec_tags[0].import_policy.scheduled")
        == "items[1].spec.tags[3].importPolicy.scheduled"
    )
    # As the server currently words a bad same-stream source: the tag's prefix twice.
    assert (
        definition.document_path("image_stream.spec_tags[0].image_stream.spec_tags[0].from")
        == "items[1].spec.tags[3].from"
    )
    assert definition.document_path("image_stream.spec_tags[5]") is None
    assert definition.document_path("position") is None
