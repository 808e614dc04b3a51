"""TLS for client channels: what to trust and what to present (`TLSConfig`), as grpc channel credentials.

Client("is.example.com:443", tls=TLSConfig(ca_file="ca.crt"), token=token)
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc

from .certificate_names import certificate_name
from .errors import ClientSettingsError, ImageStreamsError

# gRPC's default port when a target names none (as for https).
DEFAULT_TLS_PORT = 443


@dataclass(frozen=True)
class TLSConfig:
    """How a client speaks TLS to the server.

    `ca_file`: PEM certificates to trust (None: the roots grpc ships with). `client_cert_file` and
    `client_key_file`: a PEM certificate and key to present, for servers that ask for one (mutual TLS).
    `insecure_skip_verify`: trust whatever certificate the server presents (see `pinned_server_certificate`);
    for tests and first contact only. `server_name`: the name the server's certificate must carry, when it is
    not the host of the address (an IP address, a tunnel, a load balancer)."""

    ca_file: str | None = None
    client_cert_file: str | None = None
    client_key_file: str | None = None
    insecure_skip_verify: bool = False
    server_name: str | None = None

    def validate(self) -> None:
        if self.insecure_skip_verify and self.ca_file:
            # kubectl's rule and words: the two ask for opposite things.
            raise ClientSettingsError("specifying a root certificates file with the insecure flag is not allowed")
        if bool(self.client_cert_file) != bool(self.client_key_file):
            raise ClientSettingsError("a client certificate needs its key, and a client key its certificate")


def channel_credentials(
    target: str, tls: TLSConfig, timeout: float
) -> tuple[grpc.ChannelCredentials, list[tuple[str, Any]]]:
    """The credentials and channel options of a secure channel to `target` (`host:port`). With
    `insecure_skip_verify` this connects once to the server to read its certificate, within `timeout` seconds."""
    tls.validate()
    private_key = _read(tls.client_key_file, "client key") if tls.client_key_file else None
    certificate_chain = _read(tls.client_cert_file, "client certificate") if tls.client_cert_file else None
    server_name = tls.server_name
    root: bytes | None
    if tls.insecure_skip_verify:
        root, presented_name = pinned_server_certificate(target, tls, timeout)
        server_name = server_name or presented_name
    else:
        root = _read(tls.ca_file, "certificate authority") if tls.ca_file else None
    credentials = grpc.ssl_channel_credentials(
        root_certificates=root, private_key=private_key, certificate_chain=certificate_chain
    )
    options: list[tuple[str, Any]] = []
    if server_name:
        options.append(("grpc.ssl_target_name_override", server_name))
    return credentials, options


def pinned_server_certificate(target: str, tls: TLSConfig, timeout: float) -> tuple[bytes, str | None]:
    """The certificate the server presents now (PEM), and a name it is valid for.

    grpc cannot be told to skip verification. Instead the certificate the server presents is fetched without
    verifying it and then trusted as the only root, and the name checked is one the certificate carries, so
    the handshake that follows verifies against exactly that certificate. (BoringSSL accepts a trusted leaf
    without its issuer, so this works for self-signed and CA-signed certificates alike.) What is lost is what
    `insecure-skip-tls-verify` gives up anyway: the certificate is whatever answered first.

    This is `ssl.get_server_certificate` with two additions it lacks: the client certificate is presented
    (a server that demands one may end the handshake otherwise) and ALPN offers h2, as gRPC does."""
    host, port = split_host_port(target)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    context.set_alpn_protocols(["h2"])
    if tls.client_cert_file and tls.client_key_file:
        try:
            context.load_cert_chain(tls.client_cert_file, tls.client_key_file)
        except (OSError, ssl.SSLError) as error:
            raise ClientSettingsError(f"cannot use the client certificate {tls.client_cert_file}: {error}") from None
    sni = tls.server_name or (None if _is_ip(host) else host)
    try:
        with (
            socket.create_connection((host, port), timeout=timeout) as raw,
            context.wrap_socket(raw, server_hostname=sni) as connection,
        ):
            der = connection.getpeercert(binary_form=True)
    except (OSError, ssl.SSLError) as error:
        raise ImageStreamsError(
            grpc.StatusCode.UNAVAILABLE, f"cannot read the server's TLS certificate: {error}"
        ) from None
    if not der:
        raise ImageStreamsError(grpc.StatusCode.UNAVAILABLE, "the server presented no TLS certificate")
    return ssl.DER_cert_to_PEM_cert(der).encode(), certificate_name(der)


def split_host_port(target: str) -> tuple[str, int]:
    """`host:port`, `[v6]:port`, or a bare host (port 443)."""
    if target.startswith("["):
        host, _, rest = target[1:].partition("]")
        port = rest.removeprefix(":")
    elif target.count(":") == 1:
        host, port = target.split(":")
    else:
        host, port = target, ""  # a bare name, or a bare IPv6 address
    if not port:
        return host, DEFAULT_TLS_PORT
    if not port.isdigit():
        raise ClientSettingsError(f'invalid port in server address "{target}"')
    return host, int(port)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _read(path: str, what: str) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as error:
        raise ClientSettingsError(f"cannot read the {what} file {path}: {error.strerror}") from None
