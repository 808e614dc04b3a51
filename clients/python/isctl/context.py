"""What every client verb gets: the server, the current namespace, the credentials, where to print, and the
clock; and the clients of each service, made with those credentials."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO, TypeAlias

from imagestreams_client import AccessClient, Client, ProjectClient, SecretClient, TLSConfig

from . import config
from .global_flags import DEFAULT_NAMESPACE, DEFAULT_SERVER, GlobalFlags
from .settings import Settings, resolve

# What `add_subparsers()` returns; generic only for type checkers, hence the string form.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

__all__ = ["DEFAULT_NAMESPACE", "DEFAULT_SERVER", "Context", "Subparsers", "prose"]


def prose(text: str, width: int = 100) -> str:
    """Help text wrapped by paragraph; verbs use a raw formatter so their examples keep their layout."""
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width) for p in text.strip().split("\n\n"))


@dataclass
class Context:
    server: str
    namespace: str
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)
    # Never in a repr: a traceback or a debug print must not show it.
    token: str = field(default="", repr=False)
    tls: TLSConfig | None = None
    # Everything the settings were resolved from, for the verbs that write the configuration file.
    settings: Settings = field(default_factory=Settings)
    config_path: Path = field(default_factory=lambda: config.DEFAULT_PATH.expanduser())
    # Sent with every call of this command, so the server can tie the changes it makes to one command.
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> Context:
        """A command's settings, from its flags, the environment and the configuration file."""
        path = config.config_path(os.environ)
        settings = resolve(GlobalFlags.from_args(args), os.environ, config.load(path))
        return cls.from_settings(settings, path)

    @classmethod
    def from_settings(cls, settings: Settings, config_path: Path) -> Context:
        return cls(
            server=settings.server,
            namespace=settings.namespace,
            token=settings.token,
            tls=settings.tls(),
            settings=settings,
            config_path=config_path,
        )

    def client(self) -> Client:
        """A client of the server; use it in a `with` block so its channel is closed."""
        return Client(self.server, token=self.token or None, tls=self.tls, request_id=self.request_id)

    def secrets(self) -> SecretClient:
        return SecretClient(self.server, token=self.token or None, tls=self.tls, request_id=self.request_id)

    def access(self, *, token: str | None = None) -> AccessClient:
        """AccessService; `token` stands in for the command's own (login checks the one it was given)."""
        return AccessClient(self.server, token=token or self.token or None, tls=self.tls, request_id=self.request_id)

    def projects(self, *, token: str | None = None) -> ProjectClient:
        return ProjectClient(self.server, token=token or self.token or None, tls=self.tls, request_id=self.request_id)

    def load_config(self) -> config.ClientConfig:
        return config.load(self.config_path)

    def save_config(self, client_config: config.ClientConfig) -> None:
        config.save(client_config, self.config_path)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)
