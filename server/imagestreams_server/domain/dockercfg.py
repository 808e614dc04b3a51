"""Registry credentials as users hand them over: one server/user/password, a `.dockercfg` or a `config.json`.

Pure parsing. Messages name the entry (its server) and the rule, never a value that could be a secret, and
`DockerCredential`'s repr leaves the password out, so neither an error nor a stray log line can carry it.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidField
from .reference import DOCKER_HUB_HOSTS

# Docker Hub under every name clients write for it; credentials for any of them are Docker Hub's.
DOCKER_HUB = "docker.io"
# A document bigger than this is not a credentials file.
MAX_DOCUMENT_BYTES = 1 << 20

_LABEL = r"[a-z0-9](?:[a-z0-9-]*[a-z0-9])?"
_HOST_RE = re.compile(rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9a-f:.]+\])(?::[0-9]{{1,5}})?")
# Paths docker clients put after the host (`https://index.docker.io/v1/`); they name the API, not a repository.
_API_PATHS = ("", "v1", "v2")


@dataclass(frozen=True)
class DockerCredential:
    """One registry's credentials. `server` is normalised (see `normalize_server`)."""

    server: str
    username: str
    password: str = field(repr=False)
    email: str = ""


def normalize_server(value: str, field_name: str) -> str:
    """`https://Quay.io/` -> `quay.io`, `https://index.docker.io/v1/` -> `docker.io`. Imports look credentials
    up by registry host, so a key that scopes them to a repository path is refused rather than widened."""
    text = value.strip()
    if not text:
        raise InvalidField(field_name, "registry server is required")
    rest = text
    for scheme in ("https://", "http://"):
        if rest.lower().startswith(scheme):
            rest = rest[len(scheme) :]
    host, _, path = rest.partition("/")
    host = host.lower()
    if path.strip("/") not in _API_PATHS:
        raise InvalidField(
            field_name,
            f'registry server "{value}": credentials are matched by registry host; a repository path is not supported',
        )
    if not _HOST_RE.fullmatch(host):
        raise InvalidField(field_name, f'invalid registry server "{value}": expected HOST or HOST:PORT')
    port = host.rpartition(":")[2] if not host.endswith("]") else ""
    if port.isdigit() and not 0 < int(port) <= 65535:
        raise InvalidField(field_name, f'invalid registry server "{value}": port {port} is not between 1 and 65535')
    return canonical_host(host)


def canonical_host(host: str) -> str:
    """A registry host as credentials are keyed: lower case, and Docker Hub under one name."""
    lowered = host.lower()
    return DOCKER_HUB if lowered in DOCKER_HUB_HOSTS else lowered


def without_port(host: str) -> str:
    """`quay.io:443` -> `quay.io`, `[::1]:5000` -> `[::1]`; a host without a port is returned as is."""
    if host.startswith("["):
        end = host.find("]")
        return host[: end + 1] if end != -1 else host
    name, sep, port = host.rpartition(":")
    return name if sep and port.isdigit() else host


def credential(server: str, username: str, password: str, email: str, field_name: str) -> DockerCredential:
    """`isctl secrets new-dockercfg`: one registry, every part given."""
    normalized = normalize_server(server, f"{field_name}.server")
    _check_user(username, f"{field_name}.username")
    if not password:
        raise InvalidField(f"{field_name}.password", "password is required")
    return DockerCredential(normalized, username, password, email.strip())


def parse_dockercfg(data: bytes, field_name: str) -> list[DockerCredential]:
    """A `.dockercfg` document: `{"<server>": {"auth": "<base64 user:password>", "email": ...}}`."""
    document = _json_object(data, field_name)
    if "auths" in document and isinstance(document["auths"], dict):
        raise InvalidField(field_name, 'this is a config.json document (it has "auths"): give it as .dockerconfigjson')
    return _entries(document, field_name, helper="")


def parse_dockerconfigjson(data: bytes, field_name: str) -> list[DockerCredential]:
    """A `config.json` / `.dockerconfigjson` document: `{"auths": {"<server>": {...}}}`."""
    document = _json_object(data, field_name)
    auths = document.get("auths")
    helper = _helper_name(document)
    if auths is None:
        hint = f' (its credentials are kept by the credential helper "{helper}")' if helper else ""
        raise InvalidField(field_name, f'the document has no "auths"{hint}')
    if not isinstance(auths, dict):
        raise InvalidField(field_name, '"auths" must be an object of registry servers')
    return _entries(auths, field_name, helper)


def _json_object(data: bytes, field_name: str) -> dict[str, Any]:
    if not data:
        raise InvalidField(field_name, "the document is empty")
    if len(data) > MAX_DOCUMENT_BYTES:
        raise InvalidField(field_name, f"the document is larger than {MAX_DOCUMENT_BYTES} bytes")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise InvalidField(field_name, "the document is not UTF-8 text") from None
    except json.JSONDecodeError as e:
        # Position only: the decoder's own text is safe too, but the document's content is never quoted.
        raise InvalidField(field_name, f"invalid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    except RecursionError:
        # A docker config is two objects deep; thousands of nested brackets are no credentials.
        raise InvalidField(field_name, "the document nests too deeply to be a docker config") from None
    if not isinstance(document, dict):
        raise InvalidField(field_name, "the document must be a JSON object")
    return document


def _helper_name(document: dict[str, Any]) -> str:
    store = document.get("credsStore")
    if isinstance(store, str) and store:
        return store
    helpers = document.get("credHelpers")
    if isinstance(helpers, dict) and helpers:
        return ", ".join(sorted(str(v) for v in set(helpers.values())))
    return ""


def _entries(entries: dict[str, Any], field_name: str, helper: str) -> list[DockerCredential]:
    """Entries in document order. Two keys naming the same registry keep the first, as a keyring's first
    match would."""
    found: dict[str, DockerCredential] = {}
    for key, entry in entries.items():
        server = normalize_server(str(key), field_name)
        if not isinstance(entry, dict):
            raise InvalidField(field_name, f'entry "{key}" must be an object')
        username, password = _user_and_password(entry, key, field_name)
        if not username or not password:
            hint = f'; its credentials are kept by the credential helper "{helper}"' if helper else ""
            raise InvalidField(
                field_name, f'entry "{key}" has no username and password ("auth", or "username" and "password"){hint}'
            )
        _check_user(username, field_name, f'entry "{key}": ')
        email = entry.get("email")
        found.setdefault(server, DockerCredential(server, username, password, email if isinstance(email, str) else ""))
    if not found:
        raise InvalidField(field_name, "the document holds no registry credentials")
    return list(found.values())


def _user_and_password(entry: dict[str, Any], key: str, field_name: str) -> tuple[str, str]:
    """`auth` (base64 `user:password`) wins over `username`/`password`, as in the kubelet's keyring."""
    auth = entry.get("auth")
    if isinstance(auth, str) and auth:
        try:
            decoded = base64.b64decode(auth, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            raise InvalidField(field_name, f'entry "{key}": "auth" is not base64 of "username:password"') from None
        username, sep, password = decoded.partition(":")
        if not sep:
            raise InvalidField(field_name, f'entry "{key}": "auth" is not base64 of "username:password"')
        return username, password
    username, password = entry.get("username"), entry.get("password")
    return (
        username if isinstance(username, str) else "",
        password if isinstance(password, str) else "",
    )


def _check_user(username: str, field_name: str, prefix: str = "") -> None:
    if not username:
        raise InvalidField(field_name, f"{prefix}username is required")
    if ":" in username:
        # Basic auth separates the user from the password with the first colon.
        raise InvalidField(field_name, f"{prefix}username may not contain ':'")
