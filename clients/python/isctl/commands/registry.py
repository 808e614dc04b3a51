"""`isctl registry info` and `isctl registry login`, as `oc registry info|login`: the registry the server
advertises, and a docker `config.json` entry that logs image clients (docker, podman, skopeo) in to it with
the current token (the registry asks this service's token service, which takes any user name and an isctl
token as password)."""

from __future__ import annotations

import argparse
import base64
import json
import os
from pathlib import Path
from typing import Any

from imagestreams_client.registry import RegistryInfoClient

from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..errors import UsageError, UserInputError

EXAMPLES = """\
examples:
  isctl registry info                       # the registry's hostname (the public one when there is one)
  isctl registry info --internal
  isctl registry login                      # writes ~/.docker/config.json
  isctl registry login --registry=registry.example.com:5000 --to=auth.json
  skopeo copy --authfile auth.json dir:image docker://registry.example.com:5000/team/app:v1
"""
# The user name written for identities whose names hold a `:` (service accounts), which Basic
# authentication cannot carry; the token service takes any name: the token decides.
SERVICE_ACCOUNT_USER = "serviceaccount"


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "registry",
        parents=parents,
        help="the integrated registry: its hostname, and logging image clients in to it",
        description=prose(
            "The registry that holds images pushed to image streams. `info` prints its hostname as the server "
            "advertises it; `login` writes the current token into a docker config.json for that registry, so "
            "that docker, podman or skopeo pull and push with your rights."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="registry_command", metavar="COMMAND", required=True)
    info = commands.add_parser("info", parents=parents, help="print the registry's hostname")
    add_bool_flag(info, "--internal", help="the hostname clients inside reach it by (--registry-hostname)")
    add_bool_flag(info, "--public", help="the hostname clients outside reach it by (--registry-public-hostname)")
    info.set_defaults(run=run_info)
    login = commands.add_parser(
        "login",
        parents=parents,
        help="write a docker config.json entry for the registry with the current token",
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    login.add_argument(
        "--registry", default="", help="the registry's HOST[:PORT] (default: the one the server advertises)"
    )
    login.add_argument(
        "--to",
        metavar="FILE",
        default="",
        help="the docker config file to write (default: $DOCKER_CONFIG/config.json, else ~/.docker/config.json)",
    )
    login.set_defaults(run=run_login)
    return parser


def _advertised(context: Context, *, internal: bool = False, public: bool = False) -> str:
    with RegistryInfoClient(
        context.server, token=context.token or None, tls=context.tls, request_id=context.request_id
    ) as registry:
        answer = registry.get_registry_info()
    if internal:
        hostname = answer.hostname
    elif public:
        hostname = answer.public_hostname
    else:
        hostname = answer.public_hostname or answer.hostname
    if not hostname:
        which, flag = ("public ", "--registry-public-hostname") if public else ("", "--registry-hostname")
        raise UserInputError(f"the server advertises no {which}registry hostname (isctl serve {flag})")
    return hostname


def run_info(args: argparse.Namespace, context: Context) -> int:
    if args.internal and args.public:
        raise UsageError("give one of --internal and --public")
    context.out.write(_advertised(context, internal=args.internal, public=args.public) + "\n")
    return 0


def run_login(args: argparse.Namespace, context: Context) -> int:
    if not context.token:
        raise UserInputError("no token is in use: log in first with isctl login --token=TOKEN")
    # Checks the token before writing it anywhere, and learns whose it is.
    with context.access() as access:
        username = access.who_am_i().username
    registry = args.registry or _advertised(context)
    if "/" in registry or not registry.strip():
        raise UserInputError(f"--registry: {registry!r} is not a registry HOST[:PORT]")
    user = username if ":" not in username else SERVICE_ACCOUNT_USER
    path = Path(args.to) if args.to else default_config_path()
    write_auth(path, registry, user, context.token)
    context.out.write(f"Saved credentials for {registry} into {path}\n")
    return 0


def default_config_path() -> Path:
    directory = os.environ.get("DOCKER_CONFIG")
    return Path(directory) / "config.json" if directory else Path.home() / ".docker" / "config.json"


def write_auth(path: Path, registry: str, username: str, token: str) -> None:
    """Adds (or replaces) the registry's entry in a docker config file, keeping everything else in it; the
    file is its owner's only (it holds a token)."""
    document: dict[str, Any] = {}
    if path.exists():
        try:
            document = json.loads(path.read_text() or "{}")
        except (OSError, ValueError) as error:
            raise UserInputError(f"{path} is not a docker config file: {error}") from None
        if not isinstance(document, dict):
            raise UserInputError(f"{path} is not a docker config file: not a JSON object")
    auths = document.setdefault("auths", {})
    if not isinstance(auths, dict):
        raise UserInputError(f'{path} is not a docker config file: "auths" is not an object')
    auths[registry] = {"auth": base64.b64encode(f"{username}:{token}".encode()).decode()}
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as file:
        os.fchmod(file.fileno(), 0o600)
        json.dump(document, file, indent=2)
        file.write("\n")
    os.replace(temporary, path)
