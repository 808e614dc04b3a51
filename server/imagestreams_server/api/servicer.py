"""The ImageStreamService servicer: requests -> application calls (on a worker thread) -> responses."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any, TypeVar

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import resources_pb2 as pb

from ..application.commands import Destination, MappingInput, StreamInput, TagInput
from ..application.history_filter import HistoryFilter
from ..application.queries import page_size
from ..application.service import Service
from ..domain.state import StreamState
from . import convert, history_paging, paging, past_reads, prune_messages
from .access_guard import visible_namespaces as _visible
from .blocking import run_blocking
from .idempotent import IdempotentWrites

T = TypeVar("T")


class ImageStreamServicer(api_grpc.ImageStreamServiceServicer):
    def __init__(self, service: Service, executor: Executor) -> None:
        self.service = service
        self.executor = executor
        self.writes = IdempotentWrites(service.log, executor)

    async def _call(self, context: grpc.aio.ServicerContext, fn: Callable[[], T]) -> T:
        return await run_blocking(self.executor, context, fn)

    async def _read(self, context: grpc.aio.ServicerContext, fn: Callable[[], T]) -> T:
        """A read answered from memory right here on the event loop when it can be (no thread hop, no
        database); otherwise, or on any error, run as every call is, which answers it or raises the error
        again as a status."""
        queries = self.service.queries
        with queries.memory_allowed():
            try:
                return queries.from_memory(fn)
            except Exception:  # the same work is done again on a worker thread
                return await self._call(context, fn)

    def _stream(self, state: StreamState, position: int, into: pb.ImageStream | None = None) -> pb.ImageStream:
        queries = self.service.queries
        return convert.image_stream(
            state, position, queries.status_repository(state), queries.public_repository(state), into=into
        )

    # -- streams --------------------------------------------------------------------------------------------

    async def CreateImageStream(self, request: api.CreateImageStreamRequest, context: Any) -> Any:
        def run() -> api.CreateImageStreamResponse:
            stream = request.image_stream
            data = StreamInput(
                namespace=stream.namespace,
                name=stream.name,
                annotations=dict(stream.annotations),
                docker_image_repository=stream.docker_image_repository,
                lookup_local=stream.lookup_local,
                spec_tags=[
                    convert.tag_spec_from_pb(t, f"image_stream.spec_tags[{i}]") for i, t in enumerate(stream.spec_tags)
                ],
            )
            created, position = self.service.commands.create_stream(data)
            return api.CreateImageStreamResponse(image_stream=self._stream(created.state, position), position=position)

        return await self.writes.run(context, request, api.CreateImageStreamResponse, run)

    async def GetImageStream(self, request: api.GetImageStreamRequest, context: Any) -> Any:
        if request.HasField("as_of"):
            return await self._call(context, lambda: past_reads.get_image_stream(self.service, request, self._stream))

        def run() -> api.GetImageStreamResponse:
            view = self.service.queries.stream(request.namespace, request.name, request.min_position)
            return api.GetImageStreamResponse(image_stream=self._stream(view.state, view.position))

        return await self._read(context, run)

    async def ListBuilderImages(self, request: api.ListBuilderImagesRequest, context: Any) -> Any:
        def run() -> api.ListBuilderImagesResponse:
            views, truncated = self.service.queries.builder_images(
                request.namespace,
                request.supports,
                include_hidden=request.include_hidden,
                min_position=request.min_position,
                within=_visible("list", "imagestreams", request.namespace),
            )
            return api.ListBuilderImagesResponse(
                builder_images=[convert.builder_image(v) for v in views], truncated=truncated
            )

        return await self._call(context, run)

    async def ListImageStreams(self, request: api.ListImageStreamsRequest, context: Any) -> Any:
        def run() -> api.ListImageStreamsResponse:
            limit = page_size(request.page_size)
            after = paging.decode(request.page_token, (str, str))
            views = self.service.queries.streams(
                request.namespace,
                (after[0], after[1]) if after else None,
                limit,
                request.min_position,
                within=_visible("list", "imagestreams", request.namespace),
            )
            token = paging.next_page_token(views, limit, lambda v: [v.state.namespace, v.state.name])
            response = api.ListImageStreamsResponse(next_page_token=token)
            for view in views:
                # Built in the answer itself: a stream made apart would be copied into it, histories and all.
                self._stream(view.state, view.position, into=response.image_streams.add())
            return response

        return await self._call(context, run)

    async def UpdateImageStream(self, request: api.UpdateImageStreamRequest, context: Any) -> Any:
        def run() -> api.UpdateImageStreamResponse:
            stream = request.image_stream
            data = StreamInput(
                namespace=stream.namespace,
                name=stream.name,
                annotations=dict(stream.annotations),
                docker_image_repository=stream.docker_image_repository,
                lookup_local=stream.lookup_local,
            )
            updated, position = self.service.commands.update_stream(
                data, list(request.update_mask.paths), request.expected_position
            )
            return api.UpdateImageStreamResponse(image_stream=self._stream(updated.state, position), position=position)

        return await self.writes.run(context, request, api.UpdateImageStreamResponse, run)

    async def DeleteImageStream(self, request: api.DeleteImageStreamRequest, context: Any) -> Any:
        def run() -> api.DeleteImageStreamResponse:
            position = self.service.commands.delete_stream(request.namespace, request.name, request.expected_position)
            return api.DeleteImageStreamResponse(position=position)

        return await self.writes.run(context, request, api.DeleteImageStreamResponse, run)

    async def DescribeImageStream(self, request: api.DescribeImageStreamRequest, context: Any) -> Any:
        if request.HasField("as_of"):
            return await self._call(context, lambda: past_reads.describe_image_stream(self.service, request))

        def run() -> api.DescribeImageStreamResponse:
            described = self.service.queries.describe(request.namespace, request.name, request.min_position)
            return api.DescribeImageStreamResponse(**convert.description(described))

        return await self._read(context, run)

    # -- tags -----------------------------------------------------------------------------------------------

    async def Tag(self, request: api.TagRequest, context: Any) -> Any:
        def run() -> api.TagResponse:
            data = TagInput(
                namespace=request.namespace,
                source=convert.source_from_pb(request.source, "source") if request.HasField("source") else None,
                destinations=[Destination(d.namespace, d.stream, d.tag) for d in request.destinations],
                alias=request.alias,
                scheduled=request.scheduled,
                insecure=request.insecure,
                reference_policy=convert.enum_value(
                    convert.REFERENCE_POLICIES, request.reference_policy, "reference_policy"
                ),
                reference=request.reference,
                annotations=dict(request.annotations) or None,
                import_mode=convert.enum_value(convert.IMPORT_MODES, request.import_mode, "import_mode"),
                keep_source=request.keep_source,
                from_manifest=request.from_manifest,
            )
            result = self.service.commands.tag(data)
            return api.TagResponse(
                tags=[convert.tag_reference(s) for s in result.specs],
                messages=result.messages,
                position=result.position,
            )

        return await self.writes.run(context, request, api.TagResponse, run)

    async def DeleteTag(self, request: api.DeleteTagRequest, context: Any) -> Any:
        def run() -> api.DeleteTagResponse:
            position = self.service.commands.delete_tag(request.namespace, request.stream, request.tag)
            return api.DeleteTagResponse(position=position)

        return await self.writes.run(context, request, api.DeleteTagResponse, run)

    async def RollbackTag(self, request: api.RollbackTagRequest, context: Any) -> Any:
        def run() -> api.RollbackTagResponse:
            result = self.service.commands.rollback_tag(past_reads.rollback_input(self.service, request))
            return api.RollbackTagResponse(
                tag=convert.tag_reference(result.spec),
                message=result.message,
                position=result.position,
                revision=result.revision,
                image=result.image,
                stopped_tracking=result.stopped_tracking,
            )

        return await self.writes.run(context, request, api.RollbackTagResponse, run)

    async def PruneImages(self, request: api.PruneImagesRequest, context: Any) -> Any:
        # Not through the idempotent writes: a run saves stream by stream, and running it again removes
        # nothing more.
        def run() -> api.PruneImagesResponse:
            options = prune_messages.options(request)
            prune_registry = request.prune_registry if request.HasField("prune_registry") else True
            return prune_messages.response(self.service.pruning.prune(options, request.confirm, prune_registry))

        return await self._call(context, run)

    async def PinTag(self, request: api.PinTagRequest, context: Any) -> Any:
        def run() -> api.PinTagResponse:
            result = self.service.commands.pin_tag(request.namespace, request.stream, request.tag, request.reason)
            assert result.pin is not None
            return api.PinTagResponse(
                pin=convert.tag_pin(request.tag, result.pin), message=result.message, position=result.position
            )

        return await self.writes.run(context, request, api.PinTagResponse, run)

    async def UnpinTag(self, request: api.UnpinTagRequest, context: Any) -> Any:
        def run() -> api.UnpinTagResponse:
            result = self.service.commands.unpin_tag(request.namespace, request.stream, request.tag)
            return api.UnpinTagResponse(message=result.message, position=result.position)

        return await self.writes.run(context, request, api.UnpinTagResponse, run)

    async def GetImageStreamTag(self, request: api.GetImageStreamTagRequest, context: Any) -> Any:
        if request.HasField("as_of"):
            return await self._call(context, lambda: past_reads.get_image_stream_tag(self.service, request))

        def run() -> api.GetImageStreamTagResponse:
            view = self.service.queries.tag(request.namespace, request.stream, request.tag, request.min_position)
            return api.GetImageStreamTagResponse(image_stream_tag=convert.image_stream_tag(view))

        return await self._read(context, run)

    async def ListImageStreamTags(self, request: api.ListImageStreamTagsRequest, context: Any) -> Any:
        if request.HasField("as_of"):
            return await self._call(context, lambda: past_reads.list_image_stream_tags(self.service, request))

        def run() -> api.ListImageStreamTagsResponse:
            limit = page_size(request.page_size)
            after = paging.decode(request.page_token, (str, str))
            views = self.service.queries.tags(
                request.namespace,
                request.stream,
                (after[0], after[1]) if after else None,
                limit,
                request.min_position,
            )
            token = paging.next_page_token(views, limit, lambda v: [v.stream, v.tag])
            return api.ListImageStreamTagsResponse(
                image_stream_tags=[convert.image_stream_tag(v) for v in views], next_page_token=token
            )

        return await self._call(context, run)

    async def ListTagHistory(self, request: api.ListTagHistoryRequest, context: Any) -> Any:
        def run() -> api.ListTagHistoryResponse:
            limit = page_size(request.page_size)
            after = history_paging.decode(request.page_token, request.newest_first)
            filters = HistoryFilter(
                newest_first=request.newest_first,
                actors=tuple(request.actors),
                move_causes=tuple(request.move_causes),
            )
            moves = self.service.queries.tag_history(
                request.namespace, request.stream, request.tag, after, limit, request.min_position, filters
            )
            token = history_paging.next_page_token(moves, limit, request.newest_first)
            return api.ListTagHistoryResponse(
                entries=[convert.tag_history_entry(m) for m in moves], next_page_token=token
            )

        return await self._call(context, run)

    # -- images ---------------------------------------------------------------------------------------------

    async def GetImageStreamImage(self, request: api.GetImageStreamImageRequest, context: Any) -> Any:
        def run() -> api.GetImageStreamImageResponse:
            view = self.service.queries.stream_image(
                request.namespace, request.stream, request.id, request.min_position
            )
            return api.GetImageStreamImageResponse(image_stream_image=convert.stream_image(view))

        return await self._call(context, run)

    async def GetImage(self, request: api.GetImageRequest, context: Any) -> Any:
        def run() -> api.GetImageResponse:
            view = self.service.queries.image(request.name, request.min_position)
            return api.GetImageResponse(image=convert.image(view))

        return await self._call(context, run)

    async def CreateImageStreamMapping(self, request: api.CreateImageStreamMappingRequest, context: Any) -> Any:
        def run() -> api.CreateImageStreamMappingResponse:
            data = MappingInput(
                namespace=request.namespace,
                stream=request.name,
                tag=request.tag,
                digest=request.image.name,
                docker_image_reference=request.image.docker_image_reference,
                metadata=convert.image_metadata_from_pb(request.image),
            )
            return api.CreateImageStreamMappingResponse(position=self.service.commands.create_mapping(data))

        return await self.writes.run(context, request, api.CreateImageStreamMappingResponse, run)
