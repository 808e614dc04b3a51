import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class SecretType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SECRET_TYPE_UNSPECIFIED: _ClassVar[SecretType]
    SECRET_TYPE_DOCKERCFG: _ClassVar[SecretType]
    SECRET_TYPE_DOCKER_CONFIG_JSON: _ClassVar[SecretType]

class SecretLinkPurpose(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    SECRET_LINK_PURPOSE_UNSPECIFIED: _ClassVar[SecretLinkPurpose]
    SECRET_LINK_PURPOSE_PULL: _ClassVar[SecretLinkPurpose]
    SECRET_LINK_PURPOSE_MOUNT: _ClassVar[SecretLinkPurpose]
SECRET_TYPE_UNSPECIFIED: SecretType
SECRET_TYPE_DOCKERCFG: SecretType
SECRET_TYPE_DOCKER_CONFIG_JSON: SecretType
SECRET_LINK_PURPOSE_UNSPECIFIED: SecretLinkPurpose
SECRET_LINK_PURPOSE_PULL: SecretLinkPurpose
SECRET_LINK_PURPOSE_MOUNT: SecretLinkPurpose

class RegistryCredential(_message.Message):
    __slots__ = ("server", "username", "password", "email")
    SERVER_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    PASSWORD_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    server: str
    username: str
    password: str
    email: str
    def __init__(self, server: _Optional[str] = ..., username: _Optional[str] = ..., password: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class SecretRegistry(_message.Message):
    __slots__ = ("server", "username", "email")
    SERVER_FIELD_NUMBER: _ClassVar[int]
    USERNAME_FIELD_NUMBER: _ClassVar[int]
    EMAIL_FIELD_NUMBER: _ClassVar[int]
    server: str
    username: str
    email: str
    def __init__(self, server: _Optional[str] = ..., username: _Optional[str] = ..., email: _Optional[str] = ...) -> None: ...

class Secret(_message.Message):
    __slots__ = ("namespace", "name", "uid", "type", "registries", "used_for_imports", "created", "position")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    UID_FIELD_NUMBER: _ClassVar[int]
    TYPE_FIELD_NUMBER: _ClassVar[int]
    REGISTRIES_FIELD_NUMBER: _ClassVar[int]
    USED_FOR_IMPORTS_FIELD_NUMBER: _ClassVar[int]
    CREATED_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    uid: str
    type: SecretType
    registries: _containers.RepeatedCompositeFieldContainer[SecretRegistry]
    used_for_imports: bool
    created: _timestamp_pb2.Timestamp
    position: int
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., uid: _Optional[str] = ..., type: _Optional[_Union[SecretType, str]] = ..., registries: _Optional[_Iterable[_Union[SecretRegistry, _Mapping]]] = ..., used_for_imports: _Optional[bool] = ..., created: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., position: _Optional[int] = ...) -> None: ...

class CreateSecretRequest(_message.Message):
    __slots__ = ("namespace", "name", "credential", "dockercfg", "dockerconfigjson")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    CREDENTIAL_FIELD_NUMBER: _ClassVar[int]
    DOCKERCFG_FIELD_NUMBER: _ClassVar[int]
    DOCKERCONFIGJSON_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    credential: RegistryCredential
    dockercfg: bytes
    dockerconfigjson: bytes
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., credential: _Optional[_Union[RegistryCredential, _Mapping]] = ..., dockercfg: _Optional[bytes] = ..., dockerconfigjson: _Optional[bytes] = ...) -> None: ...

class CreateSecretResponse(_message.Message):
    __slots__ = ("secret", "position")
    SECRET_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    secret: Secret
    position: int
    def __init__(self, secret: _Optional[_Union[Secret, _Mapping]] = ..., position: _Optional[int] = ...) -> None: ...

class GetSecretRequest(_message.Message):
    __slots__ = ("namespace", "name", "min_position")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    MIN_POSITION_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    min_position: int
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ..., min_position: _Optional[int] = ...) -> None: ...

class GetSecretResponse(_message.Message):
    __slots__ = ("secret",)
    SECRET_FIELD_NUMBER: _ClassVar[int]
    secret: Secret
    def __init__(self, secret: _Optional[_Union[Secret, _Mapping]] = ...) -> None: ...

class ListSecretsRequest(_message.Message):
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

class ListSecretsResponse(_message.Message):
    __slots__ = ("secrets", "next_page_token")
    SECRETS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    secrets: _containers.RepeatedCompositeFieldContainer[Secret]
    next_page_token: str
    def __init__(self, secrets: _Optional[_Iterable[_Union[Secret, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteSecretRequest(_message.Message):
    __slots__ = ("namespace", "name")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    name: str
    def __init__(self, namespace: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class DeleteSecretResponse(_message.Message):
    __slots__ = ("position",)
    POSITION_FIELD_NUMBER: _ClassVar[int]
    position: int
    def __init__(self, position: _Optional[int] = ...) -> None: ...

class LinkSecretRequest(_message.Message):
    __slots__ = ("namespace", "service_account", "name", "purposes")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    PURPOSES_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    service_account: str
    name: str
    purposes: _containers.RepeatedScalarFieldContainer[SecretLinkPurpose]
    def __init__(self, namespace: _Optional[str] = ..., service_account: _Optional[str] = ..., name: _Optional[str] = ..., purposes: _Optional[_Iterable[_Union[SecretLinkPurpose, str]]] = ...) -> None: ...

class LinkSecretResponse(_message.Message):
    __slots__ = ("secret", "position")
    SECRET_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    secret: Secret
    position: int
    def __init__(self, secret: _Optional[_Union[Secret, _Mapping]] = ..., position: _Optional[int] = ...) -> None: ...

class UnlinkSecretRequest(_message.Message):
    __slots__ = ("namespace", "service_account", "name")
    NAMESPACE_FIELD_NUMBER: _ClassVar[int]
    SERVICE_ACCOUNT_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    namespace: str
    service_account: str
    name: str
    def __init__(self, namespace: _Optional[str] = ..., service_account: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class UnlinkSecretResponse(_message.Message):
    __slots__ = ("secret", "position")
    SECRET_FIELD_NUMBER: _ClassVar[int]
    POSITION_FIELD_NUMBER: _ClassVar[int]
    secret: Secret
    position: int
    def __init__(self, secret: _Optional[_Union[Secret, _Mapping]] = ..., position: _Optional[int] = ...) -> None: ...
