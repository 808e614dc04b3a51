"""`isctl get builders [STREAM...] [--supports=LANG] [-A]`: the builder catalog (`get.py` hands it over here).

The tags annotated as S2I builder images, with what `oc new-app --list` shows of them: the display name,
the languages they support, the sample repository, and, wide, the version, the image and the pull spec.
"""

from __future__ import annotations

import argparse

from imagestreams.v1 import image_stream_service_pb2 as api

from ..booleans import add_bool_flag
from ..context import Context
from ..output import print_resources
from ..refs import BUILDER

RESOURCES = (BUILDER,)
HEADERS = ("NAME", "DISPLAY NAME", "SUPPORTS", "SAMPLE REPOSITORY")
WIDE_HEADERS = ("VERSION", "IMAGE", "PULL SPEC")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    builders = parser.add_argument_group("builders")
    builders.add_argument("--supports", metavar="LANG[:VERSION]", default="", help="builders: only those for LANG")
    add_bool_flag(builders, "--show-hidden", help="builders: also those marked hidden")


def run(args: argparse.Namespace, context: Context) -> int:
    namespace = "" if args.all_namespaces else context.namespace
    with context.client() as client:
        answer = client.list_builder_images(namespace, supports=args.supports, include_hidden=args.show_hidden)
    found = [b for b in answer.builder_images if not args.names or b.stream in args.names]
    if not found and args.output is None:
        where = "any namespace" if args.all_namespaces else f"{context.namespace} namespace"
        wanted = f" supporting {args.supports}" if args.supports else ""
        context.err.write(f"No builder images{wanted} found in {where}.\n")
        return 0
    headers = ("NAMESPACE", *HEADERS) if args.all_namespaces else HEADERS
    print_resources(
        found,
        args.output,
        context.out,
        single=False,
        name=lambda b: f"imagestreamtag/{b.stream}:{b.tag}",
        headers=headers,
        row=lambda b: [*([b.namespace] if args.all_namespaces else []), *_row(b)],
        wide_headers=WIDE_HEADERS,
        wide_row=lambda b: [b.version or "<none>", b.image or "<none>", b.pull_spec or "<none>"],
    )
    if answer.truncated:
        context.err.write("More builders matched than shown: narrow with -n or --supports.\n")
    return 0


def _row(builder: api.BuilderImage) -> list[str]:
    display = builder.display_name or f"{builder.stream}:{builder.tag}"
    if builder.deprecated:
        display += " (deprecated)"
    return [
        f"{builder.stream}:{builder.tag}",
        display,
        ",".join(builder.supports) or "<none>",
        builder.sample_repo or "<none>",
    ]
