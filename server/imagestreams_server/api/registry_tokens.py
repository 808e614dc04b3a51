"""The registry token service (`GET /v2/token`, also `/token`): Docker's token authentication for a
`docker-registry` configured with `auth: token: {realm, service, issuer, rootcertbundle}`.

A client logs in with any user name and an isctl token as password (Basic), or presents an isctl token as
Bearer, or nothing (anonymous: what `system:unauthenticated` was granted). The caller is authenticated
against the same access snapshot as every gRPC call, and the rights come from `application/registry_tokens`.
Bad credentials are 401 (slowed down per peer like the gRPC side's); a scope that cannot be read is 400.
Neither a credential nor an issued token is ever logged or put into a message.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from ..application.access_snapshot import AccessCache
from ..application.queries import Queries
from ..application.registry_tokens import (
    Scope,
    ScopeError,
    SigningKey,
    TokenSettings,
    granted,
    issue,
    parse_scopes,
)
from ..domain.identity import ANONYMOUS_IDENTITY, Identity
from ..domain.names import StreamName
from .auth_throttle import AuthThrottle

if TYPE_CHECKING:
    from .http_app import HttpApp

log = logging.getLogger(__name__)

PATHS = ("/v2/token", "/token")
REALM = "imagestreams"


class RegistryTokenService:
    def __init__(
        self,
        app: HttpApp,
        key: SigningKey,
        settings: TokenSettings,
        cache: AccessCache,
        queries: Queries,
        clock: Callable[[], datetime],
        throttle: AuthThrottle | None = None,
    ) -> None:
        self.app = app
        self.key = key
        self.settings = settings
        self.cache = cache
        self.queries = queries
        self.clock = clock
        self.throttle = throttle or AuthThrottle()

    def routes(self) -> list[Route]:
        return [Route(path, self.token, methods=["GET"]) for path in PATHS]

    async def token(self, request: Request) -> Response:
        service = request.query_params.get("service", "")
        if service and service != self.settings.service:
            return _error(400, "UNSUPPORTED", f"this token service issues tokens for {self.settings.service!r} only")
        try:
            scopes = parse_scopes(request.query_params.getlist("scope"))
        except ScopeError as error:
            return _error(400, "INVALID_SCOPE", str(error))
        snapshot = self.cache.cached() or await self.app.blocking(self.cache.snapshot)
        identity, reader = self._identify(request.headers.get("authorization"), snapshot)
        if identity is None:
            client = request.client
            delay = self.throttle.failed(f"ip:{client.host}:{client.port}" if client else "unknown")
            if delay:
                await asyncio.sleep(delay)
            return _error(401, "UNAUTHORIZED", "the token is invalid, expired or revoked", challenge=True)
        if reader:
            # The server reading a pushed image's metadata: pull, and nothing else, anywhere.
            access = [_only_pull(scope) for scope in scopes]
        else:
            access = await self.app.blocking(granted, snapshot, identity, scopes, self._stream_exists)
        issued = issue(self.key, self.settings, identity.username, access, self.clock())
        log.debug("registry token for %s: %s", identity.username, _summary(access))
        return JSONResponse(
            {
                "token": issued.token,
                "access_token": issued.token,
                "expires_in": issued.expires_in,
                "issued_at": issued.issued_at,
            },
            headers={"Cache-Control": "no-store"},
        )

    def _identify(self, header: str | None, snapshot: Any) -> tuple[Identity | None, bool]:
        """Who calls (None: credentials given but not good), and whether it is the server's metadata reader."""
        if not header:
            return ANONYMOUS_IDENTITY, False
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "basic":
            try:
                username, _, password = base64.b64decode(value, validate=True).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return None, False
            if self.key.is_reader(username, password):
                return Identity(username, ()), True
            token = password
        elif scheme.lower() == "bearer":
            token = value
        else:
            return None, False
        return snapshot.authenticate(token, self.clock), False

    def _stream_exists(self, namespace: str, stream: str) -> bool:
        return self.queries.position_of(StreamName(namespace, stream)) > 0


def _only_pull(scope: Scope) -> dict[str, Any]:
    actions = ["pull"] if scope.type == "repository" and "pull" in scope.actions else []
    return {"type": scope.type, "name": scope.name, "actions": actions}


def _summary(access: list[dict[str, Any]]) -> str:
    return ", ".join(f"{a['type']}:{a['name'][:200]}:{','.join(a['actions']) or '-'}" for a in access) or "no scope"


def _error(status: int, code: str, message: str, *, challenge: bool = False) -> JSONResponse:
    headers = {"WWW-Authenticate": f'Basic realm="{REALM}"'} if challenge else None
    return JSONResponse({"errors": [{"code": code, "message": message}], "details": message}, status, headers)
