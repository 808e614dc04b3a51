"""`isctl rollback istag/NAME:TAG [--to-revision=N | --to-image=ID | --as-of=T]`: put a tag back at an earlier
image."""

from __future__ import annotations

import argparse

from .. import as_of
from ..context import Context, Subparsers, prose
from ..errors import UsageError
from ..refs import parse_istag_name

DESCRIPTION = (
    "Point a tag back at an earlier image of its own history, as a permanent tag (NAME@DIGEST): nothing moves "
    "it afterwards but another explicit change. A tag that tracked another one (an alias) stops tracking it, "
    "and a scheduled import of it stops. Without --to-revision or --to-image, the tag goes back to the image "
    "before its current one. Revisions number the tag's status history (what `describe` lists) oldest first, "
    "from 1. The move is recorded with the cause `rollback` (see `isctl history`)."
)
EXAMPLES = """\
examples:
  # Back to the image before the current one
  isctl rollback istag/ruby:prod

  # Back to revision 2 of the tag's history
  isctl rollback istag/ruby:prod --to-revision=2

  # Back to an image of its history, by a unique prefix of its digest
  isctl rollback ruby:prod --to-image=0e9ea0b

  # Back to what it was at 14:00 last Tuesday
  isctl rollback ruby:prod --as-of=2026-11-24T14:00:00Z
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "rollback",
        parents=parents,
        help="point a tag back at an earlier image",
        description=prose(DESCRIPTION),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("name", metavar="istag/NAME:TAG", help="the tag to roll back")
    target = parser.add_mutually_exclusive_group()
    target.add_argument("--to-revision", type=int, default=0, metavar="N", help="the revision to go back to")
    target.add_argument("--to-image", default="", metavar="ID", help="the image (digest or unique prefix)")
    target.add_argument(
        "--as-of",
        metavar="POSITION|TIME",
        help="the image the tag had at a log position or an RFC 3339 time (2026-11-01T10:00:00Z)",
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    typed: str = args.name
    kind, slash, rest = typed.partition("/")
    if slash:
        if kind not in ("istag", "imagestreamtag", "imagestreamtags"):
            raise UsageError(f'only image stream tags can be rolled back, not "{kind}"')
        typed = rest
    name = parse_istag_name(typed)
    if args.to_revision < 0:
        raise UsageError("--to-revision must be 1 or more")
    with context.client() as client:
        response = client.rollback_tag(
            context.namespace,
            name.stream,
            name.tag,
            to_revision=args.to_revision,
            to_image=args.to_image,
            as_of=as_of.parse(args.as_of),
        )
    context.out.write(response.message + "\n")
    return 0
