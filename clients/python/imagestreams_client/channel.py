"""Where every client of this package gets its channels: plain or TLS, and with the caller's credentials on
every call.

Credentials travel as call metadata (`authorization: Bearer TOKEN`), added by a client interceptor rather
than by each method: one place sees every call of every service, unary and streaming alike, so no method
can forget them. (grpc's own call credentials would do the same but refuse to travel over a plain channel,
which a server on loopback is.)
"""

from __future__ import annotations

import collections
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import grpc

from .errors import ClientSettingsError
from .tls import TLSConfig, channel_credentials

# Seconds to wait for the server's certificate when it is fetched to be pinned (insecure_skip_verify).
CERTIFICATE_FETCH_TIMEOUT = 10.0

Metadata = tuple[tuple[str, str], ...]


def split_scheme(address: str) -> tuple[str, bool]:
    """The gRPC target of an address, and whether its scheme asks for TLS. `https://host:port` is TLS,
    `http://host:port` and a bare `host:port` are not (unless TLS settings are given)."""
    for scheme, secure in (("https://", True), ("http://", False)):
        if address.lower().startswith(scheme):
            return address[len(scheme) :].rstrip("/"), secure
    return address, False


def call_metadata(token: str | None, request_id: str | None) -> Metadata:
    pairs: list[tuple[str, str]] = []
    if token:
        if not token.isascii() or not token.isprintable() or any(c.isspace() for c in token):
            # The token itself is never part of a message: messages end up in logs and terminals.
            raise ClientSettingsError("the token is not a valid bearer token: it has spaces or unprintable characters")
        pairs.append(("authorization", f"Bearer {token}"))
    if request_id:
        pairs.append(("x-request-id", request_id))
    return tuple(pairs)


class ChannelFactory:
    """Opens channels to one server with one set of credentials. TLS settings are resolved on first use and
    kept, so a pinned certificate (insecure_skip_verify) is fetched once however many channels are opened."""

    def __init__(
        self,
        address: str,
        *,
        token: str | None = None,
        tls: TLSConfig | None = None,
        request_id: str | None = None,
    ) -> None:
        self.target, secure_scheme = split_scheme(address)
        self.tls = tls if tls is not None or not secure_scheme else TLSConfig()
        self._metadata = call_metadata(token, request_id)
        self._secure: tuple[grpc.ChannelCredentials, list[tuple[str, Any]]] | None = None

    def __repr__(self) -> str:
        # Never the token.
        return f"ChannelFactory({self.target!r}, tls={self.tls!r}, authenticated={self.authenticated})"

    @property
    def authenticated(self) -> bool:
        return any(key == "authorization" for key, _ in self._metadata)

    def open(self, options: Sequence[tuple[str, Any]] = ()) -> grpc.Channel:
        if self.tls is None:
            channel = grpc.insecure_channel(self.target, options=list(options))
        else:
            if self._secure is None:
                self._secure = channel_credentials(self.target, self.tls, CERTIFICATE_FETCH_TIMEOUT)
            credentials, tls_options = self._secure
            channel = grpc.secure_channel(self.target, credentials, options=[*options, *tls_options])
        if not self._metadata:
            return channel
        return grpc.intercept_channel(channel, MetadataInterceptor(self._metadata))


# grpc.ClientCallDetails is an interface with no constructor: grpc's own examples pair it with a namedtuple.
_CallFields = collections.namedtuple(
    "_CallFields", ("method", "timeout", "metadata", "credentials", "wait_for_ready", "compression")
)


class _CallDetails(_CallFields, grpc.ClientCallDetails):  # type: ignore[misc]  # grpc ships no type information
    pass


class MetadataInterceptor(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
    """Adds fixed metadata to every unary and server-streaming call (the only kinds our services have)."""

    def __init__(self, metadata: Metadata) -> None:
        self._metadata = metadata

    def __repr__(self) -> str:
        return f"MetadataInterceptor(keys={[key for key, _ in self._metadata]})"

    def _with_metadata(self, details: grpc.ClientCallDetails) -> grpc.ClientCallDetails:
        own = list(details.metadata or ())
        # A write brings its own request id (one per write, see writes.py); the fixed one goes with the rest.
        present = {key for key, _ in own}
        metadata = [*own, *((k, v) for k, v in self._metadata if k not in present)]
        return _CallDetails(
            details.method,
            details.timeout,
            metadata,
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(
        self, continuation: Callable[..., Any], client_call_details: grpc.ClientCallDetails, request: Any
    ) -> Any:
        return continuation(self._with_metadata(client_call_details), request)

    def intercept_unary_stream(
        self, continuation: Callable[..., Any], client_call_details: grpc.ClientCallDetails, request: Any
    ) -> Iterator[Any]:
        return continuation(self._with_metadata(client_call_details), request)  # type: ignore[no-any-return]
