"""`isctl set image-lookup`: switch a stream's local name lookup on or off, or list it, as `oc set image-lookup`.

A stream with lookup on lets workloads of its namespace name its tags (`ruby:2.0`) instead of pull specs. Only
image streams live here: `deploy/NAME` and other workload types of `oc set image-lookup` are refused by name.
"""

from __future__ import annotations

import argparse

from imagestreams.v1 import resources_pb2 as pb

from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..errors import UsageError
from ..output import DATA_FORMATS, print_table
from ..refs import IMAGE_STREAM, resource_type
from ..stream_output import print_openshift

EXAMPLES = """\
examples:
  isctl set image-lookup mysql                    # workloads of the namespace may use mysql:TAG
  isctl set image-lookup is/mysql is/ruby
  isctl set image-lookup --all                    # every stream of the namespace
  isctl set image-lookup mysql --enabled=false
  isctl set image-lookup imagestream --list       # which streams have lookup on
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "set",
        parents=parents,
        help="change a setting of image streams (image-lookup)",
        description=prose("Change a setting of image streams. `isctl set image-lookup --help` shows the one there is."),
    )
    settings = parser.add_subparsers(dest="setting", metavar="SETTING", required=True)
    lookup = settings.add_parser(
        "image-lookup",
        parents=parents,
        help="resolve short image names in the namespace through image streams",
        usage="isctl set image-lookup [options] STREAM... | --all | [imagestream] --list",
        description=prose(
            "Turn local lookup on (or off with --enabled=false) for the named image streams: workloads of the "
            "namespace may then name a tag of the stream (`mysql:latest`) instead of a pull spec. Names are "
            "stream names, `is/NAME`, or `imagestream NAME...`. With --list, print each stream and whether "
            "lookup is on."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    lookup.add_argument("resources", metavar="STREAM", nargs="*", help="image streams, as NAME or is/NAME")
    add_bool_flag(lookup, "--enabled", default=True, help="lookup on (the default) or off (--enabled=false)")
    add_bool_flag(lookup, "--all", help="every image stream of the namespace")
    add_bool_flag(lookup, "--list", help="print the streams and whether lookup is on, change nothing")
    lookup.add_argument("-o", "--output", choices=(*DATA_FORMATS, "name"), help="with --list: print in this format")
    lookup.set_defaults(run=run)
    return parser


def stream_names(words: list[str]) -> list[str]:
    """`mysql`, `is/mysql`, `imagestream mysql ruby`: the stream names. A bare type alone (`imagestream`)
    names none: with --list or --all that means every stream."""
    names: list[str] = []
    for index, word in enumerate(words):
        kind, slash, name = word.partition("/")
        if slash:
            if not _is_type_word(kind):
                raise UsageError(
                    f'"{word}": only image streams are kept here; give a workload the pull spec of a tag instead '
                    "(isctl get istag NAME:TAG -o jsonpath='{.image.dockerImageReference}')"
                )
            if not name:
                raise UsageError(f'"{word}" names no image stream')
            names.append(name)
        elif index == 0 and _is_type_word(word):
            continue
        else:
            names.append(word)
    return names


def _is_type_word(word: str) -> bool:
    try:
        resource_type(word, (IMAGE_STREAM,))
    except UsageError:
        return False
    return True


def run(args: argparse.Namespace, context: Context) -> int:
    names = stream_names(args.resources)
    if args.output and not args.list:
        raise UsageError("-o goes with --list")
    with context.client() as client:
        if names:
            streams = [client.get_image_stream(context.namespace, name).image_stream for name in names]
        elif args.list or args.all:
            streams = list(client.iter_image_streams(context.namespace))
        else:
            raise UsageError("name the image streams (isctl set image-lookup NAME), or give --all or --list")
        if args.list:
            _print_list(streams, args.output, context)
            return 0
        for stream in streams:
            changed = pb.ImageStream(namespace=stream.namespace, name=stream.name, lookup_local=args.enabled)
            client.update_image_stream(changed, update_mask=["lookup_local"])
            context.out.write(f"imagestream/{stream.name} image lookup updated\n")
    return 0


def _print_list(streams: list[pb.ImageStream], fmt: str | None, context: Context) -> None:
    if fmt in DATA_FORMATS:
        if streams:
            print_openshift(streams, fmt, context.out, single=False)
        return
    if fmt == "name":
        context.out.writelines(f"imagestream/{s.name}\n" for s in streams)
        return
    if not streams:
        context.err.write(f"No resources found in {context.namespace} namespace.\n")
        return
    print_table(("NAME", "LOCAL"), [[s.name, str(s.lookup_local).lower()] for s in streams], context.out)
