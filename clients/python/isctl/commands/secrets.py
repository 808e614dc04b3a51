"""`isctl secrets new-dockercfg|new|list|delete|link|unlink`: the namespace's pull secrets, as `oc secrets`.

Imports into a namespace use every pull secret of it, as OpenShift's do, unless the secret was unlinked.
No command ever prints a password: the server never returns one.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from imagestreams.v1 import secret_service_pb2 as api
from imagestreams_client import ImageStreamsError
from imagestreams_client.secrets import SecretClient

from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..errors import UsageError, UserInputError, error_report, stops_the_rest
from ..humanize import human_duration, is_set, to_datetime
from ..output import DATA_FORMATS, print_resources

# oc's default: Docker Hub under the key docker clients write for it.
DEFAULT_SERVER = "https://index.docker.io/v1/"
DOCKERCFG_KEY = ".dockercfg"
DOCKERCONFIGJSON_KEY = ".dockerconfigjson"
# A bare PATH's file name says which document it is (`~/.docker/config.json` is a .dockerconfigjson).
FILE_NAMES = {
    DOCKERCFG_KEY: DOCKERCFG_KEY,
    DOCKERCONFIGJSON_KEY: DOCKERCONFIGJSON_KEY,
    "config.json": DOCKERCONFIGJSON_KEY,
}
TYPE_NAMES = {
    api.SECRET_TYPE_DOCKERCFG: "kubernetes.io/dockercfg",
    api.SECRET_TYPE_DOCKER_CONFIG_JSON: "kubernetes.io/dockerconfigjson",
}
HEADERS = ("NAME", "TYPE", "REGISTRIES", "IMPORTS", "AGE")
# Larger files are not docker configurations (the server bounds them too): refused before reading on.
MAX_FILE = 1 << 20

EXAMPLES = """examples:
  isctl secrets new-dockercfg quay --docker-server=quay.io --docker-username=alice --docker-password=...
  printf %s "$PASSWORD" | isctl secrets new-dockercfg quay --docker-server=quay.io \\
      --docker-username=alice --docker-password-stdin
  isctl secrets new hub .dockerconfigjson=$HOME/.docker/config.json
  isctl secrets new legacy .dockercfg=./dockercfg
  isctl secrets list
  isctl secrets unlink default quay          # imports stop using it
  isctl secrets link default quay --for=pull # and use it again
  isctl secrets delete quay
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "secrets",
        parents=parents,
        help="manage the pull secrets imports use",
        description=prose(
            "Manage the namespace's pull secrets: registry credentials that imports into the namespace use. "
            "An import picks the credentials of the registry it reads from: an entry for the exact host and "
            "port first, then one for the host alone; secrets are searched by name and the first match wins.\n\n"
            "Every secret is used until it is unlinked (`unlink default NAME`); `link default NAME --for=pull` "
            "uses it again. Passwords are kept encrypted and are never shown."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="secrets_command", metavar="COMMAND", required=True)

    new_dockercfg = commands.add_parser(
        "new-dockercfg", parents=parents, help="create a secret from one registry's credentials"
    )
    new_dockercfg.add_argument("name", metavar="NAME")
    new_dockercfg.add_argument("--docker-server", default=DEFAULT_SERVER, help=f"registry (default {DEFAULT_SERVER})")
    new_dockercfg.add_argument("--docker-username", required=True)
    password = new_dockercfg.add_mutually_exclusive_group(required=True)
    password.add_argument("--docker-password", help="the password (visible to `ps`: prefer --docker-password-stdin)")
    add_bool_flag(password, "--docker-password-stdin", help="read the password from stdin")
    new_dockercfg.add_argument("--docker-email", default="")
    new_dockercfg.set_defaults(run=_new_dockercfg)

    new = commands.add_parser(
        "new",
        parents=parents,
        help="create a secret from a .dockercfg or config.json file",
        description=prose(
            "Create a secret from a file: `.dockerconfigjson=PATH` for a docker `config.json`, "
            "`.dockercfg=PATH` for a legacy `.dockercfg`, or a PATH whose file name says which it is."
        ),
    )
    new.add_argument("name", metavar="NAME")
    new.add_argument("source", metavar="[KEY=]PATH")
    new.set_defaults(run=_new)

    listing = commands.add_parser("list", aliases=["get"], parents=parents, help="list secrets (never passwords)")
    listing.add_argument("names", metavar="NAME", nargs="*", help="only these secrets")
    listing.add_argument("-o", "--output", choices=(*DATA_FORMATS, "name"))
    listing.set_defaults(run=_list)

    delete = commands.add_parser("delete", parents=parents, help="delete secrets")
    delete.add_argument("names", metavar="NAME", nargs="+")
    delete.set_defaults(run=_delete)

    link = commands.add_parser("link", parents=parents, help="use secrets for imports (again)")
    link.add_argument("service_account", metavar="SERVICEACCOUNT", help='only "default" exists')
    link.add_argument("names", metavar="NAME", nargs="+")
    link.add_argument("--for", dest="purposes", default="pull", help="pull (the default; mount is not supported)")
    link.set_defaults(run=_link)

    unlink = commands.add_parser("unlink", parents=parents, help="stop using secrets for imports")
    unlink.add_argument("service_account", metavar="SERVICEACCOUNT", help='only "default" exists')
    unlink.add_argument("names", metavar="NAME", nargs="+")
    unlink.set_defaults(run=_unlink)
    return parser


def _client(context: Context) -> SecretClient:
    return context.secrets()


def _new_dockercfg(args: argparse.Namespace, context: Context) -> int:
    password = args.docker_password
    if args.docker_password_stdin:
        password = sys.stdin.read().rstrip("\r\n")
    with _client(context) as client:
        client.create_from_credential(
            context.namespace, args.name, args.docker_server, args.docker_username, password, args.docker_email
        )
    context.out.write(f"secret/{args.name} created\n")
    return 0


def _new(args: argparse.Namespace, context: Context) -> int:
    key, sep, path = args.source.partition("=")
    if not sep:
        key, path = FILE_NAMES.get(Path(args.source).name, ""), args.source
        if not key:
            raise UsageError(
                f'cannot tell what "{args.source}" holds: name it {DOCKERCONFIGJSON_KEY}=PATH or {DOCKERCFG_KEY}=PATH'
            )
    if key not in (DOCKERCFG_KEY, DOCKERCONFIGJSON_KEY):
        raise UsageError(f'unknown key "{key}": pull secrets take {DOCKERCONFIGJSON_KEY}=PATH or {DOCKERCFG_KEY}=PATH')
    document = read_config_file(path)
    with _client(context) as client:
        if key == DOCKERCFG_KEY:
            client.create_from_dockercfg(context.namespace, args.name, document)
        else:
            client.create_from_dockerconfigjson(context.namespace, args.name, document)
    context.out.write(f"secret/{args.name} created\n")
    return 0


def read_config_file(path: str) -> bytes:
    """A docker configuration file (`-`: standard input), read no further than MAX_FILE bytes."""
    try:
        if path == "-":
            document = sys.stdin.buffer.read(MAX_FILE + 1)
        else:
            with open(path, "rb") as file:
                document = file.read(MAX_FILE + 1)
    except OSError as e:
        raise UserInputError(f"cannot read {path}: {e.strerror}") from None
    if len(document) > MAX_FILE:
        raise UserInputError(f"{path} is larger than {MAX_FILE} bytes: not a docker configuration")
    return document


def _list(args: argparse.Namespace, context: Context) -> int:
    with _client(context) as client:
        if args.names:
            secrets = [client.get(context.namespace, name).secret for name in args.names]
        else:
            secrets, token = [], ""
            while True:
                page = client.list(context.namespace, page_token=token)
                secrets.extend(page.secrets)
                token = page.next_page_token
                if not token:
                    break
    if not secrets and args.output is None:
        context.err.write(f"No resources found in {context.namespace} namespace.\n")
        return 0
    now = context.now()
    print_resources(
        secrets,
        args.output,
        context.out,
        single=len(args.names) == 1,
        name=lambda s: f"secret/{s.name}",
        headers=HEADERS,
        row=lambda s: [
            s.name,
            TYPE_NAMES.get(s.type, ""),
            ",".join(r.server for r in s.registries),
            "yes" if s.used_for_imports else "unlinked",
            human_duration(now - to_datetime(s.created)) if is_set(s.created) else "",
        ],
    )
    return 0


def _delete(args: argparse.Namespace, context: Context) -> int:
    def one(client: SecretClient, name: str) -> str:
        client.delete(context.namespace, name)
        return f'secret "{name}" deleted'

    return _each(args.names, context, one)


# The service account imports run as: only its links decide which secrets they use.
IMPORTS_RUN_AS = "default"


def _link(args: argparse.Namespace, context: Context) -> int:
    purposes = []
    for purpose in (p.strip() for p in args.purposes.split(",")):
        if purpose not in ("pull", "mount"):
            raise UsageError(f'--for takes pull (or mount), not "{purpose}"')
        purposes.append(api.SECRET_LINK_PURPOSE_PULL if purpose == "pull" else api.SECRET_LINK_PURPOSE_MOUNT)

    def one(client: SecretClient, name: str) -> str:
        client.link(context.namespace, args.service_account, name, purposes)
        effect = ": imports use it" if args.service_account == IMPORTS_RUN_AS else ""
        return f"secret/{name} linked to serviceaccount/{args.service_account} for pull{effect}"

    return _each(args.names, context, one)


def _unlink(args: argparse.Namespace, context: Context) -> int:
    def one(client: SecretClient, name: str) -> str:
        client.unlink(context.namespace, args.service_account, name)
        effect = ": imports no longer use it" if args.service_account == IMPORTS_RUN_AS else ""
        return f"secret/{name} unlinked from serviceaccount/{args.service_account}{effect}"

    return _each(args.names, context, one)


def _each(names: list[str], context: Context, action: Callable[[SecretClient, str], str]) -> int:
    """Runs `action` for each name; like kubectl, one failure is reported and the rest still run."""
    failed = False
    with _client(context) as client:
        for name in names:
            try:
                context.out.write(action(client, name) + "\n")
            except ImageStreamsError as error:
                if stops_the_rest(error):
                    raise
                context.err.write(error_report(error, context.server))
                failed = True
    return 1 if failed else 0
