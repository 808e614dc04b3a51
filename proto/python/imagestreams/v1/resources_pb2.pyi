import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SourceKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SOURCE_KIND_UNSPECIFIED: _ClassVar[SourceKind]
    SOURCE_KIND_DOCKER_IMAGE: _ClassVar[SourceKind]
    SOURCE_KIND_IMAGE_STREAM_TAG: _ClassVar[SourceKind]
    SOURCE_KIND_IMAGE_STREAM_IMAGE: _ClassVar[SourceKind]

class ReferencePolicyType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REFERENCE_POLICY_TYPE_UNSPECIFIED: _ClassVar[ReferencePolicyType]
    REFERENCE_POLICY_TYPE_SOURCE: _ClassVar[ReferencePolicyType]
    REFERENCE_POLICY_TYPE_LOCAL: _ClassVar[ReferencePolicyType]

class ImportMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    IMPORT_MODE_UNSPECIFIED: _ClassVar[ImportMode]
    IMPORT_MODE_LEGACY: _ClassVar[ImportMode]
    IMPORT_MODE_PRESERVE_ORIGINAL: _ClassVar[ImportMode]
SOURCE_KIND_UNSPECIFIED: SourceKind
SOURCE_KIND_DOCKER_IMAGE: SourceKind
SOURCE_KIND_IMAGE_STREAM_TAG: SourceKind
SOURCE_KIND_IMAGE_STREAM_IMAGE: SourceKind
REFERENCE_POLICY_TYPE_UNSPECIFIED: ReferencePolicyType
REFERENCE_POLICY_TYPE_SOURCE: ReferencePolicyType
REFERENCE_POLICY_TYPE_LOCAL: ReferencePolicyType
IMPORT_MODE_UNSPECIFIED: ImportMode
IMPORT_MODE_LEGACY: ImportMode
IMPORT_MODE_PRESERVE_ORIGINAL: ImportMode

class ObjectReference(_message.Message):
    __slots__ = ("kind", "namespace", "name")
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    kind: SourceKind
    namespace: str
    name: str
    def __init__(self, kind: _Optional[_Union[SourceKind, str]] = ..., namespace: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class TagImportPolicy(_message.Message):
    __slots__ = ("insecure", "scheduled", "import_mode")
    INSECURE_FIELD_NUMBER: _ClassVar[int]
    SCHEDULED_FIELD_NUMBER: _ClassVar[int]
    IMPORT_MODE_FIELD_NUMBER: _ClassVar[int]
    insecure: bool
    scheduled: bool
    import_mode: ImportMode
    def __init__(self, insecure: _Optional[bool] = ..., scheduled: _Optional[bool] = ..., import_mode: _Optional[_Union[ImportMode, str]] = ...) -> None: ...

class TagReferencePolicy(_message.Message):
    __slots__ = ("type",)
    TYPE_FIELD_NUMBER: _ClassVar[int]
    type: ReferencePolicyType
    def __init__(self, type: _Optional[_Union[ReferencePolicyType, str]] = ...) -> None: ...

class TagReference(_message.Message):
    __slots__ = ("name", "annotations", "reference", "generation", "import_policy", "reference_policy")
    class AnnotationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    FROM_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    IMPORT_POLICY_FIELD_NUMBER: _ClassVar[int]
    REFERENCE_POLICY_FIELD_NUMBER: _ClassVar[int]
    name: str
    annotations: _containers.ScalarMap[str, str]
    reference: bool
    generation: int
    import_policy: TagImportPolicy
    reference_policy: TagReferencePolicy
    def __init__(self, name: _Optional[str] = ..., annotations: _Optional[_Mapping[str, str]] = ..., reference: _Optional[bool] = ..., generation: _Optional[int] = ..., import_policy: _Optional[_Union[TagImportPolicy, _Mapping]] = ..., reference_policy: _Optional[_Union[TagReferencePolicy, _Mapping]] = ..., **kwargs) -> None: ...

class TagEvent(_message.Message):
    __slots__ = ("create_time", "docker_image_reference", "image", "generation")
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    DOCKER_IMAGE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    create_time: _timestamp_pb2.Timestamp
    docker_image_reference: str
    image: str
    generation: int
    def __init__(self, create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., docker_image_reference: _Optional[str] = ..., image: _Optional[str] = ..., generation: _Optional[int] = ...) -> None: ...

class TagEventCondition(_message.Message):
    __slots__ = ("type", "status", "last_transition_time", "reason", "message", "generation")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    LAST_TRANSITION_TIME_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    MESSAGE_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    type: str
    status: str
    last_transition_time: _timestamp_pb2.Timestamp
    reason: str
    message: str
    generation: int
    def __init__(self, type: _Optional[str] = ..., status: _Optional[str] = ..., last_transition_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., reason: _Optional[str] = ..., message: _Optional[str] = ..., generation: _Optional[int] = ...) -> None: ...

class NamedTagEventList(_message.Message):
    __slots__ = ("tag", "items", "conditions")
    TAG_FIELD_NUMBER: _ClassVar[int]
    ITEMS_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    tag: str
    items: _containers.RepeatedCompositeFieldContainer[TagEvent]
    conditions: _containers.RepeatedCompositeFieldContainer[TagEventCondition]
    def __init__(self, tag: _Optional[str] = ..., items: _Optional[_Iterable[_Union[TagEvent, _Mapping]]] = ..., conditions: _Optional[_Iterable[_Union[TagEventCondition, _Mapping]]] = ...) -> None: ...

class ImageStream(_message.Message):
    __slots__ = ("namespace", "name", "uid", "create_time", "generation", "annotations", "docker_image_repository", "lookup_local", "spec_tags", "status_tags", "position", "image_repository", "public_docker_image_repository")
    class AnnotationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    DOCKER_IMAGE_REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    LOOKUP_LOCAL_FIELD_NUMBER: _ClassVar[int]
    SPEC_TAGS_FIELD_NUMBER: _ClassVar[int]
    STATUS_TAGS_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    IMAGE_REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_DOCKER_IMAGE_REPOSITORY_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    uid: str
    create_time: _timestamp_pb2.Timestamp
    generation: int
    annotations: _containers.ScalarMap[str, str]
    docker_image_repository: str
    lookup_local: bool
    spec_tags: _containers.RepeatedCompositeFieldContainer[TagReference]
    status_tags: _containers.RepeatedCompositeFieldContainer[NamedTagEventList]
    position: int
    image_repository: str
    public_docker_image_repository: str
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., uid: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., generation: _Optional[int] = ..., annotations: _Optional[_Mapping[str, str]] = ..., docker_image_repository: _Optional[str] = ..., lookup_local: _Optional[bool] = ..., spec_tags: _Optional[_Iterable[_Union[TagReference, _Mapping]]] = ..., status_tags: _Optional[_Iterable[_Union[NamedTagEventList, _Mapping]]] = ..., position: _Optional[int] = ..., image_repository: _Optional[str] = ..., public_docker_image_repository: _Optional[str] = ...) -> None: ...

class ImageLayer(_message.Message):
    __slots__ = ("name", "size", "media_type")
    NAME_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    name: str
    size: int
    media_type: str
    def __init__(self, name: _Optional[str] = ..., size: _Optional[int] = ..., media_type: _Optional[str] = ...) -> None: ...

class ImageManifest(_message.Message):
    __slots__ = ("digest", "media_type", "manifest_size", "architecture", "os", "variant")
    DIGEST_FIELD_NUMBER: _ClassVar[int]
    MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_SIZE_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    OS_FIELD_NUMBER: _ClassVar[int]
    VARIANT_FIELD_NUMBER: _ClassVar[int]
    digest: str
    media_type: str
    manifest_size: int
    architecture: str
    os: str
    variant: str
    def __init__(self, digest: _Optional[str] = ..., media_type: _Optional[str] = ..., manifest_size: _Optional[int] = ..., architecture: _Optional[str] = ..., os: _Optional[str] = ..., variant: _Optional[str] = ...) -> None: ...

class ImageMetadata(_message.Message):
    __slots__ = ("id", "created", "author", "architecture", "os", "env", "cmd", "entrypoint", "labels", "exposed_ports", "user", "working_dir", "size")
    class LabelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    AUTHOR_FIELD_NUMBER: _ClassVar[int]
    ARCHITECTURE_FIELD_NUMBER: _ClassVar[int]
    OS_FIELD_NUMBER: _ClassVar[int]
    ENV_FIELD_NUMBER: _ClassVar[int]
    CMD_FIELD_NUMBER: _ClassVar[int]
    ENTRYPOINT_FIELD_NUMBER: _ClassVar[int]
    LABELS_FIELD_NUMBER: _ClassVar[int]
    EXPOSED_PORTS_FIELD_NUMBER: _ClassVar[int]
    USER_FIELD_NUMBER: _ClassVar[int]
    WORKING_DIR_FIELD_NUMBER: _ClassVar[int]
    SIZE_FIELD_NUMBER: _ClassVar[int]
    id: str
    created: _timestamp_pb2.Timestamp
    author: str
    architecture: str
    os: str
    env: _containers.RepeatedScalarFieldContainer[str]
    cmd: _containers.RepeatedScalarFieldContainer[str]
    entrypoint: _containers.RepeatedScalarFieldContainer[str]
    labels: _containers.ScalarMap[str, str]
    exposed_ports: _containers.RepeatedScalarFieldContainer[str]
    user: str
    working_dir: str
    size: int
    def __init__(self, id: _Optional[str] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., author: _Optional[str] = ..., architecture: _Optional[str] = ..., os: _Optional[str] = ..., env: _Optional[_Iterable[str]] = ..., cmd: _Optional[_Iterable[str]] = ..., entrypoint: _Optional[_Iterable[str]] = ..., labels: _Optional[_Mapping[str, str]] = ..., exposed_ports: _Optional[_Iterable[str]] = ..., user: _Optional[str] = ..., working_dir: _Optional[str] = ..., size: _Optional[int] = ...) -> None: ...

class Image(_message.Message):
    __slots__ = ("name", "docker_image_reference", "metadata_known", "metadata", "layers", "manifest_media_type", "manifests", "annotations", "create_time")
    class AnnotationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    DOCKER_IMAGE_REFERENCE_FIELD_NUMBER: _ClassVar[int]
    METADATA_KNOWN_FIELD_NUMBER: _ClassVar[int]
    METADATA_FIELD_NUMBER: _ClassVar[int]
    LAYERS_FIELD_NUMBER: _ClassVar[int]
    MANIFEST_MEDIA_TYPE_FIELD_NUMBER: _ClassVar[int]
    MANIFESTS_FIELD_NUMBER: _ClassVar[int]
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    name: str
    docker_image_reference: str
    metadata_known: bool
    metadata: ImageMetadata
    layers: _containers.RepeatedCompositeFieldContainer[ImageLayer]
    manifest_media_type: str
    manifests: _containers.RepeatedCompositeFieldContainer[ImageManifest]
    annotations: _containers.ScalarMap[str, str]
    create_time: _timestamp_pb2.Timestamp
    def __init__(self, name: _Optional[str] = ..., docker_image_reference: _Optional[str] = ..., metadata_known: _Optional[bool] = ..., metadata: _Optional[_Union[ImageMetadata, _Mapping]] = ..., layers: _Optional[_Iterable[_Union[ImageLayer, _Mapping]]] = ..., manifest_media_type: _Optional[str] = ..., manifests: _Optional[_Iterable[_Union[ImageManifest, _Mapping]]] = ..., annotations: _Optional[_Mapping[str, str]] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class ImageStreamTag(_message.Message):
    __slots__ = ("namespace", "stream", "tag", "spec", "generation", "lookup_local", "conditions", "image", "pull_spec", "image_pull_policy", "create_time", "position", "public_pull_spec")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    GENERATION_FIELD_NUMBER: _ClassVar[int]
    LOOKUP_LOCAL_FIELD_NUMBER: _ClassVar[int]
    CONDITIONS_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    PULL_SPEC_FIELD_NUMBER: _ClassVar[int]
    IMAGE_PULL_POLICY_FIELD_NUMBER: _ClassVar[int]
    CREATE_TIME_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_PULL_SPEC_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    tag: str
    spec: TagReference
    generation: int
    lookup_local: bool
    conditions: _containers.RepeatedCompositeFieldContainer[TagEventCondition]
    image: Image
    pull_spec: str
    image_pull_policy: str
    create_time: _timestamp_pb2.Timestamp
    position: int
    public_pull_spec: str
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., tag: _Optional[str] = ..., spec: _Optional[_Union[TagReference, _Mapping]] = ..., generation: _Optional[int] = ..., lookup_local: _Optional[bool] = ..., conditions: _Optional[_Iterable[_Union[TagEventCondition, _Mapping]]] = ..., image: _Optional[_Union[Image, _Mapping]] = ..., pull_spec: _Optional[str] = ..., image_pull_policy: _Optional[str] = ..., create_time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position: _Optional[int] = ..., public_pull_spec: _Optional[str] = ...) -> None: ...

class ImageStreamImage(_message.Message):
    __slots__ = ("namespace", "stream", "id", "image", "annotations")
    class AnnotationsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: str
        def __init__(self, key: _Optional[str] = ..., value: _Optional[str] = ...) -> None: ...
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    ID_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    ANNOTATIONS_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    id: str
    image: Image
    annotations: _containers.ScalarMap[str, str]
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., id: _Optional[str] = ..., image: _Optional[_Union[Image, _Mapping]] = ..., annotations: _Optional[_Mapping[str, str]] = ...) -> None: ...

class DescribedTag(_message.Message):
    __slots__ = ("tag", "aliases", "spec", "status", "source_description", "import_pending", "pull_spec", "image_pull_policy")
    TAG_FIELD_NUMBER: _ClassVar[int]
    ALIASES_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    SOURCE_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    IMPORT_PENDING_FIELD_NUMBER: _ClassVar[int]
    PULL_SPEC_FIELD_NUMBER: _ClassVar[int]
    IMAGE_PULL_POLICY_FIELD_NUMBER: _ClassVar[int]
    tag: str
    aliases: _containers.RepeatedScalarFieldContainer[str]
    spec: TagReference
    status: NamedTagEventList
    source_description: str
    import_pending: bool
    pull_spec: str
    image_pull_policy: str
    def __init__(self, tag: _Optional[str] = ..., aliases: _Optional[_Iterable[str]] = ..., spec: _Optional[_Union[TagReference, _Mapping]] = ..., status: _Optional[_Union[NamedTagEventList, _Mapping]] = ..., source_description: _Optional[str] = ..., import_pending: _Optional[bool] = ..., pull_spec: _Optional[str] = ..., image_pull_policy: _Optional[str] = ...) -> None: ...

class TagPin(_message.Message):
    __slots__ = ("tag", "reason", "actor", "since")
    TAG_FIELD_NUMBER: _ClassVar[int]
    REASON_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    SINCE_FIELD_NUMBER: _ClassVar[int]
    tag: str
    reason: str
    actor: str
    since: _timestamp_pb2.Timestamp
    def __init__(self, tag: _Optional[str] = ..., reason: _Optional[str] = ..., actor: _Optional[str] = ..., since: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ...) -> None: ...

class SkippedMove(_message.Message):
    __slots__ = ("tag", "event", "move_cause", "actor", "time", "count")
    TAG_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    MOVE_CAUSE_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    tag: str
    event: TagEvent
    move_cause: str
    actor: str
    time: _timestamp_pb2.Timestamp
    count: int
    def __init__(self, tag: _Optional[str] = ..., event: _Optional[_Union[TagEvent, _Mapping]] = ..., move_cause: _Optional[str] = ..., actor: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., count: _Optional[int] = ...) -> None: ...

class TagHistoryEntry(_message.Message):
    __slots__ = ("position", "namespace", "stream", "tag", "change", "event", "previous", "actor", "cause", "time", "move_cause")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    CHANGE_FIELD_NUMBER: _ClassVar[int]
    EVENT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    MOVE_CAUSE_FIELD_NUMBER: _ClassVar[int]
    position: int
    namespace: str
    stream: str
    tag: str
    change: str
    event: TagEvent
    previous: TagEvent
    actor: str
    cause: str
    time: _timestamp_pb2.Timestamp
    move_cause: str
    def __init__(self, position: _Optional[int] = ..., namespace: _Optional[str] = ..., stream: _Optional[str] = ..., tag: _Optional[str] = ..., change: _Optional[str] = ..., event: _Optional[_Union[TagEvent, _Mapping]] = ..., previous: _Optional[_Union[TagEvent, _Mapping]] = ..., actor: _Optional[str] = ..., cause: _Optional[str] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., move_cause: _Optional[str] = ...) -> None: ...
