"""PruneImages between messages and the application: options with OpenShift's defaults, the answer."""

from __future__ import annotations

from datetime import timedelta

from imagestreams.v1 import image_stream_service_pb2 as api

from ..application.pruning import PruneResult
from ..domain.errors import InvalidField
from ..domain.pruning import DEFAULT_KEEP_TAG_REVISIONS, DEFAULT_KEEP_YOUNGER_THAN, PruneOptions
from . import convert


def options(request: api.PruneImagesRequest) -> PruneOptions:
    keep_younger_than = DEFAULT_KEEP_YOUNGER_THAN
    if request.HasField("keep_younger_than"):
        duration = request.keep_younger_than
        if duration.seconds < 0 or duration.nanos < 0 or duration.nanos > 999_999_999:
            raise InvalidField("keep_younger_than", "keep_younger_than must be a non-negative duration")
        if duration.seconds > 10**11:
            raise InvalidField("keep_younger_than", "keep_younger_than must be at most 100 years")
        keep_younger_than = timedelta(seconds=duration.seconds, microseconds=duration.nanos // 1000)
    return PruneOptions(
        keep_tag_revisions=(
            request.keep_tag_revisions if request.HasField("keep_tag_revisions") else DEFAULT_KEEP_TAG_REVISIONS
        ),
        keep_younger_than=keep_younger_than,
        all=request.all if request.HasField("all") else True,
        namespace=request.namespace,
    )


def response(result: PruneResult) -> api.PruneImagesResponse:
    entries = [
        api.PrunedTagEntry(
            namespace=tag.namespace,
            stream=tag.stream,
            tag=tag.tag,
            revision=revision,
            image=item.image,
            docker_image_reference=item.docker_image_reference,
            created=convert.timestamp(item.created),
        )
        for tag in result.tags
        for revision, item in tag.removed
    ]
    images = []
    for image in result.images:
        registry = result.registry.get(image.digest)
        images.append(
            api.PrunedImage(
                name=image.digest,
                docker_image_reference=image.docker_image_reference,
                created=convert.timestamp(image.created),
                registry_repository=registry.repository if registry else "",
                registry_deleted=bool(registry and registry.deleted),
                registry_error=registry.error if registry else "",
            )
        )
    return api.PruneImagesResponse(tag_entries=entries, images=images, dry_run=result.dry_run, position=result.position)
