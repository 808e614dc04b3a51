"""The options every client verb takes: where the server is, which namespace, and the credentials. They may
come before or after the verb (`isctl -n team get is` or `isctl get is -n team`)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass, field

from .booleans import add_bool_flag

DEFAULT_SERVER = "127.0.0.1:50051"
DEFAULT_NAMESPACE = "default"


@dataclass(frozen=True)
class GlobalFlags:
    """What was given on the command line; None for what was not, so that the environment and the
    configuration file can fill it in (see settings.py)."""

    server: str | None = None
    namespace: str | None = None
    token: str | None = field(default=None, repr=False)
    certificate_authority: str | None = None
    insecure_skip_tls_verify: bool | None = None
    client_certificate: str | None = None
    client_key: str | None = None
    context: str | None = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> GlobalFlags:
        return cls(
            server=getattr(args, "server", None),
            namespace=getattr(args, "namespace", None),
            token=getattr(args, "token", None),
            certificate_authority=getattr(args, "certificate_authority", None),
            insecure_skip_tls_verify=getattr(args, "insecure_skip_tls_verify", None),
            client_certificate=getattr(args, "client_certificate", None),
            client_key=getattr(args, "client_key", None),
            context=getattr(args, "context", None),
        )


def add_global_flags(parser: argparse._ActionsContainer, *, suppress_defaults: bool = False) -> None:
    """The verbs repeat these flags with suppressed defaults, so `isctl get is -n team` works like
    `isctl -n team get is` without the verb's default overwriting a value given before the verb."""
    unset = argparse.SUPPRESS if suppress_defaults else None
    parser.add_argument(
        "--server",
        metavar="HOST:PORT",
        default=unset,
        help=f"address of the image streams server, https://HOST:PORT for TLS (env ISCTL_SERVER, else the "
        f"current context, else {DEFAULT_SERVER})",
    )
    parser.add_argument(
        "-n",
        "--namespace",
        default=unset,
        help=f"namespace (project) to work in (env ISCTL_NAMESPACE, else the current context, else "
        f"{DEFAULT_NAMESPACE})",
    )
    parser.add_argument(
        "--token",
        metavar="TOKEN",
        default=unset,
        help="bearer token to authenticate with (env ISCTL_TOKEN, else the current context's)",
    )
    parser.add_argument(
        "--certificate-authority",
        metavar="FILE",
        default=unset,
        help="PEM certificates to trust for the server's TLS certificate (implies TLS)",
    )
    add_bool_flag(
        parser,
        "--insecure-skip-tls-verify",
        default=unset,
        help="use TLS but accept any server certificate; insecure, for tests and first contact only",
    )
    parser.add_argument(
        "--client-certificate", metavar="FILE", default=unset, help="PEM client certificate for mutual TLS"
    )
    parser.add_argument("--client-key", metavar="FILE", default=unset, help="PEM key of --client-certificate")
    parser.add_argument("--context", metavar="NAME", default=unset, help="the context of the configuration file to use")


def global_flags_parent() -> argparse.ArgumentParser:
    parent = argparse.ArgumentParser(add_help=False)
    group = parent.add_argument_group("global options")
    add_global_flags(group, suppress_defaults=True)
    return parent
