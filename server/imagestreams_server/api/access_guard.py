"""The one place where a caller's identity is established and its rights checked, for every RPC of every
service (a gRPC server interceptor around each method's handler).

In order: credentials (a bearer token, else a verified client certificate, else anonymous) -> the
method's rule (`access_rules.RULES`; no rule, no call) -> each check against the role bindings -> the
projects a write goes into must exist. Then the call runs with the caller set (recorded on its events) and
its access kept for the servicer (lists narrowed to what it may see, watches re-checked as they run).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor
from datetime import datetime
from typing import Any

import grpc

from ..application import caller
from ..application.access_snapshot import AccessCache, AccessSnapshot
from ..application.errors import PermissionDenied, Unauthenticated
from ..domain.errors import NotFound
from ..domain.identity import ANONYMOUS_IDENTITY, Identity
from ..domain.names import NAMESPACE_RE
from ..store.access_rows import TokenRow
from .access_rules import RULES, Check, Rule, escalation, is_public
from .auth_throttle import AuthThrottle
from .blocking import abort
from .decoding import vet_requests
from .observability.rpc import RpcObserver
from .request_ids import KEY as REQUEST_ID_KEY
from .request_ids import is_request_id

log = logging.getLogger(__name__)

LOGIN_HINT = "log in with `isctl login --token=TOKEN`"


class RequestAccess:
    """A call's caller and the means to ask, while it runs, what it may do. (A plain class with slots: one is
    made per call, and a frozen dataclass costs several times as much to build.)"""

    __slots__ = ("cache", "clock", "executor", "identity", "snapshot")

    def __init__(
        self,
        identity: Identity,
        cache: AccessCache,
        snapshot: AccessSnapshot,
        clock: Callable[[], datetime],
        executor: Executor,
    ) -> None:
        self.identity = identity
        self.cache = cache
        self.snapshot = snapshot
        self.clock = clock
        self.executor = executor

    def within(self, verb: str, resource: str) -> set[str] | None:
        """The projects where the caller may do this (None: everywhere), as of the call's start."""
        return self.snapshot.policy.namespaces_allowing(self.identity, verb, resource)

    async def latest(self) -> AccessSnapshot:
        """The snapshot as of the last access change this process knows of (reloaded when stale): what a
        long-running call checks again, so a revocation reaches it."""
        cached = self.cache.cached()
        if cached is not None:
            return cached
        return await asyncio.get_running_loop().run_in_executor(self.executor, self.cache.snapshot)

    def still_authenticated(self, snapshot: AccessSnapshot) -> bool:
        """False once the call's token was revoked, expired, or lost its subject."""
        if not self.identity.token_name:
            return True
        row = self._token_row(snapshot)
        if row is None or (row.expires is not None and row.expires <= self.clock()):
            return False
        return self.identity.subject is not None and snapshot.subject_uid(self.identity.subject) == row.subject_uid

    def token_expiry(self, snapshot: AccessSnapshot) -> datetime | None:
        """When the call's token expires, as `snapshot` records it (None: it does not, or no token)."""
        row = self._token_row(snapshot)
        return row.expires if row is not None else None

    def _token_row(self, snapshot: AccessSnapshot) -> TokenRow | None:
        """The call's token as `snapshot` records it (None: no token, or not recorded)."""
        name = self.identity.token_name
        return snapshot.rows.tokens.get(name) if name else None


_current: contextvars.ContextVar[RequestAccess | None] = contextvars.ContextVar("imagestreams_access", default=None)


def request_access() -> RequestAccess | None:
    """The running call's access (None when checks are off, in a server without access control)."""
    return _current.get()


def visible_namespaces(verb: str, resource: str, namespace: str) -> set[str] | None:
    """For a request whose empty namespace spans every project: the projects the caller may `verb` there
    (None: every one, or no access control)."""
    access = _current.get()
    if namespace or access is None:
        return None
    return access.within(verb, resource)


def denied_message(identity: Identity, check: Check) -> str:
    where = f'in project "{check.namespace}"' if check.namespace else "at the cluster scope"
    return f'{identity.describe()} cannot {check.verb} resource "{check.resource}" {where}'


class AccessGuard:
    """Wraps each method handler once, when the services are registered (see `GuardedServer`): no per-call
    interceptor, so a checked call costs the check and nothing else."""

    def __init__(
        self,
        cache: AccessCache,
        executor: Executor,
        clock: Callable[[], datetime],
        throttle: AuthThrottle | None = None,
    ) -> None:
        self.cache = cache
        self.executor = executor
        self.clock = clock
        self.throttle = throttle or AuthThrottle()

    def wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        """The handler of `method` (`/package.Service/Method`), guarded."""
        if is_public(method):
            return handler
        rule = RULES.get(method)
        short = method.rsplit("/", 1)[-1]
        if handler.unary_unary is not None:
            unary = handler.unary_unary

            async def guarded_unary(request: Any, context: grpc.aio.ServicerContext) -> Any:
                metadata = _metadata(context)
                access = await self._admit(short, rule, request, context, metadata)
                with _running_as(access, _cause(short, metadata)):
                    return await unary(request, context)

            return grpc.unary_unary_rpc_method_handler(
                guarded_unary,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        if handler.unary_stream is not None:
            stream = handler.unary_stream

            async def guarded_stream(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
                metadata = _metadata(context)
                access = await self._admit(short, rule, request, context, metadata)
                with _running_as(access, _cause(short, metadata)):
                    async for response in stream(request, context):
                        yield response

            return grpc.unary_stream_rpc_method_handler(
                guarded_stream,
                request_deserializer=handler.request_deserializer,
                response_serializer=handler.response_serializer,
            )
        # No streaming-request methods exist; one added later is refused until it is guarded here.
        return grpc.unary_unary_rpc_method_handler(self._refuse)

    @staticmethod
    async def _refuse(request: Any, context: grpc.aio.ServicerContext) -> Any:
        await context.abort(grpc.StatusCode.PERMISSION_DENIED, "this method has no access rule")

    async def _admit(
        self,
        method: str,
        rule: Rule | None,
        request: Any,
        context: grpc.aio.ServicerContext,
        metadata: dict[str, str],
    ) -> RequestAccess:
        try:
            snapshot = self.cache.cached() or await self._blocking(self.cache.snapshot)
            identity = await self._identify(snapshot, context, metadata)
            if rule is None:
                raise PermissionDenied(f"{method} has no access rule: it is refused")
            if rule.checks is None:
                if identity.anonymous:
                    raise Unauthenticated(f"{method} needs credentials: {LOGIN_HINT}")
            else:
                checks = rule.checks(request, identity, snapshot)
                if identity.anonymous and not checks:
                    raise Unauthenticated(f"{method} needs credentials: {LOGIN_HINT}")
                for check in checks:
                    if not snapshot.decide(identity, check.verb, check.resource, check.namespace).allowed:
                        if identity.anonymous:
                            raise Unauthenticated(f"{method} needs credentials: {LOGIN_HINT}")
                        raise PermissionDenied(denied_message(identity, check), *_fields(check))
            if rule.grants_role:
                lacking = escalation(identity, snapshot, request.role, request.namespace)
                if lacking is not None:
                    where = f'in project "{request.namespace}"' if request.namespace else "cluster-wide"
                    raise PermissionDenied(
                        f'{identity.describe()} cannot grant role "{request.role}" {where}: it would grant '
                        f'"{lacking[0]}" on "{lacking[1]}", which the user does not have',
                        "bind",
                        "rolebindings",
                        request.namespace,
                    )
            for namespace in rule.projects(request):
                # A name that is not a namespace at all is left to the command, which says INVALID_ARGUMENT.
                if namespace and NAMESPACE_RE.fullmatch(namespace) and not snapshot.project_exists(namespace):
                    snapshot = await self._blocking(self.cache.fresh)
                    if not snapshot.project_exists(namespace):
                        raise NotFound("project", namespace)
        except Exception as error:  # refusals, and a store that is down (UNAVAILABLE): never a crash
            await abort(context, error)
        return RequestAccess(identity, self.cache, snapshot, self.clock, self.executor)

    async def _identify(
        self, snapshot: AccessSnapshot, context: grpc.aio.ServicerContext, metadata: dict[str, str]
    ) -> Identity:
        header = metadata.get("authorization")
        if header is not None:
            scheme, _, token = header.strip().partition(" ")
            identity = snapshot.authenticate(token.strip(), self.clock) if scheme.lower() == "bearer" else None
            if identity is None:
                delay = self.throttle.failed(context.peer())
                if delay:
                    await asyncio.sleep(delay)
                # Never the token, not even in part: it may be a real one sent to the wrong server.
                raise Unauthenticated(f"the token is invalid, expired or revoked: {LOGIN_HINT}")
            return identity
        certificate = _client_certificate(context)
        if certificate is not None:
            return snapshot.certificate_identity(*certificate)
        return ANONYMOUS_IDENTITY

    async def _blocking(self, fn: Callable[[], AccessSnapshot]) -> AccessSnapshot:
        return await asyncio.get_running_loop().run_in_executor(self.executor, fn)


class GuardedServer:
    """What the generated `add_*Servicer_to_server` functions register on: every method handler of the
    service is wrapped by the guard (and refuses undecodable requests first) before it reaches the real
    server."""

    def __init__(self, server: grpc.aio.Server, guard: AccessGuard | None, observer: RpcObserver | None = None) -> None:
        self.server = server
        self.guard = guard
        # Outermost, so refused and undecodable calls are logged and counted too.
        self.observer = observer

    def add_generic_rpc_handlers(self, handlers: Any) -> None:
        # The generated code registers the same handlers again below, by service: they are wrapped there.
        pass

    def add_registered_method_handlers(self, service: str, handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        handlers = {name: self._wrap(f"/{service}/{name}", h) for name, h in handlers.items()}
        self.server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(service, handlers),))
        self.server.add_registered_method_handlers(service, handlers)

    def _wrap(self, method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
        if self.observer is not None:
            handler = self.observer.inner(handler)
        guarded = self.guard.wrap(method, handler) if self.guard is not None else handler
        vetted = vet_requests(method, guarded)
        return self.observer.outer(method, vetted) if self.observer is not None else vetted


def _metadata(context: grpc.aio.ServicerContext) -> dict[str, str]:
    """The two headers the guard reads (credentials and the request id), nothing else copied."""
    return {k: v for k, v in context.invocation_metadata() or () if k in _READ_HEADERS and isinstance(v, str)}


_READ_HEADERS = frozenset(("authorization", REQUEST_ID_KEY))


def _fields(check: Check) -> tuple[str, str, str]:
    return check.verb, check.resource, check.namespace


def _cause(method: str, metadata: dict[str, str]) -> str:
    request_id = metadata.get(REQUEST_ID_KEY, "")
    return f"{method} request={request_id}" if is_request_id(request_id) else method


def _client_certificate(context: grpc.aio.ServicerContext) -> tuple[str, tuple[str, ...]] | None:
    """The verified client certificate's common name and organizations, when mutual TLS proved one."""
    auth = context.auth_context()
    names = auth.get("x509_common_name") or []
    if not names:
        return None
    subject = (auth.get("x509_subject") or [b""])[0].decode(errors="replace")
    organizations = tuple(part[2:] for part in subject.split(",") if part.startswith("O="))
    return names[0].decode(errors="replace"), organizations


class _running_as:
    """Sets the caller (for events) and the access (for servicers) for the block."""

    def __init__(self, access: RequestAccess, cause: str) -> None:
        self.access = access
        self.cause = cause

    def __enter__(self) -> None:
        self._tokens = (
            caller.set_current(caller.Caller(self.access.identity.username, self.cause)),
            _current.set(self.access),
        )

    def __exit__(self, *exc: object) -> None:
        # A streaming call's generator may be finalised from another context: nothing to restore there.
        with contextlib.suppress(ValueError):
            _current.reset(self._tokens[1])
            caller.reset_current(self._tokens[0])
