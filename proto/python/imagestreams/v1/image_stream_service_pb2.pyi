import datetime

from google.protobuf import duration_pb2 as _duration_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from imagestreams.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class CreateImageStreamRequest(_message.Message):
    __slots__ = ("image_stream",)
    IMAGE_STREAM_FIELD_NUMBER: _ClassVar[int]
    image_stream: _resources_pb2.ImageStream
    def __init__(self, image_stream: _Optional[_Union[_resources_pb2.ImageStream, _Mapping]] = ...) -> None: ...

class CreateImageStreamResponse(_message.Message):
    __slots__ = ("image_stream", "position")
    IMAGE_STREAM_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    image_stream: _resources_pb2.ImageStream
    position: int
    def __init__(self, image_stream: _Optional[_Union[_resources_pb2.ImageStream, _Mapping]] = ..., position: _Optional[int] = ...) -> None: ...

class AsOf(_message.Message):
    __slots__ = ("position", "time")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    position: int
    time: _timestamp_pb2.Timestamp
    def __init__(self, position: _Optional[int] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class GetImageStreamRequest(_message.Message):
    __slots__ = ("namespace", "name", "min_position", "as_of")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    min_position: int
    as_of: AsOf
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., min_position: _Optional[int] = ..., as_of: _Optional[_Union[AsOf, _Mapping]] = ...) -> None: ...

class GetImageStreamResponse(_message.Message):
    __slots__ = ("image_stream",)
    IMAGE_STREAM_FIELD_NUMBER: _ClassVar[int]
    image_stream: _resources_pb2.ImageStream
    def __init__(self, image_stream: _Optional[_Union[_resources_pb2.ImageStream, _Mapping]] = ...) -> None: ...

class ListImageStreamsRequest(_message.Message):
    __slots__ = ("namespace", "page_size", "page_token", "min_position")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    page_size: int
    page_token: str
    min_position: int
    def __init__(self, namespace: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class ListImageStreamsResponse(_message.Message):
    __slots__ = ("image_streams", "next_page_token")
    IMAGE_STREAMS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    image_streams: _containers.RepeatedCompositeFieldContainer[_resources_pb2.ImageStream]
    next_page_token: str
    def __init__(self, image_streams: _Optional[_Iterable[_Union[_resources_pb2.ImageStream, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class UpdateImageStreamRequest(_message.Message):
    __slots__ = ("image_stream", "update_mask", "expected_position")
    IMAGE_STREAM_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_POSITION_FIELD_NUMBER: _ClassVar[int]
    image_stream: _resources_pb2.ImageStream
    update_mask: _field_mask_pb2.FieldMask
    expected_position: int
    def __init__(self, image_stream: _Optional[_Union[_resources_pb2.ImageStream, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ..., expected_position: _Optional[int] = ...) -> None: ...

class UpdateImageStreamResponse(_message.Message):
    __slots__ = ("image_stream", "position")
    IMAGE_STREAM_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    image_stream: _resources_pb2.ImageStream
    position: int
    def __init__(self, image_stream: _Optional[_Union[_resources_pb2.ImageStream, _Mapping]] = ..., position: _Optional[int] = ...) -> None: ...

class DeleteImageStreamRequest(_message.Message):
    __slots__ = ("namespace", "name", "expected_position")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    EXPECTED_POSITION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    expected_position: int
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., expected_position: _Optional[int] = ...) -> None: ...

class DeleteImageStreamResponse(_message.Message):
    __slots__ = ("position",)
    POSITION_FIELD_NUMBER: _ClassVar[int]
    position: int
    def __init__(self, position: _Optional[int] = ...) -> None: ...

class DescribeImageStreamRequest(_message.Message):
    __slots__ = ("namespace", "name", "min_position", "as_of")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    min_position: int
    as_of: AsOf
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., min_position: _Optional[int] = ..., as_of: _Optional[_Union[AsOf, _Mapping]] = ...) -> None: ...

class DescribeImageStreamResponse(_message.Message):
    __slots__ = ("image_stream", "unique_images", "tags", "image_repository", "public_docker_image_repository", "pins", "skipped_moves")
    IMAGE_STREAM_FIELD_NUMBER: _ClassVar[int]
    UNIQUE_IMAGES_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    IMAGE_REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_DOCKER_IMAGE_REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    PINS_FIELD_NUMBER: _ClassVar[int]
    SKIPPED_MOVES_FIELD_NUMBER: _ClassVar[int]
    image_stream: _resources_pb2.ImageStream
    unique_images: int
    tags: _containers.RepeatedCompositeFieldContainer[_resources_pb2.DescribedTag]
    image_repository: str
    public_docker_image_repository: str
    pins: _containers.RepeatedCompositeFieldContainer[_resources_pb2.TagPin]
    skipped_moves: _containers.RepeatedCompositeFieldContainer[_resources_pb2.SkippedMove]
    def __init__(self, image_stream: _Optional[_Union[_resources_pb2.ImageStream, _Mapping]] = ..., unique_images: _Optional[int] = ..., tags: _Optional[_Iterable[_Union[_resources_pb2.DescribedTag, _Mapping]]] = ..., image_repository: _Optional[str] = ..., public_docker_image_repository: _Optional[str] = ..., pins: _Optional[_Iterable[_Union[_resources_pb2.TagPin, _Mapping]]] = ..., skipped_moves: _Optional[_Iterable[_Union[_resources_pb2.SkippedMove, _Mapping]]] = ...) -> None: ...

class TagDestination(_message.Message):
    __slots__ = ("namespace", "stream", "tag")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    tag: str
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., tag: _Optional[str] = ...) -> None: ...

class TagRequest(_message.Message):
    __slots__ = ("namespace", "source", "destinations", "alias", "scheduled", "insecure", "reference_policy", "reference", "annotations", "import_mode", "keep_source", "from_manifest")
    class AnnotationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    SOURCE_FIELD_NUMBER: _ClassVar[int]
    DESTINATIONS_FIELD_NUMBER: _ClassVar[int]
    ALIAS_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_FIELD_NUMBER: _ClassVar[int]
    INSECURE_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_POLICY_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    IMPORT_MODE_FIELD_NUMBER: _ClassVar[int]
    KEEP_SOURCE_FIELD_NUMBER: _ClassVar[int]
    FROM_MANIFEST_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    source: _resources_pb2.ObjectReference
    destinations: _containers.RepeatedCompositeFieldContainer[TagDestination]
    alias: bool
    scheduled: bool
    insecure: bool
    reference_policy: _resources_pb2.ReferencePolicyType
    reference: bool
    annotations: _containers.ScalarMap[str, str]
    import_mode: _resources_pb2.ImportMode
    keep_source: bool
    from_manifest: bool
    def __init__(self, namespace: _Optional[str] = ..., source: _Optional[_Union[_resources_pb2.ObjectReference, _Mapping]] = ..., destinations: _Optional[_Iterable[_Union[TagDestination, _Mapping]]] = ..., alias: _Optional[bool] = ..., scheduled: _Optional[bool] = ..., insecure: _Optional[bool] = ..., reference_policy: _Optional[_Union[_resources_pb2.ReferencePolicyType, str]] = ..., reference: _Optional[bool] = ..., annotations: _Optional[_Mapping[str, str]] = ..., import_mode: _Optional[_Union[_resources_pb2.ImportMode, str]] = ..., keep_source: _Optional[bool] = ..., from_manifest: _Optional[bool] = ...) -> None: ...

class TagResponse(_message.Message):
    __slots__ = ("tags", "messages", "position")
    TAGS_FIELD_NUMBER: _ClassVar[int]
    MESSAGES_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    tags: _containers.RepeatedCompositeFieldContainer[_resources_pb2.TagReference]
    messages: _containers.RepeatedScalarFieldContainer[str]
    position: int
    def __init__(self, tags: _Optional[_Iterable[_Union[_resources_pb2.TagReference, _Mapping]]] = ..., messages: _Optional[_Iterable[str]] = ..., position: _Optional[int] = ...) -> None: ...

class DeleteTagRequest(_message.Message):
    __slots__ = ("namespace", "stream", "tag")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    tag: str
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., tag: _Optional[str] = ...) -> None: ...

class DeleteTagResponse(_message.Message):
    __slots__ = ("position",)
    POSITION_FIELD_NUMBER: _ClassVar[int]
    position: int
    def __init__(self, position: _Optional[int] = ...) -> None: ...

class PinTagRequest(_message.Message):
    __slots__ = ("namespace", "stream", "tag", "reason")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    tag: str
    reason: str
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., tag: _Optional[str] = ..., reason: _Optional[str] = ...) -> None: ...

class PinTagResponse(_message.Message):
    __slots__ = ("pin", "message", "position")
    PIN_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    pin: _resources_pb2.TagPin
    message: str
    position: int
    def __init__(self, pin: _Optional[_Union[_resources_pb2.TagPin, _Mapping]] = ..., message: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class UnpinTagRequest(_message.Message):
    __slots__ = ("namespace", "stream", "tag")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    tag: str
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., tag: _Optional[str] = ...) -> None: ...

class UnpinTagResponse(_message.Message):
    __slots__ = ("message", "position")
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    message: str
    position: int
    def __init__(self, message: _Optional[str] = ..., position: _Optional[int] = ...) -> None: ...

class RollbackTagRequest(_message.Message):
    __slots__ = ("namespace", "stream", "tag", "to_revision", "to_image", "as_of")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    TO_REVISION_FIELD_NUMBER: _ClassVar[int]
    TO_IMAGE_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    tag: str
    to_revision: int
    to_image: str
    as_of: AsOf
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., tag: _Optional[str] = ..., to_revision: _Optional[int] = ..., to_image: _Optional[str] = ..., as_of: _Optional[_Union[AsOf, _Mapping]] = ...) -> None: ...

class RollbackTagResponse(_message.Message):
    __slots__ = ("tag", "message", "position", "revision", "image", "stopped_tracking")
    TAG_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    STOPPED_TRACKING_FIELD_NUMBER: _ClassVar[int]
    tag: _resources_pb2.TagReference
    message: str
    position: int
    revision: int
    image: str
    stopped_tracking: str
    def __init__(self, tag: _Optional[_Union[_resources_pb2.TagReference, _Mapping]] = ..., message: _Optional[str] = ..., position: _Optional[int] = ..., revision: _Optional[int] = ..., image: _Optional[str] = ..., stopped_tracking: _Optional[str] = ...) -> None: ...

class GetImageStreamTagRequest(_message.Message):
    __slots__ = ("namespace", "stream", "tag", "min_position", "as_of")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    tag: str
    min_position: int
    as_of: AsOf
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., tag: _Optional[str] = ..., min_position: _Optional[int] = ..., as_of: _Optional[_Union[AsOf, _Mapping]] = ...) -> None: ...

class GetImageStreamTagResponse(_message.Message):
    __slots__ = ("image_stream_tag",)
    IMAGE_STREAM_TAG_FIELD_NUMBER: _ClassVar[int]
    image_stream_tag: _resources_pb2.ImageStreamTag
    def __init__(self, image_stream_tag: _Optional[_Union[_resources_pb2.ImageStreamTag, _Mapping]] = ...) -> None: ...

class ListImageStreamTagsRequest(_message.Message):
    __slots__ = ("namespace", "stream", "page_size", "page_token", "min_position", "as_of")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    AS_OF_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    page_size: int
    page_token: str
    min_position: int
    as_of: AsOf
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., min_position: _Optional[int] = ..., as_of: _Optional[_Union[AsOf, _Mapping]] = ...) -> None: ...

class ListImageStreamTagsResponse(_message.Message):
    __slots__ = ("image_stream_tags", "next_page_token")
    IMAGE_STREAM_TAGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    image_stream_tags: _containers.RepeatedCompositeFieldContainer[_resources_pb2.ImageStreamTag]
    next_page_token: str
    def __init__(self, image_stream_tags: _Optional[_Iterable[_Union[_resources_pb2.ImageStreamTag, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListTagHistoryRequest(_message.Message):
    __slots__ = ("namespace", "stream", "tag", "page_size", "page_token", "min_position", "newest_first", "actors", "move_causes")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    NEWEST_FIRST_FIELD_NUMBER: _ClassVar[int]
    ACTORS_FIELD_NUMBER: _ClassVar[int]
    MOVE_CAUSES_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    tag: str
    page_size: int
    page_token: str
    min_position: int
    newest_first: bool
    actors: _containers.RepeatedScalarFieldContainer[str]
    move_causes: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., tag: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., min_position: _Optional[int] = ..., newest_first: _Optional[bool] = ..., actors: _Optional[_Iterable[str]] = ..., move_causes: _Optional[_Iterable[str]] = ...) -> None: ...

class ListTagHistoryResponse(_message.Message):
    __slots__ = ("entries", "next_page_token")
    ENTRIES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    entries: _containers.RepeatedCompositeFieldContainer[_resources_pb2.TagHistoryEntry]
    next_page_token: str
    def __init__(self, entries: _Optional[_Iterable[_Union[_resources_pb2.TagHistoryEntry, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetImageStreamImageRequest(_message.Message):
    __slots__ = ("namespace", "stream", "id", "min_position")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    id: str
    min_position: int
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., id: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class GetImageStreamImageResponse(_message.Message):
    __slots__ = ("image_stream_image",)
    IMAGE_STREAM_IMAGE_FIELD_NUMBER: _ClassVar[int]
    image_stream_image: _resources_pb2.ImageStreamImage
    def __init__(self, image_stream_image: _Optional[_Union[_resources_pb2.ImageStreamImage, _Mapping]] = ...) -> None: ...

class GetImageRequest(_message.Message):
    __slots__ = ("name", "min_position")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    name: str
    min_position: int
    def __init__(self, name: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class GetImageResponse(_message.Message):
    __slots__ = ("image",)
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    image: _resources_pb2.Image
    def __init__(self, image: _Optional[_Union[_resources_pb2.Image, _Mapping]] = ...) -> None: ...

class CreateImageStreamMappingRequest(_message.Message):
    __slots__ = ("namespace", "name", "tag", "image")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    tag: str
    image: _resources_pb2.Image
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., tag: _Optional[str] = ..., image: _Optional[_Union[_resources_pb2.Image, _Mapping]] = ...) -> None: ...

class CreateImageStreamMappingResponse(_message.Message):
    __slots__ = ("position",)
    POSITION_FIELD_NUMBER: _ClassVar[int]
    position: int
    def __init__(self, position: _Optional[int] = ...) -> None: ...

class ListBuilderImagesRequest(_message.Message):
    __slots__ = ("namespace", "supports", "include_hidden", "min_position")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_HIDDEN_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    supports: str
    include_hidden: bool
    min_position: int
    def __init__(self, namespace: _Optional[str] = ..., supports: _Optional[str] = ..., include_hidden: _Optional[bool] = ..., min_position: _Optional[int] = ...) -> None: ...

class BuilderImage(_message.Message):
    __slots__ = ("namespace", "stream", "tag", "display_name", "provider_display_name", "description", "icon_class", "sample_repo", "version", "supports", "deprecated", "hidden", "image", "pull_spec", "exact_match")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_DISPLAY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    ICON_CLASS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_REPO_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    SUPPORTS_FIELD_NUMBER: _ClassVar[int]
    DEPRECATED_FIELD_NUMBER: _ClassVar[int]
    HIDDEN_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    PULL_SPEC_FIELD_NUMBER: _ClassVar[int]
    EXACT_MATCH_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    tag: str
    display_name: str
    provider_display_name: str
    description: str
    icon_class: str
    sample_repo: str
    version: str
    supports: _containers.RepeatedScalarFieldContainer[str]
    deprecated: bool
    hidden: bool
    image: str
    pull_spec: str
    exact_match: bool
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., tag: _Optional[str] = ..., display_name: _Optional[str] = ..., provider_display_name: _Optional[str] = ..., description: _Optional[str] = ..., icon_class: _Optional[str] = ..., sample_repo: _Optional[str] = ..., version: _Optional[str] = ..., supports: _Optional[_Iterable[str]] = ..., deprecated: _Optional[bool] = ..., hidden: _Optional[bool] = ..., image: _Optional[str] = ..., pull_spec: _Optional[str] = ..., exact_match: _Optional[bool] = ...) -> None: ...

class ListBuilderImagesResponse(_message.Message):
    __slots__ = ("builder_images", "truncated")
    BUILDER_IMAGES_FIELD_NUMBER: _ClassVar[int]
    TRUNCATED_FIELD_NUMBER: _ClassVar[int]
    builder_images: _containers.RepeatedCompositeFieldContainer[BuilderImage]
    truncated: bool
    def __init__(self, builder_images: _Optional[_Iterable[_Union[BuilderImage, _Mapping]]] = ..., truncated: _Optional[bool] = ...) -> None: ...

class PruneImagesRequest(_message.Message):
    __slots__ = ("keep_tag_revisions", "keep_younger_than", "all", "confirm", "namespace", "prune_registry")
    KEEP_TAG_REVISIONS_FIELD_NUMBER: _ClassVar[int]
    KEEP_YOUNGER_THAN_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    PRUNE_REGISTRY_FIELD_NUMBER: _ClassVar[int]
    keep_tag_revisions: int
    keep_younger_than: _duration_pb2.Duration
    all: bool
    confirm: bool
    namespace: str
    prune_registry: bool
    def __init__(self, keep_tag_revisions: _Optional[int] = ..., keep_younger_than: _Optional[_Union[datetime.timedelta, _duration_pb2.Duration, _Mapping]] = ..., all: _Optional[bool] = ..., confirm: _Optional[bool] = ..., namespace: _Optional[str] = ..., prune_registry: _Optional[bool] = ...) -> None: ...

class PrunedTagEntry(_message.Message):
    __slots__ = ("namespace", "stream", "tag", "revision", "image", "docker_image_reference", "created")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    REVISION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    DOCKER_IMAGE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    tag: str
    revision: int
    image: str
    docker_image_reference: str
    created: _timestamp_pb2.Timestamp
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., tag: _Optional[str] = ..., revision: _Optional[int] = ..., image: _Optional[str] = ..., docker_image_reference: _Optional[str] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class PrunedImage(_message.Message):
    __slots__ = ("name", "docker_image_reference", "created", "registry_repository", "registry_deleted", "registry_error")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DOCKER_IMAGE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    REGISTRY_REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    REGISTRY_DELETED_FIELD_NUMBER: _ClassVar[int]
    REGISTRY_ERROR_FIELD_NUMBER: _ClassVar[int]
    name: str
    docker_image_reference: str
    created: _timestamp_pb2.Timestamp
    registry_repository: str
    registry_deleted: bool
    registry_error: str
    def __init__(self, name: _Optional[str] = ..., docker_image_reference: _Optional[str] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., registry_repository: _Optional[str] = ..., registry_deleted: _Optional[bool] = ..., registry_error: _Optional[str] = ...) -> None: ...

class PruneImagesResponse(_message.Message):
    __slots__ = ("tag_entries", "images", "dry_run", "position")
    TAG_ENTRIES_FIELD_NUMBER: _ClassVar[int]
    IMAGES_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    tag_entries: _containers.RepeatedCompositeFieldContainer[PrunedTagEntry]
    images: _containers.RepeatedCompositeFieldContainer[PrunedImage]
    dry_run: bool
    position: int
    def __init__(self, tag_entries: _Optional[_Iterable[_Union[PrunedTagEntry, _Mapping]]] = ..., images: _Optional[_Iterable[_Union[PrunedImage, _Mapping]]] = ..., dry_run: _Optional[bool] = ..., position: _Optional[int] = ...) -> None: ...
