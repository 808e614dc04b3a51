"""`isctl`: the image streams command line, shaped like `oc` (`verb resource name`, `-o yaml|json|name`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from imagestreams_client import ImageStreamsError

from . import serve
from .commands import apply, create, delete, describe, export, get, history, import_image, secrets, tag, watch
from .context import Context, add_global_flags, global_flags_parent
from .errors import UsageError, UserInputError, format_error

DESCRIPTION = "Work with OpenShift-style image streams on an image streams server."

EPILOG = """\
quick start:
  isctl serve --data-dir ./data &                      # a server on 127.0.0.1:50051
  isctl create is ruby
  isctl tag registry.example.com/team/ruby@sha256:<64 hex digits> ruby:2.0
  isctl tag ruby:2.0 ruby:latest                       # copies 2.0's current image
  isctl tag --alias ruby:latest ruby:prod              # prod follows latest
  isctl describe is ruby
  isctl get istag ruby:latest -o yaml

Global options (--server, -n) may come before or after the command.
"""

CLIENT_VERBS = (create, apply, get, describe, tag, import_image, delete, history, export, watch, secrets)


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
    args = parser.parse_args(argv)
    if args.verb == "serve":
        return int(args.run(args))
    context = Context(server=args.server, namespace=args.namespace)
    try:
        return int(args.run(args, context))
    except UsageError as error:
        args.verb_parser.error(str(error))  # exits 2 with the verb's usage
    except (UserInputError, ImageStreamsError) as error:
        context.err.write(f"error: {format_error(error, context.server)}\n")
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader (`| head`) went away: stop quietly, and keep Python from complaining at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return 0
