"""Reading manifests and blobs from the registry an image came from, streamed, on worker threads (blocking).

Blocking rather than async: httpx's async client hands a body over 64 KiB per trip through the event loop
(with a timeout scope and a pause and resume of the socket each time), which made reading the upstream most
of a cold blob pull's cost and kept the loop busy; the sync client on a thread reads the socket directly
(docs/performance.md, "Pull-through").

Authentication as the importer does it: a Basic challenge gets the project's pull secret for the host; a
Bearer challenge gets a token from its realm with that secret (or anonymously), credentials going over plain
HTTP only to an insecure registry's own host (`importer._auth.check_realm`). A registry that asks for this
service's own registry tokens (its challenge names our `service`) gets a pull-only token minted here.
HTTPS first; plain HTTP only when the image's stream allows it insecure. Blobs follow redirects (to a CDN),
and httpx drops the `Authorization` header when a redirect leaves the registry's origin.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable
from typing import Any

import httpx

from ..importer import ImportFailure
from ..importer._auth import Credential, CredentialSource, check_realm, lookup_credential
from ..importer._challenge import parse_challenges, preferred
from ..importer._problems import CredentialProblem
from .pull_through import Source

MAX_TOKEN_BYTES = 1 << 20
MANIFEST_ACCEPT = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    )
)


class UpstreamError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Upstream:
    def __init__(
        self,
        credentials_for: Callable[[str], CredentialSource | None],
        own_token: Callable[[str, str], str | None],
        timeout: float = 30.0,
    ) -> None:
        """`credentials_for(namespace)`: the project's pull secrets; `own_token(service, repository)`: a pull
        token signed here when `service` is ours (else None)."""
        self.credentials_for = credentials_for
        self.own_token = own_token
        limits = httpx.Timeout(timeout, read=timeout)
        # Used from several threads at once (httpx's clients and their pools are thread-safe).
        self._secure = httpx.Client(timeout=limits, follow_redirects=True)
        self._insecure = httpx.Client(timeout=limits, follow_redirects=True, verify=False)
        # (host, repository, credential) -> (Authorization value, expiry on the monotonic clock)
        self._tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
        self._http_only: set[str] = set()

    def close(self) -> None:
        self._secure.close()
        self._insecure.close()

    def open(self, source: Source, namespace: str, path: str, accept: str = "") -> httpx.Response:
        """A streamed GET of `/v2/REPOSITORY/PATH` at the source's registry (close it after use). Raises
        UpstreamError for anything but 200. Blocking: call it on a worker thread."""
        credential = self._credential(namespace, source.host)
        key = (source.host, source.repository, _id(credential))
        cached = self._tokens.get(key)
        authorization = cached[0] if cached and cached[1] > time.monotonic() else None
        response = self._send(source, path, accept, authorization)
        if response.status_code == 401:
            challenge = preferred(parse_challenges(response.headers.get("www-authenticate", "")))
            response.close()
            authorization = self._authorize(source, challenge, credential, key)
            response = self._send(source, path, accept, authorization)
        if response.status_code != 200:
            status = response.status_code
            response.close()
            raise UpstreamError(404 if status == 404 else 502, f"the source registry answered {status}")
        return response

    def _credential(self, namespace: str, host: str) -> Credential | None:
        try:
            keyring = self.credentials_for(namespace)
            return lookup_credential(keyring, host) if keyring is not None else None
        except ImportFailure as failure:  # a pull secret that cannot be opened says why
            raise UpstreamError(502, failure.message) from None

    def _send(self, source: Source, path: str, accept: str, authorization: str | None) -> httpx.Response:
        client = self._insecure if source.insecure else self._secure
        # Identity: a blob is relayed as its raw bytes, which must be the digest's.
        headers = {"Accept": accept, "Accept-Encoding": "identity"} if accept else {"Accept-Encoding": "identity"}
        if authorization:
            headers["Authorization"] = authorization
        schemes = ["http"] if source.host in self._http_only else ["https", "http"] if source.insecure else ["https"]
        last: Exception | None = None
        for scheme in schemes:
            url = f"{scheme}://{source.host}/v2/{source.repository}/{path}"
            request = client.build_request("GET", url, headers=headers)
            try:
                response = client.send(request, stream=True)
            except httpx.TransportError as error:
                last = error
                continue
            if scheme == "http":
                self._http_only.add(source.host)
            return response
        raise UpstreamError(502, f"the source registry {source.host} cannot be reached: {type(last).__name__}")

    def _authorize(
        self, source: Source, challenge: Any, credential: Credential | None, key: tuple[str, str, str]
    ) -> str | None:
        if challenge is None:
            return None
        scheme = "http" if source.host in self._http_only else "https"
        if challenge.scheme == "basic":
            if credential is None or (scheme == "http" and not source.insecure):
                return None
            return _basic(credential)
        own = self.own_token(challenge.service, source.repository)
        if own is not None:
            self._tokens[key] = (f"Bearer {own}", time.monotonic() + 60)
            return f"Bearer {own}"
        realm = httpx.URL(challenge.realm)
        headers = {}
        if credential is not None:
            try:
                check_realm(source.host, realm, source.insecure)
                headers["Authorization"] = _basic(credential)
            except CredentialProblem:
                pass  # asked anonymously instead: a token without the secret's rights, or none
        params = {"scope": f"repository:{source.repository}:pull"}
        if challenge.service:
            params["service"] = challenge.service
        client = self._insecure if source.insecure else self._secure
        try:
            reply = client.get(realm, params=params, headers=headers)
        except httpx.TransportError:
            raise UpstreamError(502, "the source registry's token service cannot be reached") from None
        if reply.status_code != 200 or len(reply.content) > MAX_TOKEN_BYTES:
            raise UpstreamError(502, f"the source registry's token service answered {reply.status_code}")
        try:
            body = reply.json()
            token = body.get("token") or body.get("access_token")
            lifetime = float(body.get("expires_in") or 60)
        except (ValueError, AttributeError):
            raise UpstreamError(502, "the source registry's token service answered no token") from None
        if not isinstance(token, str) or not token:
            raise UpstreamError(502, "the source registry's token service answered no token")
        value = f"Bearer {token}"
        self._tokens[key] = (value, time.monotonic() + max(lifetime, 60) - 10)
        return value


def _basic(credential: Credential) -> str:
    return "Basic " + base64.b64encode(f"{credential[0]}:{credential[1]}".encode()).decode()


def _id(credential: Credential | None) -> str:
    if credential is None:
        return ""
    import hashlib

    return hashlib.sha256(f"{credential[0]}:{credential[1]}".encode()).hexdigest()
