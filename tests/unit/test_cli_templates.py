"""`-o jsonpath=` and `-o custom-columns=` as kubectl reads them, and tags and images in OpenShift's shapes."""

from __future__ import annotations

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from imagestreams.v1 import resources_pb2 as pb
from isctl.errors import UsageError, UserInputError
from isctl.openshift_images import image_to_openshift, items_to_list, stream_image_to_openshift, tag_to_openshift
from isctl.templates import render_custom_columns, render_jsonpath

DATA = {
    "kind": "List",
    "items": [
        {"metadata": {"name": "ruby"}, "spec": {"tags": [{"name": "a"}, {"name": "b"}]}, "generation": 9},
        {"metadata": {"name": "python"}, "spec": {}, "generation": 2},
    ],
}


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("{.kind}", "List"),
        ("{.items[0].metadata.name}", "ruby"),
        ("{.items[*].metadata.name}", "ruby python"),
        ('{range .items[*]}{.metadata.name}{"\\n"}{end}', "ruby\npython\n"),
        ("{range .items[*]}[{.metadata.name}:{.generation}]{end}", "[ruby:9][python:2]"),
        ("name={.items[0].spec.tags[*].name}", "name=a b"),
        ('{.items[?(@.metadata.name=="python")].generation}', "2"),
        ("{.items[1].spec}", "{}"),
        ("{.items[5].metadata.name}", ""),
        ("{range .items[*]}{range .spec.tags[*]}{.name},{end}{end}", "a,b,"),
    ],
)
def test_jsonpath_templates(template: str, expected: str) -> None:
    assert render_jsonpath(template, DATA) == expected


@pytest.mark.parametrize("template", ["{.items", "{range .items[*]}x", "{end}", ""])
def test_bad_jsonpath_templates(template: str) -> None:
    with pytest.raises(UsageError):
        render_jsonpath(template, DATA)


def test_custom_columns() -> None:
    out = render_custom_columns("NAME:.metadata.name,GEN:{.generation},TAGS:.spec.tags[*].name", DATA["items"])
    assert out.splitlines() == ["NAME     GEN   TAGS", "ruby     9     a,b", "python   2     <none>"]


def test_bad_custom_columns() -> None:
    with pytest.raises(UserInputError, match="HEADER:PATH"):
        render_custom_columns("NAME", DATA["items"])


def _image() -> pb.Image:
    return pb.Image(
        name="sha256:" + "a" * 64,
        docker_image_reference="quay.io/team/ruby@sha256:" + "a" * 64,
        create_time=Timestamp(seconds=1_700_000_000),
        metadata_known=True,
        metadata=pb.ImageMetadata(id="sha256:" + "c" * 64, architecture="amd64", os="linux", size=1234, cmd=["ruby"]),
        layers=[pb.ImageLayer(name="sha256:" + "d" * 64, size=1000, media_type="application/x")],
    )


def test_image_stream_tag_shape() -> None:
    tag = pb.ImageStreamTag(
        namespace="team",
        stream="ruby",
        tag="latest",
        generation=9,
        spec=pb.TagReference(
            name="latest",
            generation=9,
            reference_policy=pb.TagReferencePolicy(type=pb.REFERENCE_POLICY_TYPE_LOCAL),
            **{"from": pb.ObjectReference(kind=pb.SOURCE_KIND_IMAGE_STREAM_TAG, name="ruby:2.0")},
        ),
        image=_image(),
        position=42,
    )
    shaped = tag_to_openshift(tag)
    assert (shaped["apiVersion"], shaped["kind"]) == ("image.openshift.io/v1", "ImageStreamTag")
    assert shaped["metadata"] == {"name": "ruby:latest", "namespace": "team", "resourceVersion": "42"}
    assert shaped["generation"] == 9
    assert shaped["lookupPolicy"] == {"local": False}
    assert shaped["tag"]["referencePolicy"] == {"type": "Local"}
    assert shaped["tag"]["from"] == {"kind": "ImageStreamTag", "name": "ruby:2.0"}
    assert "annotations" not in shaped["tag"]
    assert shaped["image"]["dockerImageMetadata"]["Size"] == 1234
    assert shaped["image"]["dockerImageMetadata"]["Config"] == {"Cmd": ["ruby"]}
    assert shaped["image"]["dockerImageLayers"] == [
        {"name": "sha256:" + "d" * 64, "size": 1000, "mediaType": "application/x"}
    ]


def test_image_stream_image_shape_and_list() -> None:
    shaped = stream_image_to_openshift(pb.ImageStreamImage(namespace="team", stream="ruby", id="aaaa", image=_image()))
    assert shaped["kind"] == "ImageStreamImage"
    assert shaped["metadata"]["name"] == "ruby@sha256:" + "a" * 64
    assert shaped["metadata"]["creationTimestamp"] == "2023-11-14T22:13:20Z"
    assert shaped["image"] == image_to_openshift(_image())
    listed = items_to_list([shaped])
    assert (listed["apiVersion"], listed["kind"], listed["items"]) == ("v1", "List", [shaped])
