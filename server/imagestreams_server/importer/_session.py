"""HTTP to registries: the ping, answering challenges, retries, redirects, size caps, limits and counts.

Everything above this module speaks in "GET this manifest"; everything about how a request gets an
answer (or a `Problem`) is here.
"""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ._auth import Authorizer, Call, Reply
from ._challenge import Challenge, parse_challenges, preferred
from ._limits import HostGate, HostLimits, RequestCounter
from ._problems import HTTPProblem, Kind, NotV2, ProtocolProblem, TransportProblem, registry_errors
from ._retry import RETRYABLE_STATUSES, RetryPolicy, parse_retry_after

log = logging.getLogger("imagestreams_server.importer")

MAX_PING_BYTES = 64 << 10
MAX_REDIRECTS = 5
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
# What OpenSSL says when the other end answered a TLS hello in plain HTTP.
_PLAIN_HTTP_SIGNS = ("wrong version number", "record layer failure", "packet length too long", "http request")


@dataclass
class Endpoint:
    """A registry host as pinged: which scheme answered and which challenge it sent."""

    host: str
    scheme: str
    insecure: bool
    challenge: Challenge | None
    checked_at: float

    def url(self, path: str) -> httpx.URL:
        return httpx.URL(f"{self.scheme}://{self.host}{path}")

    def same_origin(self, url: httpx.URL) -> bool:
        return url.scheme == self.scheme and url.netloc.decode("ascii") == self.host


class Session:
    def __init__(
        self,
        *,
        timeout: float,
        retry: RetryPolicy,
        limits: HostLimits,
        counter: RequestCounter,
        verify: ssl.SSLContext | bool = True,
        trust_env: bool = True,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        ping_ttl: float = 300.0,
    ) -> None:
        self._timeout = timeout
        self._retry = retry
        self._limits = limits
        self._counter = counter
        self._clock = clock
        self._sleep = sleep
        self._ping_ttl = ping_ttl
        # Redirects are followed by hand (blobs only), so each hop is counted, limited and sent without
        # Authorization when it leaves the registry's origin.
        self._client = httpx.Client(verify=verify, follow_redirects=False, trust_env=trust_env, transport=transport)
        # OpenShift's insecure import also skips TLS verification (apiserver.go insecureImportTransport).
        self._insecure_client = httpx.Client(
            verify=False, follow_redirects=False, trust_env=trust_env, transport=transport
        )
        self._lock = threading.Lock()
        self._gates: dict[str, HostGate] = {}
        self._endpoints: dict[tuple[str, bool], Endpoint] = {}
        self.authorizer = Authorizer(self.exchange, clock)

    def close(self) -> None:
        self._client.close()
        self._insecure_client.close()

    # -- one logical request, with retries -----------------------------------------------------------------

    def exchange(
        self,
        method: str,
        url: httpx.URL,
        *,
        kind: Kind,
        headers: dict[str, str],
        call: Call,
        max_bytes: int,
        attempts: int | None = None,
    ) -> Reply:
        """Sends one request, retrying 429, 5xx, timeouts and refused connections within the policy."""
        limit = attempts or self._retry.max_attempts
        host = url.netloc.decode("ascii")
        gate = self._gate(host)
        attempt = 0
        while True:
            attempt += 1
            if call.deadline.expired:
                raise TransportProblem("timeout", f"timed out talking to {host}", attempts=attempt - 1)
            gate.enter(call.deadline)
            try:
                self._counter.record(host, method, kind)
                reply = self._once(method, url, headers, call, max_bytes)
            except TransportProblem as problem:
                problem.attempts = attempt
                delay = self._retry.backoff_for(attempt)
                if problem.kind not in ("timeout", "connect") or attempt >= limit:
                    raise
                if delay >= call.deadline.remaining():
                    raise
                log.info(
                    "%s %s failed (%s); retrying in %.2fs (attempt %d of %d)",
                    method,
                    _loggable(url),
                    problem.detail,
                    delay,
                    attempt + 1,
                    limit,
                )
            else:
                if reply.status not in RETRYABLE_STATUSES:
                    return reply
                retry_after = parse_retry_after(reply.headers.get("retry-after"))
                delay = retry_after if retry_after is not None else self._retry.backoff_for(attempt)
                if (
                    attempt >= limit
                    or (retry_after is not None and retry_after > self._retry.max_retry_after)
                    or delay >= call.deadline.remaining()
                ):
                    raise HTTPProblem(reply.status, kind, registry_errors(reply.content), attempts=attempt)
                log.info(
                    "%s %s answered %d; retrying in %.2fs (attempt %d of %d)",
                    method,
                    _loggable(url),
                    reply.status,
                    delay,
                    attempt + 1,
                    limit,
                )
            finally:
                gate.leave()
            self._sleep(delay)

    def _once(self, method: str, url: httpx.URL, headers: dict[str, str], call: Call, max_bytes: int) -> Reply:
        client = self._insecure_client if call.insecure else self._client
        host = url.netloc.decode("ascii")
        timeout = max(0.001, min(self._timeout, call.deadline.remaining()))
        request = client.build_request(method, url, headers=headers, timeout=timeout)
        try:
            response = client.send(request, stream=True)
            try:
                body = bytearray()
                if method != "HEAD":
                    for chunk in response.iter_bytes():
                        body += chunk
                        if len(body) > max_bytes:
                            raise TransportProblem("too_large", f"the answer from {host} is over {max_bytes} bytes")
                        # The read timeout restarts with every chunk: a body that trickles in must still end
                        # by the call's deadline.
                        if call.deadline.expired:
                            raise TransportProblem("timeout", f"timed out reading from {host}")
            finally:
                response.close()
        except httpx.TimeoutException:
            raise TransportProblem("timeout", f"timed out talking to {host}") from None
        except httpx.TransportError as e:
            raise _transport_problem(host, e) from None
        return Reply(response.status_code, response.headers, bytes(body), url)

    def _gate(self, host: str) -> HostGate:
        with self._lock:
            gate = self._gates.get(host)
            if gate is None:
                gate = self._gates[host] = HostGate(host, self._limits, self._clock, self._sleep)
            return gate

    # -- the ping ------------------------------------------------------------------------------------------

    def endpoint(self, host: str, call: Call) -> Endpoint:
        """The pinged registry, cached per (host, insecure) for `ping_ttl` seconds."""
        key = (host, call.insecure)
        with self._lock:
            cached = self._endpoints.get(key)
        if cached is not None and self._clock() - cached.checked_at < self._ping_ttl:
            return cached
        endpoint = self._ping(host, call)
        with self._lock:
            self._endpoints[key] = endpoint
        return endpoint

    def _ping(self, host: str, call: Call) -> Endpoint:
        scheme = "https"
        url = httpx.URL(f"https://{host}/v2/")
        if call.insecure:
            try:
                # One try only: if HTTPS does not work at all, plain HTTP is what "insecure" allows.
                reply = self.exchange(
                    "GET", url, kind="ping", headers={}, call=call, max_bytes=MAX_PING_BYTES, attempts=1
                )
            except TransportProblem as problem:
                if problem.kind == "too_large":
                    raise
                log.info(
                    "registry %s: HTTPS failed (%s); falling back to plain HTTP as insecure allows",
                    host,
                    problem.detail,
                )
                scheme = "http"
                url = httpx.URL(f"http://{host}/v2/")
                reply = self.exchange("GET", url, kind="ping", headers={}, call=call, max_bytes=MAX_PING_BYTES)
        else:
            reply = self.exchange("GET", url, kind="ping", headers={}, call=call, max_bytes=MAX_PING_BYTES)
        # 2xx, 401 and 403 all mean "v2" even without Docker-Distribution-API-Version (OCI says not to rely on it).
        if 200 <= reply.status < 300 or reply.status == 403:
            challenge = None
        elif reply.status == 401:
            challenge = preferred(parse_challenges(reply.headers.get("www-authenticate", "")))
        else:
            raise NotV2(host, reply.status)
        return Endpoint(host, scheme, call.insecure, challenge, self._clock())

    # -- a request to a registry, authorised --------------------------------------------------------------

    def send(
        self,
        endpoint: Endpoint,
        method: str,
        target: str | httpx.URL,
        *,
        kind: Kind,
        call: Call,
        max_bytes: int,
        headers: dict[str, str] | None = None,
        follow_redirects: bool = False,
    ) -> Reply:
        """A request to the registry: answers its challenge, re-authorises once on a fresh 401, follows
        redirects (without credentials off the registry's origin). A final 401 raises; other statuses are
        the caller's to read."""
        url = endpoint.url(target) if isinstance(target, str) else target
        authorization = self.authorizer.authorization(endpoint.host, endpoint.challenge, call)
        reauthorised = False
        hops = 0
        while True:
            request_headers = dict(headers or {})
            if authorization and endpoint.same_origin(url):
                request_headers["Authorization"] = authorization
            reply = self.exchange(method, url, kind=kind, headers=request_headers, call=call, max_bytes=max_bytes)
            if reply.status == 401 and endpoint.same_origin(url):
                challenge = preferred(parse_challenges(reply.headers.get("www-authenticate", "")))
                if challenge is not None and not reauthorised:
                    # A token that expired early, a scope the ping could not tell us, or a registry whose
                    # /v2/ was open but whose repository is not: answer this challenge, once.
                    reauthorised = True
                    endpoint.challenge = challenge
                    fresh = self.authorizer.authorization(endpoint.host, challenge, call, refresh=True)
                    if fresh is not None:
                        authorization = fresh
                        continue
                raise HTTPProblem(401, kind, registry_errors(reply.content), credentials=call.credential_state)
            if follow_redirects and reply.status in _REDIRECTS and reply.headers.get("location"):
                hops += 1
                if hops > MAX_REDIRECTS:
                    raise ProtocolProblem(f"more than {MAX_REDIRECTS} redirects from {endpoint.host}")
                url = reply.url.join(reply.headers["location"])
                if url.scheme not in ("http", "https"):
                    raise ProtocolProblem(f"redirect from {endpoint.host} to an unsupported scheme")
                method = "GET" if method != "HEAD" else method
                continue
            return reply


def _transport_problem(host: str, error: httpx.TransportError) -> TransportProblem:
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ssl.SSLCertVerificationError):
            return TransportProblem("tls", f"TLS certificate of {host} not trusted: {cause.verify_message}")
        if isinstance(cause, ssl.SSLError):
            text = str(cause).lower()
            if any(sign in text for sign in _PLAIN_HTTP_SIGNS):
                return TransportProblem("plain_http", f"{host} answered HTTPS in plain HTTP")
            return TransportProblem("tls", f"TLS handshake with {host} failed: {cause.reason or 'error'}")
        cause = cause.__cause__ or cause.__context__
    reason = str(error).strip() or type(error).__name__
    return TransportProblem("connect", f"cannot connect to {host}: {reason[:200]}")


def _loggable(url: httpx.URL) -> str:
    """A URL for logs: no query (a token realm's query names the account), no user info."""
    return str(url.copy_with(query=None, username=None, password=None))
