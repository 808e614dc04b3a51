"""`isctl config get-contexts|current-context|use-context|delete-context`: the contexts of the configuration
file, as `kubectl config` shows and switches them. Tokens are never shown."""

from __future__ import annotations

import argparse

from ..context import Context, Subparsers, prose
from ..errors import UserInputError
from ..output import print_table

HEADERS = ("CURRENT", "NAME", "SERVER", "NAMESPACE")


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "config",
        parents=parents,
        help="show and switch the contexts of the configuration file",
        description=prose(
            "The configuration file (~/.isctl/config, or ISCTL_CONFIG) keeps named contexts: a server, a "
            "namespace and credentials each. `isctl login` and `isctl project` write them; these commands show "
            "them and choose the current one."
        ),
        epilog="examples:\n  isctl config get-contexts\n  isctl config use-context team-a/127-0-0-1:50051/alice",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="config_command", metavar="COMMAND", required=True)
    listing = commands.add_parser("get-contexts", parents=parents, help="list the contexts")
    listing.add_argument("names", metavar="NAME", nargs="*", help="only these")
    listing.add_argument("-o", "--output", choices=("name",), help="names only")
    listing.set_defaults(run=_get_contexts)
    current = commands.add_parser("current-context", parents=parents, help="print the current context's name")
    current.set_defaults(run=_current_context)
    use = commands.add_parser("use-context", parents=parents, help="make a context the current one")
    use.add_argument("name", metavar="NAME")
    use.set_defaults(run=_use_context)
    delete = commands.add_parser("delete-context", parents=parents, help="delete a context (and its token)")
    delete.add_argument("name", metavar="NAME")
    delete.set_defaults(run=_delete_context)
    return parser


def _get_contexts(args: argparse.Namespace, context: Context) -> int:
    config = context.load_config()
    entries = config.contexts
    if args.names:
        missing = [n for n in args.names if config.get(n) is None]
        if missing:
            raise UserInputError(f'context "{missing[0]}" not found')
        entries = [e for e in entries if e.name in args.names]
    if args.output == "name":
        context.out.write("".join(e.name + "\n" for e in entries))
        return 0
    rows = [["*" if e.name == config.current_context else "", e.name, e.server, e.namespace] for e in entries]
    print_table(HEADERS, rows, context.out)
    return 0


def _current_context(args: argparse.Namespace, context: Context) -> int:
    config = context.load_config()
    if not config.current_context:
        raise UserInputError("current-context is not set")
    context.out.write(config.current_context + "\n")
    return 0


def _use_context(args: argparse.Namespace, context: Context) -> int:
    config = context.load_config()
    if config.get(args.name) is None:
        raise UserInputError(f'no context exists with the name: "{args.name}"')
    config.current_context = args.name
    context.save_config(config)
    context.out.write(f'Switched to context "{args.name}".\n')
    return 0


def _delete_context(args: argparse.Namespace, context: Context) -> int:
    config = context.load_config()
    if not config.remove(args.name):
        raise UserInputError(f"cannot delete context {args.name}, not in {context.config_path}")
    context.save_config(config)
    context.out.write(f"deleted context {args.name} from {context.config_path}\n")
    return 0
