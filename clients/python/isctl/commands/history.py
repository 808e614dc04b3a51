"""`isctl history NAME[:TAG]`: every move of a tag as the log recorded it, who made it and why."""

from __future__ import annotations

import argparse
from datetime import datetime

from imagestreams.v1 import resources_pb2 as pb

from ..context import Context, Subparsers, prose
from ..humanize import ago
from ..output import DATA_FORMATS, print_list, print_table
from ..refs import parse_stream_and_tag

HEADERS = ("POSITION", "CHANGE", "IMAGE", "PULL SPEC", "ACTOR", "CAUSE", "AGE")
NONE = "<none>"
CAUSES = ("tag", "alias", "import", "scheduled-import", "push", "rollback", "prune", "apply")


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "history",
        parents=parents,
        help="show every move of a tag",
        description=prose(
            "Show every change of a tag, oldest first, as the log recorded it: `moved` (a new "
            "current image), `updated` (the current entry changed in place), `skipped` (a pinned tag left "
            "where it was) and `deleted`, with who made it (ACTOR) and why (CAUSE: tag, alias, import, "
            "scheduled-import, push, rollback, prune, apply). Unlike the status history `describe` shows, "
            "nothing is collapsed. Without :TAG, the moves of every tag of the stream."
        ),
        epilog=(
            "examples:\n  isctl history ruby:latest\n  isctl history ruby:prod --newest-first --cause=rollback\n"
            "  isctl history ruby --actor=alice -o yaml"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", metavar="NAME[:TAG]", help="the stream, and the tag to follow")
    parser.add_argument("--newest-first", action="store_true", help="list the newest move first")
    parser.add_argument(
        "--actor", action="append", default=[], metavar="NAME", help="only moves by this actor (repeatable)"
    )
    parser.add_argument(
        "--cause", action="append", default=[], choices=CAUSES, help="only moves for this cause (repeatable)"
    )
    parser.add_argument("-o", "--output", choices=DATA_FORMATS, help="output format (default: a table)")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    stream, tag = parse_stream_and_tag(args.name)
    with context.client() as client:
        filters = {"newest_first": args.newest_first, "actors": args.actor, "move_causes": args.cause}
        entries = list(client.iter_tag_history(context.namespace, stream, tag, **filters))
        if not entries and not (args.actor or args.cause):
            # The server answers a stream it never saw with an empty list: say NOT_FOUND as every other verb
            # does (a deleted stream's moves stay in the log, so only a stream with no history is asked about).
            client.get_image_stream(context.namespace, stream)
    if args.output:
        print_list(entries, args.output, context.out)
        return 0
    if not entries:
        # The log keeps the moves of deleted streams too, so an empty answer is not an error, as for kubectl.
        subject = f"{stream}:{tag}" if tag else stream
        context.err.write(f"No history found for {context.namespace}/{subject}.\n")
        return 0
    now = context.now()
    # Following one tag, a TAG column would repeat it on every line.
    with_tag = not tag
    headers = (HEADERS[0], "TAG", *HEADERS[1:]) if with_tag else HEADERS
    print_table(headers, [_row(e, now, with_tag) for e in entries], context.out)
    return 0


def _row(entry: pb.TagHistoryEntry, now: datetime, with_tag: bool) -> list[str]:
    event = entry.event if entry.HasField("event") else None
    return [
        str(entry.position),
        *([entry.tag] if with_tag else []),
        entry.change,
        (event.image if event else "") or NONE,
        (event.docker_image_reference if event else "") or NONE,
        entry.actor or NONE,
        entry.move_cause or NONE,
        ago(entry.time, now),
    ]
