"""`isctl apply -f FILE`: make image streams match their definitions, creating those that are missing."""

from __future__ import annotations

import argparse

from .. import from_file
from ..context import Context, Subparsers, prose
from ..manifests import add_filename_argument
from ..output import DATA_FORMATS

DESCRIPTION = """\
Make image streams match the definitions in FILE, a YAML or JSON file in OpenShift's ImageStream shape
(apiVersion image.openshift.io/v1 or v1, kind ImageStream, or a List of them), the shape `isctl get is NAME -o
yaml` writes. A missing stream is created. For an existing one, the stream fields the file gives
(metadata.annotations, spec.dockerImageRepository, spec.lookupPolicy.local) are set, and every spec tag that
differs is tagged again: a tag whose `from` is an ImageStreamTag (`2.0` or `ruby:2.0`) tracks that tag of
the same stream, one of another stream or project (`namespace: openshift`) is kept as written and gets that
tag's current image once, an ImageStreamImage or DockerImage `from` is tagged as it is.

Fields the file leaves out, and tags it does not list, are left as they are; a tag's annotations are replaced
when the file gives some. The stream goes to the file's metadata.namespace, else to the current namespace
(-n); -n naming another namespace than the file's is an error. The whole file is checked first: with a
problem, nothing is written. Prints `imagestream/NAME created`, `configured` or `unchanged` for each stream.
"""

EXAMPLES = """\
examples:
  isctl apply -f ruby.yaml
  isctl get is ruby -o yaml > ruby.yaml   # edit, then:
  isctl apply -f ruby.yaml
  cat streams.json | isctl apply -f -
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "apply",
        parents=parents,
        help="create or update image streams from a file",
        description=prose(DESCRIPTION),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_filename_argument(parser, required=True, verb="apply")
    parser.add_argument(
        "-o",
        "--output",
        choices=(*DATA_FORMATS, "name"),
        help="print the streams as they are afterwards (json, yaml) or their names, instead of a message",
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    return from_file.apply(args, context)
