"""`isctl create secret docker-registry|generic NAME ...`: the pull-secret forms of `oc create secret`.

OpenShift's documentation makes pull secrets with these two commands; both end in the same place as
`isctl secrets new-dockercfg|new`: a pull secret of the namespace that imports use. Only pull secrets are
kept here, so `generic` needs `--type=kubernetes.io/dockerconfigjson` or `kubernetes.io/dockercfg`.
"""

from __future__ import annotations

import argparse
import base64
import json
from pathlib import Path

from .commands.secrets import DEFAULT_SERVER, DOCKERCFG_KEY, DOCKERCONFIGJSON_KEY, read_config_file
from .context import Context
from .errors import UsageError

DOCKER_REGISTRY = "docker-registry"
GENERIC = "generic"
KINDS = (DOCKER_REGISTRY, GENERIC)
# The secret types of the two documents, and the key each must hold.
PULL_SECRET_TYPES = {
    "kubernetes.io/dockerconfigjson": DOCKERCONFIGJSON_KEY,
    "kubernetes.io/dockercfg": DOCKERCFG_KEY,
}


def add_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("create secret docker-registry|generic")
    group.add_argument("--docker-server", default=DEFAULT_SERVER, help=f"registry (default {DEFAULT_SERVER})")
    group.add_argument("--docker-username", help="user name for the registry")
    group.add_argument("--docker-password", help="password for the registry (visible to `ps`: prefer a file)")
    group.add_argument("--docker-email", default="", help="email for the registry")
    group.add_argument(
        "--from-file",
        action="append",
        default=[],
        metavar="[KEY=]PATH",
        help="generic: the docker configuration file, as .dockerconfigjson=PATH or .dockercfg=PATH",
    )
    group.add_argument("--type", dest="secret_type", help="generic: kubernetes.io/dockerconfigjson or .../dockercfg")


def create(kind: str, name: str | None, args: argparse.Namespace, context: Context) -> int:
    if kind not in KINDS:
        raise UsageError(f'unknown secret kind "{kind}": use docker-registry or generic')
    if not name:
        raise UsageError(f"give the secret's name: isctl create secret {kind} NAME")
    with context.secrets() as client:
        if kind == DOCKER_REGISTRY:
            client.create_from_dockerconfigjson(context.namespace, name, _config_json(args))
        else:
            key, document = _generic_document(args)
            if key == DOCKERCFG_KEY:
                client.create_from_dockercfg(context.namespace, name, document)
            else:
                client.create_from_dockerconfigjson(context.namespace, name, document)
    context.out.write(f"secret/{name} created\n")
    return 0


def _config_json(args: argparse.Namespace) -> bytes:
    """The `config.json` document `oc create secret docker-registry` writes for one registry."""
    if not args.docker_username or args.docker_password is None:
        raise UsageError("docker-registry secrets need --docker-username and --docker-password")
    auth = base64.b64encode(f"{args.docker_username}:{args.docker_password}".encode()).decode()
    entry = {"username": args.docker_username, "password": args.docker_password, "auth": auth}
    if args.docker_email:
        entry["email"] = args.docker_email
    return json.dumps({"auths": {args.docker_server: entry}}).encode()


def _generic_document(args: argparse.Namespace) -> tuple[str, bytes]:
    expected = PULL_SECRET_TYPES.get(args.secret_type or "")
    if expected is None:
        types = " or ".join(f"--type={t}" for t in PULL_SECRET_TYPES)
        raise UsageError(f"only pull secrets are kept: give {types}")
    if len(args.from_file) != 1:
        raise UsageError(f"give the docker configuration as one --from-file={expected}=PATH")
    key, sep, path = args.from_file[0].partition("=")
    if not sep:
        key, path = Path(args.from_file[0]).name, args.from_file[0]
    if key != expected:
        raise UsageError(f'a {args.secret_type} secret holds the key "{expected}", not "{key}"')
    return key, read_config_file(path)
