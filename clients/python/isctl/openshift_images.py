"""Tags and images of streams in OpenShift's shape: `oc get istag -o yaml` prints an ImageStreamTag,
`oc get isimage -o yaml` an ImageStreamImage, each with the image as an `image.openshift.io/v1` Image.

Field names, order and value forms are OpenShift's: enums by their Go names (`Local`, `Legacy`), int64
fields as numbers (`generation: 9`), timestamps as RFC 3339 in whole seconds; empty optional fields are left
out rather than written as null."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from imagestreams.v1 import resources_pb2 as pb

from .humanize import is_set
from .openshift_shape import (
    API_VERSION,
    LIST_API_VERSION,
    LIST_KIND,
    _condition,
    _tag_reference,
    rfc3339,
)

TAG_KIND = "ImageStreamTag"
IMAGE_KIND = "ImageStreamImage"
# docker's image metadata as OpenShift keeps it (`dockerImageMetadata`), version 1.0.
_DOCKER_METADATA_VERSION = "1.0"


def tag_to_openshift(tag: pb.ImageStreamTag) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": f"{tag.stream}:{tag.tag}", "namespace": tag.namespace}
    if tag.position:
        metadata["resourceVersion"] = str(tag.position)
    if is_set(tag.create_time):
        metadata["creationTimestamp"] = rfc3339(tag.create_time)
    if tag.image.annotations:
        metadata["annotations"] = dict(sorted(tag.image.annotations.items()))
    value: dict[str, Any] = {"apiVersion": API_VERSION, "kind": TAG_KIND, "metadata": metadata}
    value["tag"] = _without_nulls(_tag_reference(tag.spec)) if tag.HasField("spec") else None
    value["generation"] = tag.generation
    value["lookupPolicy"] = {"local": tag.lookup_local}
    if tag.conditions:
        value["conditions"] = [_condition(c) for c in tag.conditions]
    value["image"] = image_to_openshift(tag.image) if tag.HasField("image") and tag.image.name else {"metadata": {}}
    return value


def stream_image_to_openshift(image: pb.ImageStreamImage) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": f"{image.stream}@{image.image.name or image.id}", "namespace": image.namespace}
    if is_set(image.image.create_time):
        metadata["creationTimestamp"] = rfc3339(image.image.create_time)
    if image.annotations:
        metadata["annotations"] = dict(sorted(image.annotations.items()))
    return {
        "apiVersion": API_VERSION,
        "kind": IMAGE_KIND,
        "metadata": metadata,
        "image": image_to_openshift(image.image),
    }


def items_to_list(items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Several objects as `kubectl get -o yaml` lists them: a `v1` List."""
    return {
        "apiVersion": LIST_API_VERSION,
        "kind": LIST_KIND,
        "metadata": {"resourceVersion": ""},
        "items": list(items),
    }


def image_to_openshift(image: pb.Image) -> dict[str, Any]:
    """An `image.openshift.io/v1` Image, as the `image` of an ImageStreamTag or ImageStreamImage."""
    metadata: dict[str, Any] = {"name": image.name}
    if is_set(image.create_time):
        metadata["creationTimestamp"] = rfc3339(image.create_time)
    if image.annotations:
        metadata["annotations"] = dict(sorted(image.annotations.items()))
    value: dict[str, Any] = {"metadata": metadata, "dockerImageReference": image.docker_image_reference}
    if image.metadata_known:
        value["dockerImageMetadata"] = _docker_metadata(image.metadata)
        value["dockerImageMetadataVersion"] = _DOCKER_METADATA_VERSION
    if image.layers:
        value["dockerImageLayers"] = [
            {"name": layer.name, "size": layer.size, "mediaType": layer.media_type} for layer in image.layers
        ]
    if image.manifest_media_type:
        value["dockerImageManifestMediaType"] = image.manifest_media_type
    if image.manifests:
        value["dockerImageManifests"] = [_manifest(m) for m in image.manifests]
    return value


def _docker_metadata(metadata: pb.ImageMetadata) -> dict[str, Any]:
    """docker's image JSON as OpenShift embeds it (its own capitalised field names)."""
    config: dict[str, Any] = {}
    for key, values in (("Env", metadata.env), ("Cmd", metadata.cmd), ("Entrypoint", metadata.entrypoint)):
        if values:
            config[key] = list(values)
    if metadata.labels:
        config["Labels"] = dict(sorted(metadata.labels.items()))
    if metadata.exposed_ports:
        config["ExposedPorts"] = {port: {} for port in sorted(metadata.exposed_ports)}
    if metadata.user:
        config["User"] = metadata.user
    if metadata.working_dir:
        config["WorkingDir"] = metadata.working_dir
    value: dict[str, Any] = {"kind": "DockerImage", "apiVersion": _DOCKER_METADATA_VERSION, "Id": metadata.id}
    if is_set(metadata.created):
        value["Created"] = rfc3339(metadata.created)
    if metadata.author:
        value["Author"] = metadata.author
    if config:
        value["Config"] = config
    value["Architecture"] = metadata.architecture
    if metadata.os:
        value["Os"] = metadata.os
    value["Size"] = metadata.size
    return value


def _manifest(manifest: pb.ImageManifest) -> dict[str, Any]:
    value: dict[str, Any] = {
        "digest": manifest.digest,
        "mediaType": manifest.media_type,
        "manifestSize": manifest.manifest_size,
        "architecture": manifest.architecture,
        "os": manifest.os,
    }
    if manifest.variant:
        value["variant"] = manifest.variant
    return value


def _without_nulls(value: dict[str, Any]) -> dict[str, Any]:
    return {key: item for key, item in value.items() if item is not None}
