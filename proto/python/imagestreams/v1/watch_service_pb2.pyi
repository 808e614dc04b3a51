import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from imagestreams.v1 import resources_pb2 as _resources_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class ChangeKind(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    CHANGE_KIND_UNSPECIFIED: _ClassVar[ChangeKind]
    CHANGE_KIND_TAG_UPDATED: _ClassVar[ChangeKind]
    CHANGE_KIND_TAG_DELETED: _ClassVar[ChangeKind]
    CHANGE_KIND_STREAM_CREATED: _ClassVar[ChangeKind]
    CHANGE_KIND_STREAM_DELETED: _ClassVar[ChangeKind]
    CHANGE_KIND_SPEC_CHANGED: _ClassVar[ChangeKind]
    CHANGE_KIND_IMPORT_FAILED: _ClassVar[ChangeKind]
    CHANGE_KIND_TAG_MOVE_SKIPPED: _ClassVar[ChangeKind]
    CHANGE_KIND_TAG_PIN_CHANGED: _ClassVar[ChangeKind]

class Marker(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    MARKER_UNSPECIFIED: _ClassVar[Marker]
    MARKER_PROGRESS: _ClassVar[Marker]
    MARKER_SNAPSHOT_END: _ClassVar[Marker]
CHANGE_KIND_UNSPECIFIED: ChangeKind
CHANGE_KIND_TAG_UPDATED: ChangeKind
CHANGE_KIND_TAG_DELETED: ChangeKind
CHANGE_KIND_STREAM_CREATED: ChangeKind
CHANGE_KIND_STREAM_DELETED: ChangeKind
CHANGE_KIND_SPEC_CHANGED: ChangeKind
CHANGE_KIND_IMPORT_FAILED: ChangeKind
CHANGE_KIND_TAG_MOVE_SKIPPED: ChangeKind
CHANGE_KIND_TAG_PIN_CHANGED: ChangeKind
MARKER_UNSPECIFIED: Marker
MARKER_PROGRESS: Marker
MARKER_SNAPSHOT_END: Marker

class WatchRequest(_message.Message):
    __slots__ = ("namespace", "stream", "tag", "kinds", "after_position", "from_now", "snapshot", "progress_interval_seconds")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    KINDS_FIELD_NUMBER: _ClassVar[int]
    AFTER_POSITION_FIELD_NUMBER: _ClassVar[int]
    FROM_NOW_FIELD_NUMBER: _ClassVar[int]
    SNAPSHOT_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_INTERVAL_SECONDS_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    stream: str
    tag: str
    kinds: _containers.RepeatedScalarFieldContainer[ChangeKind]
    after_position: int
    from_now: bool
    snapshot: bool
    progress_interval_seconds: int
    def __init__(self, namespace: _Optional[str] = ..., stream: _Optional[str] = ..., tag: _Optional[str] = ..., kinds: _Optional[_Iterable[_Union[ChangeKind, str]]] = ..., after_position: _Optional[int] = ..., from_now: _Optional[bool] = ..., snapshot: _Optional[bool] = ..., progress_interval_seconds: _Optional[int] = ...) -> None: ...

class WatchResponse(_message.Message):
    __slots__ = ("position", "marker", "kind", "namespace", "stream", "tag", "current", "previous", "spec", "time", "actor", "cause", "synthetic", "condition", "move_cause", "pinned", "pin_reason")
    POSITION_FIELD_NUMBER: _ClassVar[int]
    MARKER_FIELD_NUMBER: _ClassVar[int]
    KIND_FIELD_NUMBER: _ClassVar[int]
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    STREAM_FIELD_NUMBER: _ClassVar[int]
    TAG_FIELD_NUMBER: _ClassVar[int]
    CURRENT_FIELD_NUMBER: _ClassVar[int]
    PREVIOUS_FIELD_NUMBER: _ClassVar[int]
    SPEC_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    ACTOR_FIELD_NUMBER: _ClassVar[int]
    CAUSE_FIELD_NUMBER: _ClassVar[int]
    SYNTHETIC_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    MOVE_CAUSE_FIELD_NUMBER: _ClassVar[int]
    PINNED_FIELD_NUMBER: _ClassVar[int]
    PIN_REASON_FIELD_NUMBER: _ClassVar[int]
    position: int
    marker: Marker
    kind: ChangeKind
    namespace: str
    stream: str
    tag: str
    current: _resources_pb2.TagEvent
    previous: _resources_pb2.TagEvent
    spec: _resources_pb2.TagReference
    time: _timestamp_pb2.Timestamp
    actor: str
    cause: str
    synthetic: bool
    condition: _resources_pb2.TagEventCondition
    move_cause: str
    pinned: bool
    pin_reason: str
    def __init__(self, position: _Optional[int] = ..., marker: _Optional[_Union[Marker, str]] = ..., kind: _Optional[_Union[ChangeKind, str]] = ..., namespace: _Optional[str] = ..., stream: _Optional[str] = ..., tag: _Optional[str] = ..., current: _Optional[_Union[_resources_pb2.TagEvent, _Mapping]] = ..., previous: _Optional[_Union[_resources_pb2.TagEvent, _Mapping]] = ..., spec: _Optional[_Union[_resources_pb2.TagReference, _Mapping]] = ..., time: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., actor: _Optional[str] = ..., cause: _Optional[str] = ..., synthetic: _Optional[bool] = ..., condition: _Optional[_Union[_resources_pb2.TagEventCondition, _Mapping]] = ..., move_cause: _Optional[str] = ..., pinned: _Optional[bool] = ..., pin_reason: _Optional[str] = ...) -> None: ...
