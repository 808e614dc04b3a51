"""`isctl create is NAME`: an empty image stream; `isctl create -f FILE`: the image streams a file defines."""

from __future__ import annotations

import argparse

from imagestreams.v1 import resources_pb2 as pb

from .. import from_file, secret_forms
from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..errors import UsageError
from ..manifests import add_filename_argument
from ..output import DATA_FORMATS
from ..refs import IMAGE_STREAM, SECRET, resource_choices, resource_type
from ..stream_output import print_openshift
from ..token_issuing import add_token_flags
from . import access_write

RESOURCES = (IMAGE_STREAM, *access_write.CREATABLE, SECRET)

EXAMPLES = """\
examples:
  isctl create is ruby
  isctl create -f ruby.yaml
  isctl create -f - < streams.json
  isctl create user alice
  isctl create sa builder -n team-a
  isctl create token alice --duration=8h --description="alice's laptop"
  isctl create token sa/builder -n team-a
  isctl create secret docker-registry quay --docker-server=quay.io --docker-username=alice \
      --docker-password=... --docker-email=alice@example.com
  isctl create secret generic hub --from-file=.dockerconfigjson=$HOME/.docker/config.json \
      --type=kubernetes.io/dockerconfigjson
"""


def add_parser(subparsers: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "create",
        parents=parents,
        help="create an image stream, a user, a service account or a token",
        usage=(
            "isctl create [options] TYPE NAME\n       isctl create [options] -f FILE\n"
            "       isctl create secret docker-registry|generic NAME [options]"
        ),
        description=prose(
            "Create an empty image stream. Tags are added with `isctl tag` or by pushing images.\n\n"
            "Or a user (`create user NAME`, cluster administrators only), a service account of the namespace "
            "(`create sa NAME`), or a bearer token (`create token USER`, `create token sa/NAME` or `create token "
            "system:serviceaccount:NS:NAME`), which is printed alone, this once: the server keeps its hash.\n\n"
            "Or a pull secret of the namespace, as OpenShift's documentation makes them: `create secret "
            "docker-registry NAME --docker-server=... --docker-username=... --docker-password=...`, or `create "
            "secret generic NAME --from-file=.dockerconfigjson=PATH --type=kubernetes.io/dockerconfigjson`.\n\n"
            "With -f, create the image streams FILE defines: YAML or JSON in OpenShift's ImageStream shape "
            "(an ImageStream or a List of them, as `isctl get is NAME -o yaml` writes it), with their "
            "annotations, dockerImageRepository, lookupPolicy and spec tags. A stream that already exists is an "
            "error (`isctl apply -f` updates it instead). The whole file is checked first: with a problem, "
            "nothing is created."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("resource", metavar="TYPE", nargs="?", help=f"what to create: {resource_choices(RESOURCES)}")
    parser.add_argument("name", metavar="NAME", nargs="?", help="name of what to create; for a token, whose")
    # `create secret KIND NAME`: the secret's name comes third.
    parser.add_argument("secret_name", nargs="?", help=argparse.SUPPRESS)
    add_filename_argument(parser, required=False, verb="create")
    add_bool_flag(
        parser,
        "--lookup-local",
        help="resolve short image names in this namespace through the stream",
    )
    parser.add_argument(
        "-o", "--output", choices=(*DATA_FORMATS, "name"), help="print what was created instead of a message"
    )
    add_token_flags(parser)
    secret_forms.add_flags(parser)
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    if args.filename is not None:
        if args.resource is not None or args.lookup_local:
            raise UsageError("-f takes the streams from the file: give no TYPE, NAME or --lookup-local with it")
        return from_file.create(args, context)
    if args.resource is None or args.name is None:
        raise UsageError("give the TYPE and NAME of what to create (isctl create is NAME), or -f FILE")
    resource = resource_type(args.resource, RESOURCES)
    if resource == SECRET:
        return secret_forms.create(args.name, args.secret_name, args, context)
    if args.secret_name is not None:
        raise UsageError(f'unexpected argument "{args.secret_name}": isctl create {args.resource} NAME')
    if resource in access_write.CREATABLE:
        return access_write.create(resource, args, context)
    if args.duration or args.description:
        raise UsageError("--duration and --description apply to tokens only")
    stream = pb.ImageStream(namespace=context.namespace, name=args.name, lookup_local=args.lookup_local)
    with context.client() as client:
        created = client.create_image_stream(stream).image_stream
    if args.output in DATA_FORMATS:
        print_openshift([created], args.output, context.out, single=True)
    elif args.output == "name":
        context.out.write(f"imagestream/{created.name}\n")
    else:
        context.out.write(f"imagestream/{created.name} created\n")
    return 0
