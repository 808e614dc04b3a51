"""Application errors -> gRPC status codes with google.rpc details (BadRequest, ErrorInfo)."""

from __future__ import annotations

import logging

import grpc
import psycopg
from eventsourcing.persistence import InterfaceError, OperationalError
from google.protobuf import any_pb2
from google.rpc import code_pb2, error_details_pb2, status_pb2
from grpc_status import rpc_status

from ..application.errors import ConcurrentUpdate, PermissionDenied, PositionNotReached, Unauthenticated
from ..application.watching import ServerShuttingDown, WatcherTooSlow
from ..domain.errors import AlreadyExists, DomainError, FailedPrecondition, InvalidField, NotFound
from ..store.deadline import DeadlineExceeded
from ..store.health import StoreUnavailable

DOMAIN = "imagestreams.v1"
log = logging.getLogger(__name__)
# Messages quote what users typed, which may be long (alias cycles through hundreds of tags): a status must
# still fit a client's metadata limit (8 KiB by default in gRPC), message and details together.
MAX_MESSAGE = 1024


def bounded(text: str) -> str:
    """At most MAX_MESSAGE characters, saying how much was left out."""
    if len(text) <= MAX_MESSAGE:
        return text
    cut = MAX_MESSAGE - 40
    return f"{text[:cut]}... ({len(text) - cut} more characters)"


def _pack(message: object) -> any_pb2.Any:
    packed = any_pb2.Any()
    packed.Pack(message)  # type: ignore[arg-type]
    return packed


def _error_info(reason: str, metadata: dict[str, str] | None = None) -> any_pb2.Any:
    bounded_metadata = {k: bounded(v) for k, v in (metadata or {}).items()}
    return _pack(error_details_pb2.ErrorInfo(reason=reason, domain=DOMAIN, metadata=bounded_metadata))


def _bad_request(field: str, description: str) -> any_pb2.Any:
    return _pack(
        error_details_pb2.BadRequest(
            field_violations=[error_details_pb2.BadRequest.FieldViolation(field=field, description=description)]
        )
    )


def to_status(error: Exception) -> grpc.Status:
    """The status a client sees for an error. Anything unexpected is INTERNAL with no detail leaked."""
    if isinstance(error, InvalidField):
        proto = status_pb2.Status(
            code=code_pb2.INVALID_ARGUMENT,
            message=bounded(f"{error.field}: {error.message}" if error.field else error.message),
            details=[
                _bad_request(bounded(error.field), bounded(error.message)),
                _error_info("INVALID_FIELD", {"field": bounded(error.field)}),
            ],
        )
    elif isinstance(error, NotFound):
        proto = status_pb2.Status(
            code=code_pb2.NOT_FOUND,
            message=error.message,
            details=[_error_info("NOT_FOUND", {"kind": error.kind, "name": error.name})],
        )
    elif isinstance(error, AlreadyExists):
        proto = status_pb2.Status(
            code=code_pb2.ALREADY_EXISTS,
            message=error.message,
            details=[_error_info("ALREADY_EXISTS", {"kind": error.kind, "name": error.name})],
        )
    elif isinstance(error, FailedPrecondition):
        details = [_error_info(error.reason, error.metadata)]
        if error.field:
            details.insert(0, _bad_request(error.field, error.message))
        proto = status_pb2.Status(code=code_pb2.FAILED_PRECONDITION, message=error.message, details=details)
    elif isinstance(error, ConcurrentUpdate):
        proto = status_pb2.Status(
            code=code_pb2.ABORTED, message=error.message, details=[_error_info("CONCURRENT_UPDATE")]
        )
    elif isinstance(error, PositionNotReached):
        proto = status_pb2.Status(
            code=code_pb2.OUT_OF_RANGE,
            message=error.message,
            details=[_error_info("POSITION_NOT_REACHED", {"wanted": str(error.wanted), "current": str(error.current)})],
        )
    elif isinstance(error, WatcherTooSlow):
        proto = status_pb2.Status(
            code=code_pb2.RESOURCE_EXHAUSTED,
            message=error.message,
            details=[_error_info("WATCHER_TOO_SLOW", {"last_position": str(error.last_position)})],
        )
    elif isinstance(error, ServerShuttingDown):
        proto = status_pb2.Status(
            code=code_pb2.UNAVAILABLE,
            message=error.message,
            details=[_error_info("SHUTTING_DOWN", {"last_position": str(error.last_position)})],
        )
    elif isinstance(error, Unauthenticated):
        proto = status_pb2.Status(
            code=code_pb2.UNAUTHENTICATED,
            message=error.message,
            details=[_error_info("UNAUTHENTICATED", error.metadata)],
        )
    elif isinstance(error, PermissionDenied):
        metadata = {"verb": error.verb, "resource": error.resource, "namespace": error.namespace, **error.metadata}
        proto = status_pb2.Status(
            code=code_pb2.PERMISSION_DENIED,
            message=error.message,
            details=[_error_info("FORBIDDEN", {k: v for k, v in metadata.items() if v})],
        )
    elif isinstance(error, DomainError):
        proto = status_pb2.Status(code=code_pb2.FAILED_PRECONDITION, message=error.message)
    elif isinstance(error, StoreUnavailable):
        # Why is in the server's log (store/health.py); the client learns only that a retry is worth it.
        proto = status_pb2.Status(
            code=code_pb2.UNAVAILABLE,
            message="the store is unavailable: the database cannot be reached; try again",
            details=[_error_info("STORE_UNAVAILABLE")],
        )
    elif isinstance(error, DeadlineExceeded):
        # The caller has stopped waiting: work not yet started was not started, a statement still running was
        # cancelled.
        proto = status_pb2.Status(
            code=code_pb2.DEADLINE_EXCEEDED, message=error.message, details=[_error_info("DEADLINE_EXCEEDED")]
        )
    elif isinstance(error, OperationalError | InterfaceError | psycopg.OperationalError):
        # The database is unreachable or restarting: worth retrying, unlike an internal error.
        log.warning("store unavailable: %s", error.__class__.__name__)
        proto = status_pb2.Status(
            code=code_pb2.UNAVAILABLE,
            message="the store is unavailable; try again",
            details=[_error_info("STORE_UNAVAILABLE")],
        )
    else:
        log.exception("unexpected error", exc_info=error)
        proto = status_pb2.Status(code=code_pb2.INTERNAL, message="internal error")
    proto.message = bounded(proto.message)
    return rpc_status.to_status(proto)
