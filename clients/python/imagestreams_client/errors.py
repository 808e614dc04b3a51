"""The one exception the client raises, decoded from the server's rich gRPC status."""

from __future__ import annotations

import grpc
from google.protobuf import message as pb_message
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status


class ClientSettingsError(ValueError):
    """The client's own settings cannot be used: a TLS file that cannot be read, TLS options that contradict
    each other, a token that cannot be sent. Raised before any call is made; the message never holds a token."""


class ImageStreamsError(Exception):
    """A call failed. `code` is the gRPC status code; `field_violations` lists `(field, description)` pairs
    from a `google.rpc.BadRequest` (the field is the request path, `destinations[0].tag`); `reason` and
    `metadata` come from a `google.rpc.ErrorInfo` (`NOT_FOUND`, `AMBIGUOUS_IMAGE_PREFIX`, ...)."""

    def __init__(
        self,
        code: grpc.StatusCode,
        message: str,
        field_violations: list[tuple[str, str]] | None = None,
        reason: str = "",
        metadata: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field_violations = list(field_violations or [])
        self.reason = reason
        self.metadata = dict(metadata or {})

    def __repr__(self) -> str:
        return f"ImageStreamsError({self.code.name}, {self.message!r}, reason={self.reason!r})"

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> ImageStreamsError:
        """Decodes the status of a failed call. Errors raised before the call reached a server (no
        connection, deadline) carry no details, only a code and a message."""
        code = _code(error)
        message = _details(error)
        status = _rich_status(error)
        if status is None:
            return cls(code, message)
        violations: list[tuple[str, str]] = []
        reason = ""
        metadata: dict[str, str] = {}
        for detail in status.details:
            if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
                bad_request = error_details_pb2.BadRequest()
                detail.Unpack(bad_request)
                violations.extend((v.field, v.description) for v in bad_request.field_violations)
            elif detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
                info = error_details_pb2.ErrorInfo()
                detail.Unpack(info)
                reason = reason or info.reason
                metadata.update(info.metadata)
        return cls(code, status.message or message, violations, reason, metadata)


def _code(error: grpc.RpcError) -> grpc.StatusCode:
    code = getattr(error, "code", None)
    value = code() if callable(code) else None
    return value if isinstance(value, grpc.StatusCode) else grpc.StatusCode.UNKNOWN


def _details(error: grpc.RpcError) -> str:
    details = getattr(error, "details", None)
    value = details() if callable(details) else None
    return value if isinstance(value, str) and value else str(error)


def _rich_status(error: grpc.RpcError) -> status_pb2.Status | None:
    if not isinstance(error, grpc.Call):
        return None
    try:
        return rpc_status.from_call(error)
    # A status whose details do not match its code or message, or do not parse, is read as a plain one.
    except (ValueError, pb_message.DecodeError):
        return None
