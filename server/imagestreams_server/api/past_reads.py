"""Reads with `as_of`: the request's point of the past, and the same responses present-day reads give."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC
from typing import Any

from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from ..application.queries import page_size
from ..application.service import Service
from ..application.time_travel import AsOf, TimeTravel
from ..domain.errors import InvalidField
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
