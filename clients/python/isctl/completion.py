"""Shell completion with argcomplete: `isctl completion bash|zsh|fish` prints the shell's hook, and the hook runs
`isctl` itself to complete verbs, flags, resource types and, from the server, names (streams, tags, projects).

Completers are attached by where an argument sits (its verb and destination) rather than in each verb's module,
so a verb gets name completion by naming its arguments as the others do (`resource`, `names`, `name`, ...).
A completer asks the server with a short deadline and the command's own settings (flags typed so far, the
environment, the configuration file); when the server is not there it offers nothing rather than an error.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Iterable
from typing import Any

import argcomplete
from imagestreams_client import Client, ProjectClient

from .context import Context, Subparsers
from .errors import UsageError
from .refs import IMAGE_STREAM, IMAGE_STREAM_TAG, PROJECT, resource_type, resource_words

SHELLS = ("bash", "zsh", "fish")
# Seconds a completion may wait for the server: a shell that hangs on TAB is worse than no answer.
# How long completion waits for the server: a TAB must not hang the shell. ISCTL_COMPLETION_TIMEOUT (seconds)
# gives a slow link (or a busy machine) longer.
DEFAULT_SERVER_DEADLINE = 2.0
TIMEOUT_VARIABLE = "ISCTL_COMPLETION_TIMEOUT"


def server_deadline() -> float:
    try:
        seconds = float(os.environ.get(TIMEOUT_VARIABLE, ""))
    except ValueError:
        return DEFAULT_SERVER_DEADLINE
    return seconds if 0 < seconds <= 600 else DEFAULT_SERVER_DEADLINE


Completer = Callable[..., Iterable[str]]


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "completion",
        help="print the shell code that completes isctl commands",
        description=(
            "Print the code that makes SHELL complete isctl's verbs, flags, resource types and the names of "
            "streams, tags and projects (asked of the server). Load it in the shell's start-up file."
        ),
        epilog=(
            "examples:\n"
            "  echo 'eval \"$(isctl completion bash)\"' >> ~/.bashrc\n"
            "  echo 'eval \"$(isctl completion zsh)\"' >> ~/.zshrc      # after compinit\n"
            "  isctl completion fish > ~/.config/fish/completions/isctl.fish\n"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("shell", metavar="SHELL", choices=SHELLS, help=" | ".join(SHELLS))
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    context.out.write(argcomplete.shellcode(["isctl"], shell=args.shell))
    return 0


def enable(parser: argparse.ArgumentParser) -> None:
    """Attaches the completers, then answers the shell and exits when the shell is asking (else returns)."""
    for verb, verb_parser in _subcommands(parser).items():
        _attach(verb, verb_parser)
    argcomplete.autocomplete(parser, always_complete_options="long")


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def _attach(verb: str, parser: argparse.ArgumentParser) -> None:
    for action in parser._actions:
        completer = _completer_for(verb, action.dest)
        if completer is not None:
            action.completer = completer  # type: ignore[attr-defined]
    for sub_verb, sub_parser in _subcommands(parser).items():
        _attach(f"{verb} {sub_verb}", sub_parser)


def _completer_for(verb: str, dest: str) -> Completer | None:
    if dest == "namespace":
        return complete_projects
    if verb in ("get", "describe", "delete", "export"):
        if dest == "resource":
            return complete_resource
        if dest in ("names", "name"):
            return complete_names
    if verb == "tag" and dest == "args":
        return complete_tags
    if verb in ("history", "import-image", "rollback") and dest in ("name", "target"):
        return complete_tags
    if verb == "set image-lookup" and dest == "resources":
        return complete_streams
    if verb == "project" and dest == "name":
        return complete_projects
    return None


# -- completers ------------------------------------------------------------------------------------------------


def complete_resource(prefix: str, parsed_args: argparse.Namespace, **_: Any) -> list[str]:
    """Resource types, and `TYPE/NAME` once a type and a slash are typed."""
    kind, slash, name = prefix.partition("/")
    if not slash:
        return list(resource_words())
    return [f"{kind}/{found}" for found in _names_of(kind, name, parsed_args)]


def complete_names(prefix: str, parsed_args: argparse.Namespace, **_: Any) -> list[str]:
    return _names_of(getattr(parsed_args, "resource", "") or "is", prefix, parsed_args)


def complete_streams(prefix: str, parsed_args: argparse.Namespace, **_: Any) -> list[str]:
    return _streams(parsed_args)


def complete_tags(prefix: str, parsed_args: argparse.Namespace, **_: Any) -> list[str]:
    """`stream` until a colon is typed, then `stream:tag`."""
    stream, colon, _tag = prefix.partition(":")
    if not colon:
        return [f"{name}:" for name in _streams(parsed_args)]
    return [f"{stream}:{tag}" for tag in _tags(parsed_args, stream)]


def complete_projects(prefix: str, parsed_args: argparse.Namespace, **_: Any) -> list[str]:
    def projects(context: Context) -> list[str]:
        with ProjectClient(context.server, server_deadline(), token=context.token or None, tls=context.tls) as client:
            return [p.name for p in client.iter_projects()]

    return _ask(parsed_args, projects)


def _names_of(kind: str, prefix: str, parsed_args: argparse.Namespace) -> list[str]:
    try:
        canonical = resource_type(kind, (IMAGE_STREAM_TAG, IMAGE_STREAM, PROJECT))
    except UsageError:  # a type whose names are not completed (or not a type at all)
        return []
    if canonical == IMAGE_STREAM_TAG:
        return complete_tags(prefix, parsed_args)
    if canonical == IMAGE_STREAM:
        return _streams(parsed_args)
    return complete_projects(prefix, parsed_args)


def _streams(parsed_args: argparse.Namespace) -> list[str]:
    def streams(context: Context) -> list[str]:
        with _client(context) as client:
            return [s.name for s in client.iter_image_streams(context.namespace)]

    return _ask(parsed_args, streams)


def _tags(parsed_args: argparse.Namespace, stream: str) -> list[str]:
    def tags(context: Context) -> list[str]:
        with _client(context) as client:
            found = client.get_image_stream(context.namespace, stream).image_stream
        return sorted({t.name for t in found.spec_tags} | {t.tag for t in found.status_tags})

    return _ask(parsed_args, tags)


def _client(context: Context) -> Client:
    return Client(context.server, server_deadline(), token=context.token or None, tls=context.tls)


def _ask(parsed_args: argparse.Namespace, question: Callable[[Context], list[str]]) -> list[str]:
    """The server's answer with the command's own settings, or nothing (completion never prints an error)."""
    try:
        return question(Context.from_args(parsed_args))
    except Exception:  # any failure (no server, no rights, bad settings): the shell just completes nothing
        return []
