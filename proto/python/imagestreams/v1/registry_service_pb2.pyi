from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Optional as _Optional

DESCRIPTOR: _descriptor.FileDescriptor

class GetRegistryInfoRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GetRegistryInfoResponse(_message.Message):
    __slots__ = ("hostname", "public_hostname")
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    PUBLIC_HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    hostname: str
    public_hostname: str
    def __init__(self, hostname: _Optional[str] = ..., public_hostname: _Optional[str] = ...) -> None: ...
