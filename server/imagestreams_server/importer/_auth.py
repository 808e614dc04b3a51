"""Answering a registry's challenge: Basic with the caller's credentials, or a Bearer token from its realm.

Tokens are cached per (registry host, realm, service, scope, whose credentials) until they expire, so a
token fetched with one namespace's secret is never reused for a call made with another's (or with none).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import httpx

from ._challenge import Challenge
from ._problems import (
    CredentialProblem,
    CredentialState,
    HTTPProblem,
    Kind,
    ProtocolProblem,
    Secrets,
    registry_errors,
)
from ._retry import Deadline
from ._target import DOCKER_HUB_API_HOST, api_host

log = logging.getLogger("imagestreams_server.importer")

Credential = tuple[str, str]
# Either a mapping from registry host to (username, password), or a function of the host returning one
# (or None). Hosts are asked for as the user named them (`docker.io`, `quay.io`, `127.0.0.1:5000`).
CredentialSource = Mapping[str, Credential] | Callable[[str], Credential | None]

# Never cache a token for less than this: the distribution client does the same (tokens are at least 60 s).
MINIMUM_TOKEN_LIFETIME = 60.0
MAX_TOKEN_BYTES = 1 << 20
_PRUNE_ABOVE = 512

_DOCKER_HUB_KEYS = ("docker.io", "index.docker.io", DOCKER_HUB_API_HOST, "https://index.docker.io/v1/")


def lookup_credential(source: CredentialSource | None, registry: str) -> Credential | None:
    if source is None:
        return None
    candidates = [registry, api_host(registry)]
    if api_host(registry) == DOCKER_HUB_API_HOST:
        candidates.extend(_DOCKER_HUB_KEYS)
    for host in dict.fromkeys(candidates):
        found = source.get(host) if isinstance(source, Mapping) else source(host)
        if found:
            return found
    return None


def basic_authorization(credential: Credential) -> str:
    return "Basic " + base64.b64encode(f"{credential[0]}:{credential[1]}".encode()).decode()


@dataclass
class Call:
    """What one public call carries through every request it makes."""

    deadline: Deadline
    scope: str
    credential: Credential | None
    secrets: Secrets
    insecure: bool
    # Updated by the authorizer as it answers challenges; decides how a final 401 is worded.
    credential_state: CredentialState = "none"

    def __post_init__(self) -> None:
        if self.credential is not None:
            self.secrets.add_credential(*self.credential)


@dataclass(frozen=True)
class Reply:
    status: int
    headers: httpx.Headers
    content: bytes
    url: httpx.URL


class Exchange(Protocol):
    def __call__(
        self, method: str, url: httpx.URL, *, kind: Kind, headers: dict[str, str], call: Call, max_bytes: int
    ) -> Reply: ...


@dataclass(frozen=True)
class _CachedToken:
    token: str
    state: CredentialState
    expires_at: float


class Authorizer:
    def __init__(self, exchange: Exchange, clock: Callable[[], float] = time.monotonic) -> None:
        self._exchange = exchange
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[tuple[str, str, str, str, str], _CachedToken] = {}

    def authorization(self, host: str, challenge: Challenge | None, call: Call, *, refresh: bool = False) -> str | None:
        """The `Authorization` value for a request to `host` under `challenge`, or None to send none."""
        if challenge is None:
            return None
        if challenge.scheme == "basic":
            if call.credential is None:
                call.credential_state = "none"
                return None
            call.credential_state = "sent"
            return basic_authorization(call.credential)
        if challenge.scheme != "bearer":
            return None
        # On a reactive refresh the registry's own scope is the better guess; otherwise ask for pull.
        scope = (challenge.scope if refresh else "") or call.scope
        key = (host, challenge.realm, challenge.service, scope, _identity(call.credential))
        if not refresh:
            with self._lock:
                cached = self._tokens.get(key)
            if cached is not None and cached.expires_at > self._clock():
                call.secrets.add(cached.token)
                call.credential_state = cached.state
                return f"Bearer {cached.token}"
        token = self._fetch(host, challenge, scope, call)
        with self._lock:
            self._tokens[key] = token
            if len(self._tokens) > _PRUNE_ABOVE:
                # One entry per repository and identity: a long-lived service would otherwise keep them all.
                now = self._clock()
                for stale in [k for k, v in self._tokens.items() if v.expires_at <= now]:
                    del self._tokens[stale]
        call.credential_state = token.state
        return f"Bearer {token.token}"

    def forget(self) -> None:
        with self._lock:
            self._tokens.clear()

    def _fetch(self, host: str, challenge: Challenge, scope: str, call: Call) -> _CachedToken:
        realm = httpx.URL(challenge.realm) if challenge.realm else None
        if realm is None or realm.scheme not in ("http", "https") or not realm.host:
            raise ProtocolProblem("the registry sent a Bearer challenge without a usable realm")
        if call.credential is not None:
            check_realm(host, realm, call.insecure)
        params = {"scope": scope}
        if challenge.service:
            params["service"] = challenge.service
        # copy_merge_params keeps a query the realm already has (`params=` would replace it).
        url = realm.copy_merge_params(params)
        if call.credential is not None:
            reply = self._get(url, call, basic_authorization(call.credential))
            if reply.status == 200:
                return self._token(reply, "accepted", call)
            if reply.status not in (401, 403):
                raise HTTPProblem(reply.status, "token", registry_errors(reply.content))
            # A bad secret must not hide a public image: OpenShift retries the whole import anonymously.
            log.info("token server %s refused the credentials for %s; trying anonymously", realm.host, scope)
            reply = self._get(url, call, None)
            if reply.status == 200:
                return self._token(reply, "rejected", call)
            raise HTTPProblem(401, "token", credentials="rejected")
        reply = self._get(url, call, None)
        if reply.status == 200:
            return self._token(reply, "anonymous", call)
        if reply.status in (401, 403):
            raise HTTPProblem(401, "token", credentials="none")
        raise HTTPProblem(reply.status, "token", registry_errors(reply.content))

    def _get(self, url: httpx.URL, call: Call, authorization: str | None) -> Reply:
        headers = {"Authorization": authorization} if authorization else {}
        return self._exchange("GET", url, kind="token", headers=headers, call=call, max_bytes=MAX_TOKEN_BYTES)

    def _token(self, reply: Reply, state: CredentialState, call: Call) -> _CachedToken:
        try:
            body = json.loads(reply.content)
        except ValueError:
            body = None
        if not isinstance(body, dict):
            raise ProtocolProblem("the token server's answer is not a JSON object")
        token = body.get("token") or body.get("access_token")
        if not isinstance(token, str) or not token:
            raise ProtocolProblem("the token server's answer has no token")
        call.secrets.add(token)
        try:
            lifetime = max(MINIMUM_TOKEN_LIFETIME, float(body.get("expires_in") or 0))
        except (TypeError, ValueError):
            lifetime = MINIMUM_TOKEN_LIFETIME
        # Counted from when we received it, not the server's `issued_at`: immune to clock skew. A margin
        # keeps us from sending a token that expires on its way.
        expires_at = self._clock() + lifetime - min(10.0, lifetime / 10)
        return _CachedToken(token, state, expires_at)


def check_realm(registry_host: str, realm: httpx.URL, insecure: bool) -> None:
    """Raises unless the credentials may go to `realm`: over HTTPS to any host (a registry's token server
    often lives elsewhere, as Docker Hub's does), or over plain HTTP only to the host of a registry the
    caller allowed insecure. A registry that is not insecure was reached over verified TLS, so the realm its
    challenge names is the registry's word; plain HTTP would hand the password to anyone on the path."""
    if realm.scheme == "https":
        return
    where = realm.netloc.decode("ascii")
    if not insecure:
        raise CredentialProblem(
            f"the registry {registry_host} asks for credentials to be sent over plain HTTP to {where}; "
            "they are sent over HTTPS only, unless the registry is allowed insecure"
        )
    if realm.host.lower() != httpx.URL(f"https://{registry_host}").host.lower():
        raise CredentialProblem(
            f"the registry {registry_host} asks for credentials to be sent over plain HTTP to another host, "
            f"{where}; plain HTTP is allowed only to the insecure registry's own host"
        )


def _identity(credential: Credential | None) -> str:
    if credential is None:
        return ""
    return hashlib.sha256(f"{credential[0]}\0{credential[1]}".encode()).hexdigest()
