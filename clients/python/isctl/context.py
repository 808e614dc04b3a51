"""What every client verb gets: where the server is, the current namespace, where to print, and the clock."""

from __future__ import annotations

import argparse
import os
import sys
import textwrap
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TextIO, TypeAlias

from imagestreams_client import Client

# What `add_subparsers()` returns; generic only for type checkers, hence the string form.
Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"

DEFAULT_SERVER = "127.0.0.1:50051"
DEFAULT_NAMESPACE = "default"


def prose(text: str, width: int = 100) -> str:
    """Help text wrapped by paragraph; verbs use a raw formatter so their examples keep their layout."""
    return "\n\n".join(textwrap.fill(" ".join(p.split()), width) for p in text.strip().split("\n\n"))


@dataclass
class Context:
    server: str
    namespace: str
    out: TextIO = field(default_factory=lambda: sys.stdout)
    err: TextIO = field(default_factory=lambda: sys.stderr)

    def client(self) -> Client:
        """A client of the server; use it in a `with` block so its channel is closed."""
        return Client(self.server)

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)


def add_global_flags(parser: argparse._ActionsContainer, *, suppress_defaults: bool = False) -> None:
    """`--server` and `-n`. The verbs repeat them with suppressed defaults, so `isctl get is -n team` works
    like `isctl -n team get is` without the verb's default overwriting a value given before the verb."""
    server_default = os.environ.get("ISCTL_SERVER", DEFAULT_SERVER)
    namespace_default = os.environ.get("ISCTL_NAMESPACE", DEFAULT_NAMESPACE)
    parser.add_argument(
        "--server",
        metavar="HOST:PORT",
        default=argparse.SUPPRESS if suppress_defaults else server_default,
        help=f"address of the image streams server (env ISCTL_SERVER, default {DEFAULT_SERVER})",
    )
    parser.add_argument(
        "-n",
        "--namespace",
        default=argparse.SUPPRESS if suppress_defaults else namespace_default,
        help=f"namespace to work in (env ISCTL_NAMESPACE, default {DEFAULT_NAMESPACE})",
    )


def global_flags_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("global options")
    add_global_flags(group, suppress_defaults=True)
    return parent
