"""The client configuration file, like a kubeconfig: named contexts (server, namespace, credentials) and the
current one. `~/.isctl/config` by default, `ISCTL_CONFIG` to put it elsewhere.

    current-context: default/127-0-0-1:50051/alice
    contexts:
    - name: default/127-0-0-1:50051/alice
      server: 127.0.0.1:50051
      namespace: default
      token: ist_...

It holds bearer tokens, so it is written for its owner only (directory 0700, file 0600) and atomically: a
crash or a concurrent reader sees the old file or the new one, never half of one.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import UserInputError

ENV_CONFIG = "ISCTL_CONFIG"
DEFAULT_PATH = Path("~/.isctl/config")

# The file's keys, as a context spells them, beside the attribute each is kept in.
_KEYS = {
    "name": "name",
    "server": "server",
    "namespace": "namespace",
    "token": "token",
    "certificate-authority": "certificate_authority",
    "insecure-skip-tls-verify": "insecure_skip_tls_verify",
    "client-certificate": "client_certificate",
    "client-key": "client_key",
}


@dataclass
class ContextEntry:
    """One named context. Empty strings are settings the context does not make."""

    name: str
    server: str = ""
    namespace: str = ""
    # Kept out of repr so that no debug print or traceback shows it.
    token: str = field(default="", repr=False)
    certificate_authority: str = ""
    insecure_skip_tls_verify: bool = False
    client_certificate: str = ""
    client_key: str = ""

    def to_document(self) -> dict[str, Any]:
        """The context as the file holds it: only the settings it makes, in a fixed order."""
        document: dict[str, Any] = {}
        for key, attribute in _KEYS.items():
            value = getattr(self, attribute)
            if value:
                document[key] = value
        return document

    @classmethod
    def from_document(cls, document: object, where: str) -> ContextEntry:
        if not isinstance(document, Mapping):
            raise _invalid(where, "a context must be a mapping")
        unknown = sorted(str(k) for k in document if k not in _KEYS)
        if unknown:
            raise _invalid(where, f"unknown key {unknown[0]!r} in a context")
        values: dict[str, Any] = {}
        for key, attribute in _KEYS.items():
            value = document.get(key)
            if value is None:
                continue
            expected = bool if attribute == "insecure_skip_tls_verify" else str
            if not isinstance(value, expected):
                # The value itself is never quoted: it may be a token.
                raise _invalid(where, f"{key} must be a {'boolean' if expected is bool else 'string'}")
            values[attribute] = value
        if not values.get("name"):
            raise _invalid(where, "every context needs a name")
        return cls(**values)


@dataclass
class ClientConfig:
    current_context: str = ""
    contexts: list[ContextEntry] = field(default_factory=list)

    def get(self, name: str) -> ContextEntry | None:
        return next((c for c in self.contexts if c.name == name), None)

    def current(self) -> ContextEntry | None:
        return self.get(self.current_context) if self.current_context else None

    def put(self, entry: ContextEntry) -> None:
        """Adds the context, or replaces the one of the same name in place (keeping the file's order)."""
        for index, existing in enumerate(self.contexts):
            if existing.name == entry.name:
                self.contexts[index] = entry
                return
        self.contexts.append(entry)

    def remove(self, name: str) -> bool:
        kept = [c for c in self.contexts if c.name != name]
        removed = len(kept) != len(self.contexts)
        self.contexts = kept
        if self.current_context == name:
            self.current_context = ""
        return removed

    def to_document(self) -> dict[str, Any]:
        return {"current-context": self.current_context, "contexts": [c.to_document() for c in self.contexts]}

    @classmethod
    def from_document(cls, document: object, where: str) -> ClientConfig:
        if document is None:
            return cls()
        if not isinstance(document, Mapping):
            raise _invalid(where, "the file must be a mapping with current-context and contexts")
        current = document.get("current-context") or ""
        if not isinstance(current, str):
            raise _invalid(where, "current-context must be a string")
        contexts = document.get("contexts") or []
        if not isinstance(contexts, list):
            raise _invalid(where, "contexts must be a list")
        entries = [ContextEntry.from_document(c, where) for c in contexts]
        names = [e.name for e in entries]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise _invalid(where, f'context "{duplicates[0]}" is defined twice')
        return cls(current, entries)


def config_path(environ: Mapping[str, str]) -> Path:
    return Path(environ.get(ENV_CONFIG) or DEFAULT_PATH).expanduser()


def load(path: Path) -> ClientConfig:
    """The configuration in `path`; an empty one if there is no such file."""
    try:
        text = path.read_text()
    except FileNotFoundError:
        return ClientConfig()
    except OSError as error:
        raise UserInputError(f"cannot read the client configuration {path}: {error.strerror}") from None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError as error:
        # Only where and what, never the snippet of the file PyYAML would quote: that line may hold a token.
        raise _invalid(str(path), _yaml_problem(error)) from None
    return ClientConfig.from_document(document, str(path))


def save(config: ClientConfig, path: Path) -> None:
    """Writes the configuration atomically (a temporary file beside it, then a rename), readable and writable
    by its owner only, in a directory only its owner can enter."""
    directory = path.parent
    _private_directory(directory)
    text = yaml.safe_dump(config.to_document(), sort_keys=False, default_flow_style=False)
    descriptor, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    try:
        # mkstemp already creates the file 0600; set it explicitly anyway, before a token is written into it,
        # so the guarantee does not rest on a library default.
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_directory(directory)


def _private_directory(directory: Path) -> None:
    """Creates the directory 0700. An existing one is left as it is, except the default `~/.isctl`, which is
    ours and is tightened (an older isctl created it for watch state files with the umask's mode)."""
    if not directory.exists():
        directory.mkdir(mode=0o700, parents=True)
        os.chmod(directory, 0o700)  # mkdir's mode is filtered through the umask
    elif directory == DEFAULT_PATH.expanduser().parent:
        os.chmod(directory, 0o700)


def _sync_directory(directory: Path) -> None:
    """Makes the rename itself durable. Some file systems cannot sync a directory: that only weakens
    durability after a power loss, never atomicity."""
    try:
        descriptor = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)


def _yaml_problem(error: yaml.YAMLError) -> str:
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"invalid YAML at line {mark.line + 1}, column {mark.column + 1}: {error.problem}"
    return "invalid YAML"


def _invalid(where: str, problem: str) -> UserInputError:
    return UserInputError(f"invalid client configuration {where}: {problem}")
