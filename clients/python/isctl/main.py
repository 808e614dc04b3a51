"""`isctl`: the image streams command line, shaped like `oc` (`verb resource name`, `-o yaml|json|name`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from imagestreams_client import ClientSettingsError, ImageStreamsError

from . import completion, serve
from .booleans import attach_bool_values
from .commands import (
    adm,
    apply,
    auth,
    contexts,
    create,
    delete,
    describe,
    export,
    get,
    history,
    import_image,
    login,
    logout,
    new_project,
    policy,
    project,
    projects,
    registry,
    rollback,
    service_accounts,
    set_image_lookup,
    tag,
    watch,
    whoami,
)
from .commands import secrets as secrets_verb
from .context import Context
from .errors import UsageError, UserInputError, error_report
from .global_flags import add_global_flags, global_flags_parent
from .version import print_version

DESCRIPTION = "Work with OpenShift-style image streams on an image streams server."

EPILOG = """\
quick start:
  isctl serve --data-dir ./data &                      # a server on 127.0.0.1:50051
  isctl login --token="$(cat ./data/admin.token)"     # the first administrator's token
  isctl new-project team-a
  isctl create is ruby
  isctl tag registry.example.com/team/ruby@sha256:<64 hex digits> ruby:2.0
  isctl tag ruby:2.0 ruby:latest                       # copies 2.0's current image
  isctl tag --alias ruby:latest ruby:prod              # prod follows latest
  isctl describe is ruby
  isctl get istag ruby:latest -o yaml

Global options (--server, -n, --token, --context, TLS) may come before or after the command. Each setting
comes from its flag, else the environment (ISCTL_SERVER, ISCTL_NAMESPACE, ISCTL_TOKEN), else the current
context of the configuration file (~/.isctl/config, or ISCTL_CONFIG), else the default.
"""

CLIENT_VERBS = (
    login,
    logout,
    whoami,
    new_project,
    project,
    projects,
    create,
    apply,
    get,
    describe,
    tag,
    set_image_lookup,
    import_image,
    delete,
    history,
    rollback,
    export,
    watch,
    secrets_verb,
    policy,
    adm,
    registry,
    auth,
    service_accounts,
    contexts,
    completion,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="isctl", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_global_flags(parser)
    # Handled before parsing (see main); here for --help.
    parser.add_argument("--version", action="store_true", help="print the client's version, and the server's")
    subparsers = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)
    parents = [global_flags_parent()]
    for verb in CLIENT_VERBS:
        verb_parser = verb.add_parser(subparsers, parents)
        # Kept so a verb's usage errors print that verb's usage.
        verb_parser.set_defaults(verb_parser=verb_parser)
    serve.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    # Answers the shell and exits when it is completing a word (isctl completion SHELL); a no-op otherwise.
    completion.enable(parser)
    # After build_parser: that is what registers the boolean flags whose values get attached.
    words = attach_bool_values(sys.argv[1:] if argv is None else argv)
    if _asks_version(words):
        return _version(words)
    args, extras = parser.parse_known_args(words)
    _take_extras(parser, args, extras)
    if args.verb == "serve":
        return int(args.run(args))
    try:
        context = Context.from_args(args)
    except UserInputError as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    try:
        return int(args.run(args, context))
    except UsageError as error:
        args.verb_parser.error(str(error))  # exits 2 with the verb's usage
    except (UserInputError, ImageStreamsError, ClientSettingsError) as error:
        context.err.write(error_report(error, context.server))
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (`| head`) went away: stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0


def _asks_version(words: Sequence[str]) -> bool:
    """`isctl --version`, with or without global flags (`isctl --server h:1 --version`)."""
    options = list(words[: words.index("--")] if "--" in words else words)
    return "--version" in options and "serve" not in options


def _version(words: Sequence[str]) -> int:
    """The client's version, and the server's reachability (see version.py); global flags still choose it."""
    version_parser = argparse.ArgumentParser(prog="isctl", add_help=False)
    add_global_flags(version_parser)
    version_parser.add_argument("--version", action="store_true")
    args, extras = version_parser.parse_known_args(words)
    if extras:
        version_parser.error(f"--version takes no command or arguments: {' '.join(extras)}")
    try:
        context = Context.from_args(args)
    except UserInputError as error:
        sys.stderr.write(f"error: {error}\n")
        return 1
    return print_version(context)


def _take_extras(parser: argparse.ArgumentParser, args: argparse.Namespace, extras: list[str]) -> None:
    """What argparse left over. Names after a flag (`get is -n team ruby`: argparse has already given the
    verb's optional NAMEs an empty list by then) go to the verb's names, as kubectl takes flags anywhere;
    anything else is an error named with the verb's usage (exit 2)."""
    if not extras:
        return
    verb_parser = getattr(args, "verb_parser", None) or parser
    dest = getattr(args, "extra_positionals", None)
    unknown = [word for word in extras if word.startswith("-") and word != "-"]
    if unknown:
        verb_parser.error(f"unknown flag: {unknown[0].partition('=')[0]}")
    current = getattr(args, dest, None) if dest else None
    if isinstance(current, list):
        current.extend(extras)
    elif dest and current is None and len(extras) == 1:
        setattr(args, dest, extras[0])
    else:
        verb_parser.error(f"unrecognized arguments: {' '.join(extras)}")
