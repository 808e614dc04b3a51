"""`isctl apply` planning: which calls make an existing stream match its definition, and nothing more."""

from __future__ import annotations

from typing import Any

import pytest
from imagestreams.v1 import resources_pb2 as pb
from isctl.applying import plan_changes, same_tag, tag_source
from isctl.openshift_shape import ShapeError, StreamDefinition, read_definitions

DIGEST = "sha256:" + "b" * 64


def definition(spec: dict[str, Any] | None = None, **metadata: Any) -> StreamDefinition:
    doc = {"apiVersion": "v1", "kind": "ImageStream", "metadata": {"name": "ruby", **metadata}, "spec": spec or {}}
    (found,) = read_definitions(doc).streams
    return found


def current(*tags: pb.TagReference, **fields: Any) -> pb.ImageStream:
    stream = pb.ImageStream(namespace="team", name="ruby", position=7, **fields)
    stream.spec_tags.extend(tags)
    return stream


def tag(name: str, kind: pb.SourceKind, source: str, namespace: str = "", **fields: Any) -> pb.TagReference:
    value = pb.TagReference(name=name, **fields)
    getattr(value, "from").CopyFrom(pb.ObjectReference(kind=kind, name=source, namespace=namespace))
    return value


def docker(name: str, source: str, **fields: Any) -> pb.TagReference:
    # As the server returns tags: defaults spelled out, a generation set.
    fields.setdefault("import_policy", pb.TagImportPolicy(import_mode=pb.IMPORT_MODE_LEGACY))
    fields.setdefault("reference_policy", pb.TagReferencePolicy(type=pb.REFERENCE_POLICY_TYPE_SOURCE))
    return tag(name, pb.SOURCE_KIND_DOCKER_IMAGE, source, generation=3, **fields)


def test_a_stream_that_matches_needs_no_call() -> None:
    wanted = definition(
        {
            "lookupPolicy": {"local": True},
            "tags": [
                {"name": "1.0", "from": {"kind": "DockerImage", "name": "quay.io/a/b:1.0"}},
                {"name": "latest", "from": {"kind": "ImageStreamTag", "name": "1.0"}},
            ],
        },
        annotations={"a": "b"},
    )
    stream = current(
        docker("1.0", "quay.io/a/b:1.0"),
        tag("latest", pb.SOURCE_KIND_IMAGE_STREAM_TAG, "ruby:1.0", "team"),
        docker("extra", "quay.io/a/b:2"),  # not in the definition: left alone
        annotations={"a": "b"},
        lookup_local=True,
    )
    assert plan_changes(wanted, stream).empty


def test_only_the_stream_fields_the_definition_gives_and_that_differ_are_updated() -> None:
    stream = current(annotations={"a": "b"}, docker_image_repository="quay.io/a/b", lookup_local=True)
    assert plan_changes(definition(), stream).update_mask == ()
    changes = plan_changes(definition({"dockerImageRepository": "quay.io/a/c"}, annotations={}), stream)
    assert changes.update_mask == ("annotations", "docker_image_repository")
    assert plan_changes(definition({"lookupPolicy": {"local": False}}), stream).update_mask == ("lookup_local",)


@pytest.mark.parametrize(
    "spec_tag",
    [
        {"name": "1.0", "from": {"kind": "DockerImage", "name": "quay.io/a/b:1.1"}},
        {"name": "1.0", "from": {"kind": "DockerImage", "name": "quay.io/a/b:1.0"}, "reference": True},
        {
            "name": "1.0",
            "from": {"kind": "DockerImage", "name": "quay.io/a/b:1.0"},
            "importPolicy": {"scheduled": True},
        },
        {
            "name": "1.0",
            "from": {"kind": "DockerImage", "name": "quay.io/a/b:1.0"},
            "referencePolicy": {"type": "Local"},
        },
        {"name": "1.0", "from": {"kind": "DockerImage", "name": "quay.io/a/b:1.0"}, "annotations": {"x": "y"}},
        {"name": "new", "from": {"kind": "DockerImage", "name": "quay.io/a/b:1.0"}},
    ],
)
def test_a_tag_that_differs_is_tagged_again(spec_tag: dict[str, Any]) -> None:
    changes = plan_changes(definition({"tags": [spec_tag]}), current(docker("1.0", "quay.io/a/b:1.0")))
    (call,) = changes.tags
    assert call.path == "spec.tags[0]" and call.tag.name == spec_tag["name"]
    assert call.source == pb.ObjectReference(kind=pb.SOURCE_KIND_DOCKER_IMAGE, name=spec_tag["from"]["name"])
    assert not call.alias


def test_annotations_count_only_when_the_definition_gives_some() -> None:
    stream = current(docker("1.0", "quay.io/a/b:1.0", annotations={"kept": "yes"}))
    unchanged = definition({"tags": [{"name": "1.0", "from": {"kind": "DockerImage", "name": "quay.io/a/b:1.0"}}]})
    assert plan_changes(unchanged, stream).empty


def test_a_tag_reference_tracks_a_tag_of_the_same_stream() -> None:
    wanted = definition({"tags": [{"name": "latest", "from": {"kind": "ImageStreamTag", "name": "2.0"}}]})
    (call,) = plan_changes(wanted, current()).tags
    assert call.alias and call.source == pb.ObjectReference(kind=pb.SOURCE_KIND_IMAGE_STREAM_TAG, name="ruby:2.0")
    spelled_out = tag("latest", pb.SOURCE_KIND_IMAGE_STREAM_TAG, "ruby:2.0", "team")
    assert plan_changes(wanted, current(spelled_out)).empty
    assert not plan_changes(wanted, current(tag("latest", pb.SOURCE_KIND_IMAGE_STREAM_TAG, "ruby:1.0"))).empty


def test_an_image_of_a_stream_is_tagged_as_it_is_and_a_digest_prefix_matches() -> None:
    short = DIGEST[:19]
    wanted = definition({"tags": [{"name": "pin", "from": {"kind": "ImageStreamImage", "name": short}}]})
    (call,) = plan_changes(wanted, current()).tags
    assert not call.alias
    assert call.source == pb.ObjectReference(kind=pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, name=f"ruby@{short}")
    recorded = tag("pin", pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, f"ruby@{DIGEST}")
    assert plan_changes(wanted, current(recorded)).empty


def test_registry_sources_compare_as_parsed() -> None:
    a = pb.TagReference(name="t")
    getattr(a, "from").CopyFrom(pb.ObjectReference(kind=pb.SOURCE_KIND_DOCKER_IMAGE, name="quay.io/a/b:1"))
    b = docker("t", "quay.io/a/b:1")
    assert same_tag(a, b, current())
    assert tag_source(a, "ruby") == (pb.ObjectReference(kind=pb.SOURCE_KIND_DOCKER_IMAGE, name="quay.io/a/b:1"), False)


def test_a_tag_without_a_source_cannot_be_added_to_an_existing_stream() -> None:
    wanted = definition({"tags": [{"name": "ok", "from": {"kind": "DockerImage", "name": "x/y:1"}}, {"name": "bare"}]})
    with pytest.raises(ShapeError) as raised:
        plan_changes(wanted, current())
    (problem,) = raised.value.problems
    assert problem.path == "spec.tags[1].from" and "can only be given when the stream is created" in problem.message
    # ... but one that is already there as the definition says is fine.
    assert plan_changes(definition({"tags": [{"name": "bare"}]}), current(pb.TagReference(name="bare"))).empty


def test_a_tag_of_another_stream_or_project_is_kept_as_written_not_aliased() -> None:
    wanted = definition(
        {
            "tags": [
                {"name": "2.7", "from": {"kind": "ImageStreamTag", "namespace": "openshift", "name": "ruby:2.7"}},
                {"name": "other", "from": {"kind": "ImageStreamTag", "name": "python:3"}},
                {"name": "mine", "from": {"kind": "ImageStreamTag", "namespace": "team", "name": "2.7"}},
            ]
        }
    )
    calls = {c.tag.name: c for c in plan_changes(wanted, current()).tags}
    assert (calls["2.7"].alias, calls["2.7"].keep_source) == (False, True)
    assert calls["2.7"].source == pb.ObjectReference(
        kind=pb.SOURCE_KIND_IMAGE_STREAM_TAG, namespace="openshift", name="ruby:2.7"
    )
    assert (calls["other"].alias, calls["other"].keep_source) == (False, True)
    # A tag of the same stream, its namespace spelled out or not, is tracked.
    assert (calls["mine"].alias, calls["mine"].keep_source) == (True, False)
    # Recorded as written, the next apply finds nothing to do.
    recorded = tag("2.7", pb.SOURCE_KIND_IMAGE_STREAM_TAG, "ruby:2.7", "openshift", generation=2)
    again = definition(
        {"tags": [{"name": "2.7", "from": {"kind": "ImageStreamTag", "namespace": "openshift", "name": "ruby:2.7"}}]}
    )
    assert plan_changes(again, current(recorded)).empty
