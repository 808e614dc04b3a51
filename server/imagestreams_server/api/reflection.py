"""Server reflection that serves the `.proto` files with their comments, so `grpcurl describe` and `buf curl`
users read the API's documentation where they meet it.

The compiled stubs carry no comments (protoc leaves source info out of generated code, and the descriptor pool
drops it). `scripts/codegen` also writes the files as a descriptor set with source info
(`imagestreams/v1/descriptors.binpb`, beside the stubs); reflection answers with those files where they describe
exactly what the stubs were compiled from, and with the compiled ones otherwise (a stale set never misleads).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from importlib import resources
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool
from grpc_reflection.v1alpha import reflection

log = logging.getLogger(__name__)

STUBS_PACKAGE = "imagestreams.v1"
DESCRIPTOR_SET = "descriptors.binpb"


def commented_files(pool: Any) -> dict[str, descriptor_pb2.FileDescriptorProto]:
    """The descriptor set's files that match the compiled ones but for their comments, by file name."""
    try:
        data = resources.files(STUBS_PACKAGE).joinpath(DESCRIPTOR_SET).read_bytes()
    except OSError:
        log.warning("%s is missing beside the stubs: reflection serves the API without its comments", DESCRIPTOR_SET)
        return {}
    files = {}
    for commented in descriptor_pb2.FileDescriptorSet.FromString(data).file:
        try:
            compiled = descriptor_pb2.FileDescriptorProto()
            pool.FindFileByName(commented.name).CopyToProto(compiled)
        except KeyError:
            continue
        if _schema(commented) == _schema(compiled):
            files[commented.name] = commented
        else:
            log.warning(
                "%s in %s is stale (run scripts/codegen): served without comments", commented.name, DESCRIPTOR_SET
            )
    return files


def _schema(file: descriptor_pb2.FileDescriptorProto) -> descriptor_pb2.FileDescriptorProto:
    """The file without what protoc adds to a descriptor set only: comments and the fields' JSON names."""
    bare = descriptor_pb2.FileDescriptorProto()
    bare.CopyFrom(file)
    bare.ClearField("source_code_info")
    messages = list(bare.message_type)
    while messages:
        message = messages.pop()
        for field in (*message.field, *message.extension):
            field.ClearField("json_name")
        messages.extend(message.nested_type)
    for extension in bare.extension:
        extension.ClearField("json_name")
    return bare


class _File:
    """A compiled file descriptor that copies out as the commented file when there is one."""

    def __init__(self, descriptor: Any, commented: dict[str, descriptor_pb2.FileDescriptorProto]) -> None:
        self._descriptor = descriptor
        self._commented = commented
        self.name = descriptor.name

    @property
    def dependencies(self) -> list[_File]:
        return [_File(d, self._commented) for d in self._descriptor.dependencies]

    def CopyToProto(self, proto: descriptor_pb2.FileDescriptorProto) -> None:
        commented = self._commented.get(self.name)
        if commented is None:
            self._descriptor.CopyToProto(proto)
        else:
            proto.CopyFrom(commented)


class _CommentedPool:
    """The descriptor pool reflection reads, its files answered with their comments."""

    def __init__(self, pool: Any, commented: dict[str, descriptor_pb2.FileDescriptorProto]) -> None:
        self._pool = pool
        self._commented = commented

    def FindFileByName(self, name: str) -> _File:
        return _File(self._pool.FindFileByName(name), self._commented)

    def FindFileContainingSymbol(self, symbol: str) -> _File:
        return _File(self._pool.FindFileContainingSymbol(symbol), self._commented)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._pool, name)


def enable(service_names: Iterable[str], server: grpc.aio.Server) -> None:
    pool = descriptor_pool.Default()
    reflection.enable_server_reflection(tuple(service_names), server, pool=_CommentedPool(pool, commented_files(pool)))
