"""A namespace's registry credentials, looked up by host the way imports need them (semantics §5.3)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..domain.dockercfg import canonical_host, without_port
from ..importer import Unauthorized

Credential = tuple[str, str]


class UnreadableSecret(Unauthorized):
    """A pull secret matched the registry but cannot be opened (no key, or another key sealed it). Raised
    from the lookup, so the import records it on the tag, and a scheduled import goes on with other tags."""


@dataclass(frozen=True)
class KeyringEntry:
    """One registry of one secret. `open` decrypts the secret (once) and answers its credentials by server,
    or raises UnreadableSecret: secrets are opened only when an import needs them."""

    server: str
    open: Callable[[], dict[str, Credential]]


class Keyring:
    """Called with a registry host (`quay.io`, `127.0.0.1:5000`, `docker.io`), answers `(username,
    password)` or None. An entry for the exact host and port wins over one for the host alone; among equals
    the first entry wins (secrets by name, then each secret's entries in order), with no fallback to the
    others: OpenShift uses the keyring's first match only."""

    def __init__(self, entries: Sequence[KeyringEntry]) -> None:
        self._entries = list(entries)

    def __call__(self, host: str) -> Credential | None:
        wanted = canonical_host(host)
        for candidate in dict.fromkeys((wanted, without_port(wanted))):
            for entry in self._entries:
                if entry.server == candidate:
                    return entry.open()[entry.server]
        return None

    def __repr__(self) -> str:
        # Never the credentials: a repr can end up in a log line.
        return f"Keyring({[e.server for e in self._entries]})"
