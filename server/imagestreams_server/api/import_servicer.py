"""The ImportService servicer: `oc import-image` over gRPC."""

from __future__ import annotations

import functools
from concurrent.futures import Executor

import grpc
from google.protobuf import json_format
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams.v1 import resources_pb2 as pb

from ..application.importing import Importing, ImportInput, ImportResult, TagOutcome
from ..application.queries import Queries
from ..importer import ImportedImage
from . import convert
from .idempotent import IdempotentWrites


class ImportServicer(import_grpc.ImportServiceServicer):
    def __init__(self, importing: Importing, queries: Queries, executor: Executor) -> None:
        self.importing = importing
        self.queries = queries
        self.executor = executor
        self.writes = IdempotentWrites(importing.log, executor)

    async def ImportImage(
        self, request: import_api.ImportImageRequest, context: grpc.aio.ServicerContext
    ) -> import_api.ImportImageResponse:
        return await self.writes.run(
            context, request, import_api.ImportImageResponse, functools.partial(self._import, request)
        )

    def _import(self, request: import_api.ImportImageRequest) -> import_api.ImportImageResponse:
        data = ImportInput(
            namespace=request.namespace,
            name=request.name,
            tag=request.tag,
            source=getattr(request, "from"),
            all=request.all,
            confirm=request.confirm,
            insecure=request.insecure,
            scheduled=request.scheduled,
            reference_policy=convert.enum_value(
                convert.REFERENCE_POLICIES, request.reference_policy, "reference_policy"
            ),
            import_mode=convert.enum_value(convert.IMPORT_MODES, request.import_mode, "import_mode"),
        )
        return self._response(self.importing.import_image(data))

    def _response(self, result: ImportResult) -> import_api.ImportImageResponse:
        response = import_api.ImportImageResponse(
            tags=[_imported_tag(o) for o in result.outcomes],
            additional_tags=result.additional_tags,
            dry_run=result.dry_run,
            position=result.position,
        )
        if result.stream is not None:
            repository = self.queries.status_repository(result.stream)
            public = self.queries.public_repository(result.stream)
            response.image_stream.CopyFrom(
                convert.image_stream(result.stream, result.stream_position, repository, public)
            )
        return response


def _imported_tag(outcome: TagOutcome) -> import_api.ImportedTag:
    message = import_api.ImportedTag(tag=outcome.tag, succeeded=outcome.failure is None, changed=outcome.changed)
    setattr(message, "from", outcome.source)
    if outcome.image is not None:
        message.image.CopyFrom(_image(outcome.image))
    if outcome.failure is not None:
        message.reason = outcome.failure.reason
        message.message = outcome.failure.message
    return message


def _image(image: ImportedImage) -> pb.Image:
    message = pb.Image()
    json_format.ParseDict(image.metadata, message, ignore_unknown_fields=True)
    message.name = image.digest
    message.docker_image_reference = image.docker_image_reference
    message.metadata_known = True
    return message
