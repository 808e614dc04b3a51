"""Requests that do not decode into text the service can hold: INVALID_ARGUMENT, before anything else runs.

gRPC decodes a request before any handler code runs, and answers a decoding error with UNKNOWN and the
parser's exception text. Each handler here decodes through a deserializer that never raises: bytes that do
not parse become a refusal, which the handler answers with a status that says what was wrong.

A string with a NUL character (U+0000) is refused too, naming its field: PostgreSQL text cannot hold one,
so a name with a NUL would fail deep in the store on PostgreSQL (and be accepted on SQLite); refused here,
both stores answer the same.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message

from ..domain.errors import InvalidField
from .blocking import abort


def nul_field(message: Message, prefix: str = "") -> str | None:
    """The path of the first string field (nested, repeated, map keys and values) holding a NUL, if any."""
    for field, value in message.ListFields():
        name = prefix + field.name
        if field.type == FieldDescriptor.TYPE_STRING:
            items = enumerate(value) if field.is_repeated else [(None, value)]
            for index, text in items:
                if "\x00" in text:
                    return name if index is None else f"{name}[{index}]"
        elif field.message_type is not None and field.message_type.GetOptions().map_entry:
            for key, item in value.items():
                if isinstance(key, str) and "\x00" in key:
                    return name
                found = _nul_in(item, f"{name}[{_shown_key(key)}]")
                if found:
                    return found
        elif field.message_type is not None:
            items = enumerate(value) if field.is_repeated else [(None, value)]
            for index, item in items:
                found = nul_field(item, f"{name}." if index is None else f"{name}[{index}].")
                if found:
                    return found
    return None


# A map key named in a field path is cut to this many characters: the path travels in the status message and
# its details, which gRPC bounds, and a key may be as long as the request.
MAX_SHOWN_KEY = 64


def _shown_key(key: object) -> str:
    text = str(key)
    return text if len(text) <= MAX_SHOWN_KEY else text[:MAX_SHOWN_KEY] + "..."


def _nul_in(item: Any, path: str) -> str | None:
    if isinstance(item, str):
        return path if "\x00" in item else None
    return nul_field(item, f"{path}.") if isinstance(item, Message) else None


def _message_name(deserializer: Callable[[bytes], Any], method: str) -> str:
    message_class = getattr(deserializer, "__self__", None)
    descriptor = getattr(message_class, "DESCRIPTOR", None)
    return str(getattr(descriptor, "full_name", "")) or f"{method} request"


def vet_requests(method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    """`handler` of `method` (`/package.Service/Method`), answering INVALID_ARGUMENT to requests that do not
    decode or carry a NUL in a string."""
    deserialize = handler.request_deserializer
    if deserialize is None:
        return handler
    undecodable = f"the request is not a valid {_message_name(deserialize, method)} message: its bytes do not decode"

    def decode(data: bytes) -> Any:
        """The request, or the refusal the handler answers with instead of running."""
        try:
            request = deserialize(data)
        except Exception:  # any parser error (DecodeError, bad UTF-8 in a string field): never gRPC's UNKNOWN
            return InvalidField("", undecodable)
        # Without a zero byte on the wire no string holds a NUL: most requests skip the walk.
        field = nul_field(request) if b"\x00" in data else None
        return InvalidField(field, "must not contain a NUL character (U+0000)") if field else request

    if handler.unary_unary is not None:
        unary = handler.unary_unary

        async def checked_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
            if isinstance(request, InvalidField):
                await abort(context, request)
            return await unary(request, context)

        return grpc.unary_unary_rpc_method_handler(
            checked_unary, request_deserializer=decode, response_serializer=handler.response_serializer
        )
    if handler.unary_stream is not None:
        stream = handler.unary_stream

        async def checked_stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
            if isinstance(request, InvalidField):
                await abort(context, request)
            async for response in stream(request, context):
                yield response

        return grpc.unary_stream_rpc_method_handler(
            checked_stream, request_deserializer=decode, response_serializer=handler.response_serializer
        )
    return handler
