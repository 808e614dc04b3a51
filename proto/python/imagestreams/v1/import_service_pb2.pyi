from imagestreams.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ImportImageRequest(_message.Message):
    __slots__ = ("namespace", "name", "tag", "all", "confirm", "insecure", "scheduled", "reference_policy", "import_mode")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    ALL_FIELD_NUMBER: _ClassVar[int]
    CONFIRM_FIELD_NUMBER: _ClassVar[int]
    INSECURE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_POLICY_FIELD_NUMBER: _ClassVar[int]
    IMPORT_MODE_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    tag: str
    all: bool
    confirm: bool
    insecure: bool
    scheduled: bool
    reference_policy: _resources_pb2.ReferencePolicyType
    import_mode: _resources_pb2.ImportMode
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., tag: _Optional[str] = ..., all: _Optional[bool] = ..., confirm: _Optional[bool] = ..., insecure: _Optional[bool] = ..., scheduled: _Optional[bool] = ..., reference_policy: _Optional[_Union[_resources_pb2.ReferencePolicyType, str]] = ..., import_mode: _Optional[_Union[_resources_pb2.ImportMode, str]] = ..., **kwargs) -> None: ...

class ImportedTag(_message.Message):
    __slots__ = ("tag", "succeeded", "image", "reason", "message", "changed")
    TAG_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    SUCCEEDED_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    CHANGED_FIELD_NUMBER: _ClassVar[int]
    tag: str
    succeeded: bool
    image: _resources_pb2.Image
    reason: str
    message: str
    changed: bool
    def __init__(self, tag: _Optional[str] = ..., succeeded: _Optional[bool] = ..., image: _Optional[_Union[_resources_pb2.Image, _Mapping]] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., changed: _Optional[bool] = ..., **kwargs) -> None: ...

class ImportImageResponse(_message.Message):
    __slots__ = ("image_stream", "tags", "additional_tags", "dry_run", "position")
    IMAGE_STREAM_FIELD_NUMBER: _ClassVar[int]
    TAGS_FIELD_NUMBER: _ClassVar[int]
    ADDITIONAL_TAGS_FIELD_NUMBER: _ClassVar[int]
    DRY_RUN_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    image_stream: _resources_pb2.ImageStream
    tags: _containers.RepeatedCompositeFieldContainer[ImportedTag]
    additional_tags: _containers.RepeatedScalarFieldContainer[str]
    dry_run: bool
    position: int
    def __init__(self, image_stream: _Optional[_Union[_resources_pb2.ImageStream, _Mapping]] = ..., tags: _Optional[_Iterable[_Union[ImportedTag, _Mapping]]] = ..., additional_tags: _Optional[_Iterable[str]] = ..., dry_run: _Optional[bool] = ..., position: _Optional[int] = ...) -> None: ...
