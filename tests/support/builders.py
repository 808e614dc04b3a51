"""Small builders for requests, and a helper that captures a call's error status with its details."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

REGISTRY = "registry.example.com"


def digest(seed: str | int) -> str:
    """A valid sha256 digest whose hex starts with the seed's text (hex characters only)."""
    text = str(seed)
    assert all(c in "0123456789abcdef" for c in text), text
    return "sha256:" + (text * 64)[:64]


def pinned(seed: str | int, repo: str = "team/app") -> str:
    return f"{REGISTRY}/{repo}@{digest(seed)}"


def docker(name: str) -> pb.ObjectReference:
    return pb.ObjectReference(kind=pb.SOURCE_KIND_DOCKER_IMAGE, name=name)


def istag(name: str, namespace: str = "") -> pb.ObjectReference:
    return pb.ObjectReference(kind=pb.SOURCE_KIND_IMAGE_STREAM_TAG, name=name, namespace=namespace)


def isimage(name: str, namespace: str = "") -> pb.ObjectReference:
    return pb.ObjectReference(kind=pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, name=name, namespace=namespace)


def dest(spec: str) -> api.TagDestination:
    """`[ns/]stream:tag` -> a destination."""
    namespace, _, rest = spec.rpartition("/")
    stream, _, tag = rest.partition(":")
    return api.TagDestination(namespace=namespace, stream=stream, tag=tag)


def tag(stub: Any, source: pb.ObjectReference, *destinations: str, namespace: str = "team", **flags: Any):
    return stub.Tag(
        api.TagRequest(namespace=namespace, source=source, destinations=[dest(d) for d in destinations], **flags)
    )


def push(stub: Any, stream: str, tag_name: str, seed: str | int, namespace: str = "team", **image_fields: Any):
    """Records an image at a tag the way a registry does after a push."""
    image = pb.Image(
        name=digest(seed), docker_image_reference=f"{REGISTRY}/{namespace}/{stream}@{digest(seed)}", **image_fields
    )
    return stub.CreateImageStreamMapping(
        api.CreateImageStreamMappingRequest(namespace=namespace, name=stream, tag=tag_name, image=image)
    )


def get_istag(stub: Any, spec: str, namespace: str = "team") -> pb.ImageStreamTag:
    stream, _, tag_name = spec.partition(":")
    return stub.GetImageStreamTag(
        api.GetImageStreamTagRequest(namespace=namespace, stream=stream, tag=tag_name)
    ).image_stream_tag


@dataclass
class Failure:
    code: grpc.StatusCode
    message: str
    fields: dict[str, str] = field(default_factory=dict)
    reason: str = ""
    metadata: dict[str, str] = field(default_factory=dict)


def failure(call: Callable[[], Any]) -> Failure:
    """Runs a call that must fail and returns its status, field violations and ErrorInfo."""
    try:
        call()
    except grpc.RpcError as error:
        result = Failure(error.code(), error.details())
        status = rpc_status.from_call(error)
        for detail in status.details if status else []:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad = error_details_pb2.BadRequest()
                detail.Unpack(bad)
                result.fields.update({v.field: v.description for v in bad.field_violations})
            elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                result.reason, result.metadata = info.reason, dict(info.metadata)
        return result
    raise AssertionError("the call succeeded but was expected to fail")
