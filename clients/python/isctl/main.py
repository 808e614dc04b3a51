"""`isctl`: the image streams command line, shaped like `oc` (`verb resource name`, `-o yaml|json|name`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from imagestreams_client import ClientSettingsError, ImageStreamsError

from . import config, serve
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
    service_accounts,
    tag,
    watch,
    whoami,
)
from .commands import secrets as secrets_verb
from .context import Context
from .errors import UsageError, UserInputError, error_report
from .global_flags import GlobalFlags, add_global_flags, global_flags_parent
from .settings import resolve

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
    import_image,
    delete,
    history,
    export,
    watch,
    secrets_verb,
    policy,
    adm,
    auth,
    service_accounts,
    contexts,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="isctl", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_global_flags(parser)
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
    # After build_parser: that is what registers the boolean flags whose values get attached.
    args = parser.parse_args(attach_bool_values(sys.argv[1:] if argv is None else argv))
    if args.verb == "serve":
        return int(args.run(args))
    try:
        context = _context(args)
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


def _context(args: argparse.Namespace) -> Context:
    """The settings of this command, from its flags, the environment and the configuration file."""
    path = config.config_path(os.environ)
    settings = resolve(GlobalFlags.from_args(args), os.environ, config.load(path))
    return Context.from_settings(settings, path)
