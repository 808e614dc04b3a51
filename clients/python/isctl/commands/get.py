"""`isctl get is|istag|isimage [NAME...]`: a table, or `-o json|yaml|name|wide`."""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from imagestreams.v1 import resources_pb2 as pb
from imagestreams_client import Client

from .. import as_of
from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..errors import UsageError
from ..openshift_images import items_to_list, stream_image_to_openshift, tag_to_openshift
from ..openshift_shape import to_openshift
from ..output import DATA_FORMATS, PROTO_FORMATS, get_format, print_resources
from ..printers import (
    IMAGE_STREAM_HEADERS,
    IMAGE_STREAM_IMAGE_HEADERS,
    IMAGE_STREAM_IMAGE_WIDE_HEADERS,
    IMAGE_STREAM_TAG_HEADERS,
    IMAGE_STREAM_TAG_WIDE_HEADERS,
    IMAGE_STREAM_WIDE_HEADERS,
    image_stream_image_name,
    image_stream_image_row,
    image_stream_image_wide,
    image_stream_row,
    image_stream_tag_name,
    image_stream_tag_row,
    image_stream_tag_wide,
    image_stream_wide,
)
from ..refs import (
    IMAGE_STREAM,
    IMAGE_STREAM_IMAGE,
    IMAGE_STREAM_TAG,
    parse_isimage_name,
    parse_istag_name,
    resource_args,
    resource_choices,
)
from ..stream_output import dump_openshift
from ..templates import is_template, print_template
from . import access_get, builders_get

RESOURCES = (IMAGE_STREAM, IMAGE_STREAM_TAG, IMAGE_STREAM_IMAGE, *builders_get.RESOURCES, *access_get.RESOURCES)

EXAMPLES = """examples:
  isctl get is                      # every image stream of the namespace
  isctl get is ruby -o yaml
  isctl get istag                   # every tag of every stream of the namespace
  isctl get istag ruby:latest -o json
  isctl get isimage ruby@sha256:4a5b6c -o wide
  isctl get builders --supports=ruby  # the builder catalog: tags annotated as S2I builders
  isctl get projects
  isctl get rolebindings -n team-a
  isctl get tokens --sa=builder     # a service account's tokens, by hash: never the tokens themselves
  isctl get clusterroles
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "get",
        parents=parents,
        help="list image streams, tags, images, projects, users, role bindings, ...",
        description=prose(
            "Show image streams (NAME), tags (NAME:TAG) or images of a stream (NAME@ID, where ID is a "
            "digest or a unique prefix of one). Without a name, list every stream or tag of the namespace.\n\n"
            "Also the access resources: projects, users, groups, service accounts (sa), tokens (by their "
            "sha256~ name; your own, or with --user or --sa someone else's), role bindings of the namespace, "
            "cluster role bindings and cluster roles."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("resource", metavar="TYPE[/NAME]", help=f"what to show: {resource_choices(RESOURCES)}")
    parser.add_argument("names", metavar="NAME", nargs="*", help="NAME, NAME:TAG or NAME@ID; none lists all")
    parser.add_argument(
        "-o",
        "--output",
        type=get_format,
        metavar="FORMAT",
        help="output format (default: a table): json, yaml, name, wide, jsonpath=TEMPLATE, "
        "custom-columns=HEADER:PATH,... json and yaml write OpenShift's shapes (ImageStream, what create -f "
        "and apply -f read; ImageStreamTag; ImageStreamImage; a List of several); proto-json and proto-yaml "
        "write the gRPC messages",
    )
    add_bool_flag(
        parser,
        "-A",
        "--all-namespaces",
        help="list image streams (or builders) of every namespace",
    )
    access_get.add_arguments(parser)
    builders_get.add_arguments(parser)
    as_of.add_argument(parser, "the named streams or tags")
    parser.set_defaults(run=run, extra_positionals="names")
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    """`get TYPE [NAME...]`, or `get TYPE/NAME...` (several types: each group printed in turn, as kubectl)."""
    code = 0
    for resource, names in resource_args(args.resource, args.names, RESOURCES):
        code = max(code, _run(resource, argparse.Namespace(**{**vars(args), "names": names}), context))
    return code


def _run(resource: str, args: argparse.Namespace, context: Context) -> int:
    if resource in access_get.RESOURCES:
        return access_get.run(resource, args, context)
    if resource in builders_get.RESOURCES:
        return builders_get.run(args, context)
    if args.user or args.sa:
        raise UsageError("--user and --sa choose whose tokens to list: isctl get tokens --user=USER")
    if args.all_namespaces and (resource != IMAGE_STREAM or args.names):
        raise UsageError("--all-namespaces lists image streams only, and takes no names")
    if resource == IMAGE_STREAM_IMAGE and not args.names:
        raise UsageError("images of a stream are shown by name: isctl get isimage NAME@ID")
    if args.as_of is not None and (resource not in (IMAGE_STREAM, IMAGE_STREAM_TAG) or not args.names):
        raise UsageError("--as-of shows named image streams and tags: isctl get istag NAME:TAG --as-of=...")
    with context.client() as client:
        if resource == IMAGE_STREAM:
            return _image_streams(client, args, context)
        if resource == IMAGE_STREAM_TAG:
            return _image_stream_tags(client, args, context)
        return _image_stream_images(client, args, context)


def _image_streams(client: Client, args: argparse.Namespace, context: Context) -> int:
    now = context.now()
    if args.names:
        point = as_of.parse(args.as_of)
        streams = [client.get_image_stream(context.namespace, n, as_of=point).image_stream for n in args.names]
    else:
        streams = list(client.iter_image_streams("" if args.all_namespaces else context.namespace))
        if _none_found(streams, args, context):
            return 0
    headers: tuple[str, ...] = IMAGE_STREAM_HEADERS
    row: Callable[[pb.ImageStream], list[str]] = partial(image_stream_row, now=now)
    if args.all_namespaces:
        headers = ("NAMESPACE", *headers)
        row = partial(_with_namespace, now=now)
    if _print_openshift([to_openshift(s) for s in streams], args, context):
        return 0
    print_resources(
        streams,
        PROTO_FORMATS.get(args.output, args.output),
        context.out,
        single=len(args.names) == 1,
        name=lambda s: f"imagestream/{s.name}",
        headers=headers,
        row=row,
        wide_headers=IMAGE_STREAM_WIDE_HEADERS,
        wide_row=image_stream_wide,
    )
    return 0


def _print_openshift(documents: list[dict[str, Any]], args: argparse.Namespace, context: Context) -> bool:
    """`-o json|yaml|jsonpath=|custom-columns=` in OpenShift's shapes: the object when one name was given,
    else a List. False for the other formats (tables, name, the gRPC messages)."""
    if args.output not in DATA_FORMATS and not is_template(args.output):
        return False
    data = documents[0] if len(args.names) == 1 else items_to_list(documents)
    if args.output in DATA_FORMATS:
        dump_openshift(data, args.output, context.out)
    else:
        print_template(data, documents, args.output, context.out)
    return True


def _with_namespace(stream: pb.ImageStream, now: datetime) -> list[str]:
    return [stream.namespace, *image_stream_row(stream, now)]


def _image_stream_tags(client: Client, args: argparse.Namespace, context: Context) -> int:
    now = context.now()
    if args.names:
        names = [parse_istag_name(n) for n in args.names]
        point = as_of.parse(args.as_of)
        tags = [
            client.get_image_stream_tag(context.namespace, n.stream, n.tag, as_of=point).image_stream_tag for n in names
        ]
    else:
        tags = list(client.iter_image_stream_tags(context.namespace))
        if _none_found(tags, args, context):
            return 0
    if _print_openshift([tag_to_openshift(t) for t in tags], args, context):
        return 0
    print_resources(
        tags,
        PROTO_FORMATS.get(args.output, args.output),
        context.out,
        single=len(args.names) == 1,
        name=lambda t: f"imagestreamtag/{image_stream_tag_name(t)}",
        headers=IMAGE_STREAM_TAG_HEADERS,
        row=partial(image_stream_tag_row, now=now),
        wide_headers=IMAGE_STREAM_TAG_WIDE_HEADERS,
        wide_row=image_stream_tag_wide,
    )
    return 0


def _image_stream_images(client: Client, args: argparse.Namespace, context: Context) -> int:
    now = context.now()
    names = [parse_isimage_name(n) for n in args.names]
    images = [client.get_image_stream_image(context.namespace, n.stream, n.id).image_stream_image for n in names]
    if _print_openshift([stream_image_to_openshift(i) for i in images], args, context):
        return 0
    print_resources(
        images,
        PROTO_FORMATS.get(args.output, args.output),
        context.out,
        single=len(args.names) == 1,
        name=lambda i: f"imagestreamimage/{image_stream_image_name(i)}",
        headers=IMAGE_STREAM_IMAGE_HEADERS,
        row=partial(image_stream_image_row, now=now),
        wide_headers=IMAGE_STREAM_IMAGE_WIDE_HEADERS,
        wide_row=image_stream_image_wide,
    )
    return 0


def _none_found(items: Sequence[object], args: argparse.Namespace, context: Context) -> bool:
    """kubectl's answer to an empty list in a table: a note on stderr, success. json/yaml still print
    `{"items": []}` so scripts always get a document."""
    if items or args.output in ("json", "yaml", *PROTO_FORMATS) or is_template(args.output):
        return False
    where = "any namespace" if args.all_namespaces else f"{context.namespace} namespace"
    context.err.write(f"No resources found in {where}.\n")
    return True
