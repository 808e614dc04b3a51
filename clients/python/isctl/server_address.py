"""`--server` as users type it: `host`, `host:port`, `[v6]:port`, `http://host:port` (plain text) or
`https://host:port` (TLS). A missing port is the service's, 50051, whatever the scheme; anything else
(another scheme, a path) is refused with a message rather than handed to gRPC to misread."""

from __future__ import annotations

from .errors import UserInputError

DEFAULT_PORT = 50051
_SCHEMES = ("http://", "https://")


def normalize_server(typed: str) -> str:
    """The address with its port: `localhost` -> `localhost:50051`, `https://h` -> `https://h:50051`."""
    text = typed.strip()
    scheme = next((s for s in _SCHEMES if text.lower().startswith(s)), "")
    rest = text[len(scheme) :]
    if not scheme and "://" in text:
        raise UserInputError(
            f'server "{typed}": unsupported scheme "{text.partition("://")[0]}"; use HOST:PORT, '
            "http://HOST:PORT (plain text) or https://HOST:PORT (TLS)"
        )
    if scheme:
        rest = rest.rstrip("/")
        if "/" in rest or "?" in rest or "#" in rest:
            raise UserInputError(
                f'server "{typed}": an image streams server address has no path; use {scheme}HOST:PORT'
            )
    if not rest:
        raise UserInputError(f'server "{typed}" names no host')
    return scheme + _with_port(rest, typed)


def _with_port(host_port: str, typed: str) -> str:
    if host_port.startswith("["):
        host, bracket, port = host_port[1:].partition("]")
        if not bracket or (port and not port.startswith(":")):
            raise UserInputError(f'server "{typed}": invalid address')
        port = port.removeprefix(":")
        host = f"[{host}]"
    elif host_port.count(":") > 1:
        host, port = f"[{host_port}]", ""  # a bare IPv6 address
    else:
        host, _, port = host_port.partition(":")
    if port and not port.isdigit():
        raise UserInputError(f'server "{typed}": invalid port "{port}"')
    if not host:
        raise UserInputError(f'server "{typed}" names no host')
    return f"{host}:{port or DEFAULT_PORT}"
