"""Reads with `as_of`: the request's point of the past, and the same responses present-day reads give; and
RollbackTag's `as_of`, the image a tag had then."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC
from typing import Any

from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from ..application.commands import RollbackInput
from ..application.queries import page_size
from ..application.service import Service
from ..application.time_travel import AsOf, TimeTravel
from ..domain.errors import FailedPrecondition, InvalidField
from ..domain.names import istag_name
from ..domain.state import StreamState
from . import convert, paging


def as_of(request: Any) -> AsOf:
    point = request.as_of
    which = point.WhichOneof("point")
    if which == "position":
        return AsOf(position=point.position)
    if which == "time":
        convert.check_timestamp(point.time, "as_of.time")
        return AsOf(time=point.time.ToDatetime(tzinfo=UTC))
    raise InvalidField("as_of", "give a position or a time")


def _past(service: Service) -> TimeTravel:
    return TimeTravel(service.log, service.queries, service.clock)


def get_image_stream(
    service: Service, request: api.GetImageStreamRequest, stream: Callable[[StreamState, int], pb.ImageStream]
) -> api.GetImageStreamResponse:
    view = _past(service).stream(request.namespace, request.name, as_of(request))
    return api.GetImageStreamResponse(image_stream=stream(view.state, view.position))


def describe_image_stream(service: Service, request: api.DescribeImageStreamRequest) -> api.DescribeImageStreamResponse:
    described = _past(service).describe(request.namespace, request.name, as_of(request))
    return api.DescribeImageStreamResponse(**convert.description(described))


def get_image_stream_tag(service: Service, request: api.GetImageStreamTagRequest) -> api.GetImageStreamTagResponse:
    view = _past(service).tag(request.namespace, request.stream, request.tag, as_of(request))
    return api.GetImageStreamTagResponse(image_stream_tag=convert.image_stream_tag(view))


def list_image_stream_tags(
    service: Service, request: api.ListImageStreamTagsRequest
) -> api.ListImageStreamTagsResponse:
    limit = page_size(request.page_size)
    after = paging.decode(request.page_token, (str, str))
    views = _past(service).tags(
        request.namespace, request.stream, (after[0], after[1]) if after else None, limit, as_of(request)
    )
    token = paging.next_page_token(views, limit, lambda v: [v.stream, v.tag])
    return api.ListImageStreamTagsResponse(
        image_stream_tags=[convert.image_stream_tag(v) for v in views], next_page_token=token
    )


def rollback_input(service: Service, request: api.RollbackTagRequest) -> RollbackInput:
    """A RollbackTag request; one with `as_of` goes back to the image the tag had then."""
    data = RollbackInput(
        namespace=request.namespace,
        stream=request.stream,
        tag=request.tag,
        to_revision=request.to_revision,
        to_image=request.to_image,
    )
    if not request.HasField("as_of"):
        return data
    if request.to_revision or request.to_image:
        raise InvalidField("as_of", "give one of to_revision, to_image and as_of")
    point = as_of(request)
    view = _past(service).stream(request.namespace, request.stream, point, name_field="stream")
    then = view.state.current(request.tag)
    if then is None or not then.image:
        raise FailedPrecondition(
            "NO_IMAGE_THEN",
            f'"{istag_name(request.namespace, request.stream, request.tag)}" had no image as of {point.describe()}',
            field="as_of",
        )
    return replace(data, to_image=then.image)
