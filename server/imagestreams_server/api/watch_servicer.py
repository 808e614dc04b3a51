"""The WatchService servicer: a server-streaming RPC over the application's watches."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import AsyncIterator
from datetime import datetime

import grpc
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams.v1 import watch_service_pb2_grpc as watch_grpc

from ..application.access_snapshot import AccessSnapshot
from ..application.errors import PermissionDenied, Unauthenticated
from ..application.watching import Marker, MarkerKind, Start, StartKind, Watching, watch_filter
from ..domain.errors import InvalidField
from ..store.changes import Change, ChangeKind
from . import convert
from .access_guard import RequestAccess, denied_message, request_access
from .access_rules import Check
from .errors import to_status

CHANGE_KINDS = {
    watch_api.CHANGE_KIND_TAG_UPDATED: ChangeKind.TAG_UPDATED,
    watch_api.CHANGE_KIND_TAG_DELETED: ChangeKind.TAG_DELETED,
    watch_api.CHANGE_KIND_STREAM_CREATED: ChangeKind.STREAM_CREATED,
    watch_api.CHANGE_KIND_STREAM_DELETED: ChangeKind.STREAM_DELETED,
    watch_api.CHANGE_KIND_SPEC_CHANGED: ChangeKind.SPEC_CHANGED,
    watch_api.CHANGE_KIND_IMPORT_FAILED: ChangeKind.IMPORT_FAILED,
    watch_api.CHANGE_KIND_TAG_MOVE_SKIPPED: ChangeKind.TAG_MOVE_SKIPPED,
    watch_api.CHANGE_KIND_TAG_PIN_CHANGED: ChangeKind.TAG_PIN_CHANGED,
}
CHANGE_KINDS_PB = {v: k for k, v in CHANGE_KINDS.items()}
MARKERS_PB = {MarkerKind.PROGRESS: watch_api.MARKER_PROGRESS, MarkerKind.SNAPSHOT_END: watch_api.MARKER_SNAPSHOT_END}
# Progress intervals a request may ask for, in seconds.
MIN_PROGRESS, MAX_PROGRESS = 1, 300


# Responses for recent changes, built once and shared by every watcher that gets them.
RESPONSE_CACHE_SIZE = 4096


class WatchServicer(watch_grpc.WatchServiceServicer):
    def __init__(self, watching: Watching) -> None:
        self.watching = watching
        self._responses: OrderedDict[int, watch_api.WatchResponse] = OrderedDict()

    def _response(self, item: Change | Marker) -> watch_api.WatchResponse:
        """A change's position identifies it (one change per event), so its response can be shared; markers
        and snapshot changes are per watcher."""
        if isinstance(item, Marker) or item.synthetic:
            return _response(item)
        cached = self._responses.get(item.position)
        if cached is None:
            cached = self._responses[item.position] = _response(item)
            if len(self._responses) > RESPONSE_CACHE_SIZE:
                self._responses.popitem(last=False)
        return cached

    async def Watch(
        self, request: watch_api.WatchRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[watch_api.WatchResponse]:
        try:
            kinds = [convert.enum_value(CHANGE_KINDS, k, f"kinds[{i}]") for i, k in enumerate(request.kinds)]
            target = watch_filter(request.namespace, request.stream, request.tag, kinds)
            interval = request.progress_interval_seconds
            if interval and not MIN_PROGRESS <= interval <= MAX_PROGRESS:
                raise InvalidField(
                    "progress_interval_seconds", f"must be between {MIN_PROGRESS} and {MAX_PROGRESS} seconds"
                )
            access = request_access()
            still_allowed = StillAllowed(access, target.namespace) if access is not None else None
            last_position = 0
            async for item in self.watching.watch(target, _start(request), float(interval) or None):
                if still_allowed is not None:
                    await still_allowed.check(last_position)
                last_position = item.position
                yield self._response(item)
        except Exception as error:  # every error leaves as a status, never as a crash
            await context.abort_with_status(to_status(error))


class StillAllowed:
    """A watch's rights, checked again before every item against the latest access snapshot, so a watch ends
    as soon as they go: a revoked or expired token ends it UNAUTHENTICATED, a removed role PERMISSION_DENIED;
    both say the last position sent, to resume from once allowed again.

    A snapshot never changes (an access change makes a new one), so its answer is kept until the snapshot is
    replaced: an item then costs an identity test and, for a token that expires, a look at the clock, instead
    of a policy decision (most of a busy watch's items come with the same snapshot)."""

    __slots__ = ("_access", "_checked", "_expires", "_namespace")

    def __init__(self, access: RequestAccess, namespace: str) -> None:
        self._access = access
        self._namespace = namespace
        self._checked: AccessSnapshot | None = None  # the snapshot that last allowed the watch
        self._expires: datetime | None = None  # when the call's token expires, as of that snapshot

    async def check(self, last_position: int) -> None:
        access = self._access
        snapshot = access.cache.cached() or await access.latest()
        if snapshot is self._checked and (self._expires is None or access.clock() < self._expires):
            return
        self._checked = None
        resume = {"last_position": str(last_position)}
        if not access.still_authenticated(snapshot):
            raise Unauthenticated(
                f"the token was revoked or has expired; log in again and resume after position {last_position}",
                resume,
            )
        check = Check("watch", "imagestreams", self._namespace)
        if not snapshot.decide(access.identity, check.verb, check.resource, self._namespace).allowed:
            message = f"{denied_message(access.identity, check)} (any more); resume after position {last_position}"
            raise PermissionDenied(message, check.verb, check.resource, self._namespace, resume)
        self._checked = snapshot
        self._expires = access.token_expiry(snapshot)


def _start(request: watch_api.WatchRequest) -> Start:
    which = request.WhichOneof("start")
    if which == "after_position":
        return Start(StartKind.AFTER, request.after_position)
    if which == "snapshot" and request.snapshot:
        return Start(StartKind.SNAPSHOT)
    return Start(StartKind.NOW)


def _response(item: Change | Marker) -> watch_api.WatchResponse:
    if isinstance(item, Marker):
        return watch_api.WatchResponse(position=item.position, marker=MARKERS_PB[item.kind])
    message = watch_api.WatchResponse(
        position=item.position,
        kind=CHANGE_KINDS_PB[item.kind],
        namespace=item.namespace,
        stream=item.stream,
        tag=item.tag,
        time=convert.timestamp(item.time),
        actor=item.actor,
        cause=item.cause,
        synthetic=item.synthetic,
        move_cause=item.move_cause,
        pinned=item.pin_reason is not None,
        pin_reason=item.pin_reason or "",
    )
    if item.current is not None:
        message.current.CopyFrom(convert.tag_event(item.current))
    if item.previous is not None:
        message.previous.CopyFrom(convert.tag_event(item.previous))
    if item.spec is not None:
        message.spec.CopyFrom(convert.tag_reference(item.spec))
    if item.condition is not None:
        message.condition.CopyFrom(convert.condition(item.condition))
    return message
