"""A typed, blocking client of imagestreams.v1.ImageStreamService (and ImportService): one method per RPC."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import timedelta

import grpc
from google.protobuf import field_mask_pb2
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams.v1 import resources_pb2 as pb

from .connection import Connection


class Client(Connection):
    """Talks to one server: plain, or TLS with `tls` (or an `https://` address), sending `token` as
    `authorization: Bearer TOKEN` on every call. Every method returns the RPC's response message and raises
    `ImageStreamsError` for any failed call. `timeout` (seconds) is the deadline of each call.

        with Client("127.0.0.1:50051", token=token) as client:
            client.create_image_stream(pb.ImageStream(namespace="default", name="ruby"))
    """

    def _open_stubs(self, channel: grpc.Channel) -> None:
        # grpc's generated stubs carry no type information (no .pyi is generated for *_pb2_grpc.py).
        self._stub = api_grpc.ImageStreamServiceStub(channel)  # type: ignore[no-untyped-call]
        self._import_stub = import_grpc.ImportServiceStub(channel)  # type: ignore[no-untyped-call]

    # -- streams --------------------------------------------------------------------------------------------

    def create_image_stream(self, image_stream: pb.ImageStream) -> api.CreateImageStreamResponse:
        request = api.CreateImageStreamRequest(image_stream=image_stream)
        return self._call(self._stub.CreateImageStream, request, api.CreateImageStreamResponse)

    def get_image_stream(
        self, namespace: str, name: str, *, min_position: int = 0, as_of: api.AsOf | None = None
    ) -> api.GetImageStreamResponse:
        """The stream now, or as it was at `as_of` (a log position or a time)."""
        request = api.GetImageStreamRequest(namespace=namespace, name=name, min_position=min_position, as_of=as_of)
        return self._call(self._stub.GetImageStream, request, api.GetImageStreamResponse)

    def list_image_streams(
        self, namespace: str = "", *, page_size: int = 0, page_token: str = "", min_position: int = 0
    ) -> api.ListImageStreamsResponse:
        """One page of streams; an empty namespace lists every namespace."""
        request = api.ListImageStreamsRequest(
            namespace=namespace, page_size=page_size, page_token=page_token, min_position=min_position
        )
        return self._call(self._stub.ListImageStreams, request, api.ListImageStreamsResponse)

    def list_builder_images(
        self, namespace: str = "", *, supports: str = "", include_hidden: bool = False, min_position: int = 0
    ) -> api.ListBuilderImagesResponse:
        """The builder catalog of a namespace (of every namespace you may list when empty)."""
        request = api.ListBuilderImagesRequest(
            namespace=namespace, supports=supports, include_hidden=include_hidden, min_position=min_position
        )
        return self._call(self._stub.ListBuilderImages, request, api.ListBuilderImagesResponse)

    def update_image_stream(
        self, image_stream: pb.ImageStream, *, update_mask: Iterable[str] = (), expected_position: int = 0
    ) -> api.UpdateImageStreamResponse:
        request = api.UpdateImageStreamRequest(
            image_stream=image_stream,
            update_mask=field_mask_pb2.FieldMask(paths=list(update_mask)),
            expected_position=expected_position,
        )
        return self._call(self._stub.UpdateImageStream, request, api.UpdateImageStreamResponse)

    def delete_image_stream(
        self, namespace: str, name: str, *, expected_position: int = 0
    ) -> api.DeleteImageStreamResponse:
        request = api.DeleteImageStreamRequest(namespace=namespace, name=name, expected_position=expected_position)
        return self._call(self._stub.DeleteImageStream, request, api.DeleteImageStreamResponse)

    def describe_image_stream(
        self, namespace: str, name: str, *, min_position: int = 0, as_of: api.AsOf | None = None
    ) -> api.DescribeImageStreamResponse:
        request = api.DescribeImageStreamRequest(namespace=namespace, name=name, min_position=min_position, as_of=as_of)
        return self._call(self._stub.DescribeImageStream, request, api.DescribeImageStreamResponse)

    # -- tags -----------------------------------------------------------------------------------------------

    def tag(
        self,
        namespace: str,
        source: pb.ObjectReference,
        destinations: Iterable[api.TagDestination],
        *,
        alias: bool = False,
        scheduled: bool = False,
        insecure: bool = False,
        reference_policy: pb.ReferencePolicyType = pb.REFERENCE_POLICY_TYPE_UNSPECIFIED,
        reference: bool = False,
        annotations: Mapping[str, str] | None = None,
        import_mode: pb.ImportMode = pb.IMPORT_MODE_UNSPECIFIED,
        keep_source: bool = False,
        from_manifest: bool = False,
    ) -> api.TagResponse:
        request = api.TagRequest(
            namespace=namespace,
            source=source,
            destinations=list(destinations),
            alias=alias,
            scheduled=scheduled,
            insecure=insecure,
            reference_policy=reference_policy,
            reference=reference,
            annotations=dict(annotations or {}),
            import_mode=import_mode,
            keep_source=keep_source,
            from_manifest=from_manifest,
        )
        return self._call(self._stub.Tag, request, api.TagResponse)

    def rollback_tag(
        self,
        namespace: str,
        stream: str,
        tag: str,
        *,
        to_revision: int = 0,
        to_image: str = "",
        as_of: api.AsOf | None = None,
    ) -> api.RollbackTagResponse:
        """Points a tag back at an earlier image of its history (by default the one before the current; or
        the image it had at `as_of`)."""
        request = api.RollbackTagRequest(
            namespace=namespace, stream=stream, tag=tag, to_revision=to_revision, to_image=to_image, as_of=as_of
        )
        return self._call(self._stub.RollbackTag, request, api.RollbackTagResponse)

    def prune_images(
        self,
        *,
        keep_tag_revisions: int | None = None,
        keep_younger_than: timedelta | None = None,
        all: bool | None = None,  # the flag's name, as `oc adm prune images --all`
        confirm: bool = False,
        namespace: str = "",
        prune_registry: bool | None = None,
    ) -> api.PruneImagesResponse:
        """Prunes as `oc adm prune images` does; a dry run unless `confirm`. None: the server's default (3
        revisions, 60 minutes, all images, manifests deleted in the registry the service fronts)."""
        request = api.PruneImagesRequest(confirm=confirm, namespace=namespace)
        if prune_registry is not None:
            request.prune_registry = prune_registry
        if keep_tag_revisions is not None:
            request.keep_tag_revisions = keep_tag_revisions
        if keep_younger_than is not None:
            request.keep_younger_than.FromTimedelta(keep_younger_than)
        if all is not None:
            request.all = all
        return self._call(self._stub.PruneImages, request, api.PruneImagesResponse)

    def pin_tag(self, namespace: str, stream: str, tag: str, reason: str = "") -> api.PinTagResponse:
        """Holds a tag where it is: imports, pushes and alias follows leave it alone until it is unpinned."""
        request = api.PinTagRequest(namespace=namespace, stream=stream, tag=tag, reason=reason)
        return self._call(self._stub.PinTag, request, api.PinTagResponse)

    def unpin_tag(self, namespace: str, stream: str, tag: str) -> api.UnpinTagResponse:
        request = api.UnpinTagRequest(namespace=namespace, stream=stream, tag=tag)
        return self._call(self._stub.UnpinTag, request, api.UnpinTagResponse)

    def delete_tag(self, namespace: str, stream: str, tag: str) -> api.DeleteTagResponse:
        request = api.DeleteTagRequest(namespace=namespace, stream=stream, tag=tag)
        return self._call(self._stub.DeleteTag, request, api.DeleteTagResponse)

    def get_image_stream_tag(
        self, namespace: str, stream: str, tag: str, *, min_position: int = 0, as_of: api.AsOf | None = None
    ) -> api.GetImageStreamTagResponse:
        request = api.GetImageStreamTagRequest(
            namespace=namespace, stream=stream, tag=tag, min_position=min_position, as_of=as_of
        )
        return self._call(self._stub.GetImageStreamTag, request, api.GetImageStreamTagResponse)

    def list_image_stream_tags(
        self, namespace: str, stream: str = "", *, page_size: int = 0, page_token: str = "", min_position: int = 0
    ) -> api.ListImageStreamTagsResponse:
        """One page of tags; an empty stream lists the tags of every stream of the namespace."""
        request = api.ListImageStreamTagsRequest(
            namespace=namespace, stream=stream, page_size=page_size, page_token=page_token, min_position=min_position
        )
        return self._call(self._stub.ListImageStreamTags, request, api.ListImageStreamTagsResponse)

    def list_tag_history(
        self,
        namespace: str,
        stream: str,
        tag: str = "",
        *,
        page_size: int = 0,
        page_token: str = "",
        min_position: int = 0,
        newest_first: bool = False,
        actors: Iterable[str] = (),
        move_causes: Iterable[str] = (),
    ) -> api.ListTagHistoryResponse:
        """One page of a tag's moves, oldest first (or newest first), by any actor and cause unless some are
        named; an empty tag lists the moves of every tag of the stream."""
        request = api.ListTagHistoryRequest(
            namespace=namespace,
            stream=stream,
            tag=tag,
            page_size=page_size,
            page_token=page_token,
            min_position=min_position,
            newest_first=newest_first,
            actors=list(actors),
            move_causes=list(move_causes),
        )
        return self._call(self._stub.ListTagHistory, request, api.ListTagHistoryResponse)

    # -- images ---------------------------------------------------------------------------------------------

    def get_image_stream_image(
        self, namespace: str, stream: str, id: str, *, min_position: int = 0
    ) -> api.GetImageStreamImageResponse:
        """`id` is a digest or a unique prefix of one, with or without `sha256:`."""
        request = api.GetImageStreamImageRequest(namespace=namespace, stream=stream, id=id, min_position=min_position)
        return self._call(self._stub.GetImageStreamImage, request, api.GetImageStreamImageResponse)

    def get_image(self, name: str, *, min_position: int = 0) -> api.GetImageResponse:
        request = api.GetImageRequest(name=name, min_position=min_position)
        return self._call(self._stub.GetImage, request, api.GetImageResponse)

    def create_image_stream_mapping(
        self, namespace: str, name: str, tag: str, image: pb.Image
    ) -> api.CreateImageStreamMappingResponse:
        """Records `image` at `name:tag`, as a registry does after a push (the stream is created if missing)."""
        request = api.CreateImageStreamMappingRequest(namespace=namespace, name=name, tag=tag, image=image)
        return self._call(self._stub.CreateImageStreamMapping, request, api.CreateImageStreamMappingResponse)

    # -- importing (ImportService) ------------------------------------------------------------------------

    def import_image(
        self,
        namespace: str,
        name: str,
        *,
        tag: str = "",
        source: str = "",
        all: bool = False,
        confirm: bool = False,
        insecure: bool = False,
        scheduled: bool = False,
        reference_policy: pb.ReferencePolicyType = pb.REFERENCE_POLICY_TYPE_UNSPECIFIED,
        import_mode: pb.ImportMode = pb.IMPORT_MODE_UNSPECIFIED,
        timeout: float | None = None,
    ) -> import_api.ImportImageResponse:
        """Imports `tag` (or, with `all`, every tag of the repository) from a registry into the stream.
        `source` is the registry pull spec (the request's `from`). Nothing is written unless `confirm`.
        Reading a registry can take long: `timeout` (seconds) overrides the client's deadline for this call."""
        request = import_api.ImportImageRequest(
            namespace=namespace,
            name=name,
            tag=tag,
            all=all,
            confirm=confirm,
            insecure=insecure,
            scheduled=scheduled,
            reference_policy=reference_policy,
            import_mode=import_mode,
        )
        setattr(request, "from", source)  # `from` is a Python keyword
        return self._call(self._import_stub.ImportImage, request, import_api.ImportImageResponse, timeout)

    # -- every page -----------------------------------------------------------------------------------------

    def iter_image_streams(self, namespace: str = "", *, page_size: int = 0) -> Iterator[pb.ImageStream]:
        """Every stream, following page tokens."""
        token = ""
        while True:
            page = self.list_image_streams(namespace, page_size=page_size, page_token=token)
            yield from page.image_streams
            token = page.next_page_token
            if not token:
                return

    def iter_image_stream_tags(
        self, namespace: str, stream: str = "", *, page_size: int = 0
    ) -> Iterator[pb.ImageStreamTag]:
        token = ""
        while True:
            page = self.list_image_stream_tags(namespace, stream, page_size=page_size, page_token=token)
            yield from page.image_stream_tags
            token = page.next_page_token
            if not token:
                return

    def iter_tag_history(
        self,
        namespace: str,
        stream: str,
        tag: str = "",
        *,
        page_size: int = 0,
        newest_first: bool = False,
        actors: Iterable[str] = (),
        move_causes: Iterable[str] = (),
    ) -> Iterator[pb.TagHistoryEntry]:
        token = ""
        filters = {"newest_first": newest_first, "actors": list(actors), "move_causes": list(move_causes)}
        while True:
            page = self.list_tag_history(namespace, stream, tag, page_size=page_size, page_token=token, **filters)
            yield from page.entries
            token = page.next_page_token
            if not token:
                return
