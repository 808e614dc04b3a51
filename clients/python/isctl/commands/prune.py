"""`isctl adm prune images`: prune as `oc adm prune images` does, a dry run unless --confirm."""

from __future__ import annotations

import argparse
from collections import defaultdict

from imagestreams.v1 import image_stream_service_pb2 as api

from ..booleans import add_bool_flag
from ..context import Context, Subparsers, prose
from ..durations import parse_go_duration
from ..errors import UsageError
from ..output import DATA_FORMATS, print_one, print_table

DESCRIPTION = (
    "Remove what is no longer needed, as `oc adm prune images`: each tag's status history keeps its newest "
    "--keep-tag-revisions revisions (the current one always) and whatever is younger than --keep-younger-than; "
    "the rest is trimmed from the status (the log keeps it: `isctl history` and --as-of reads still see it). "
    "Images no stream refers to any more, and older than --keep-younger-than, are removed. Without --confirm "
    "this is a dry run: it prints what it would remove and changes nothing. Needs the `system:image-pruner` "
    "role (or cluster-admin) cluster-wide. The manifests of removed images pushed to the registry the service "
    "fronts are deleted there too (the registry must allow deletes; its garbage collection removes the blobs "
    "then); --prune-registry=false removes only the records."
)
EXAMPLES = """\
examples:
  # See what would be pruned with the defaults (3 revisions, 60 minutes)
  isctl adm prune images

  # Prune, keeping 2 revisions per tag and anything younger than a day
  isctl adm prune images --keep-tag-revisions=2 --keep-younger-than=24h --confirm

  # Only images pushed to the registry this service fronts
  isctl adm prune images --all=false --confirm

  # Remove the records only, and leave the registry alone
  isctl adm prune images --prune-registry=false --confirm
"""
DRY_RUN = "Dry run enabled - no modifications will be made. Add --confirm to remove images"
REGISTRY_LEFT_ALONE = "Only API objects will be removed.  No modifications to the image registry will be made."


def add_parser(areas: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    prune = areas.add_parser(
        "prune",
        parents=parents,
        help="remove old status history and unreferenced images",
        description=prose("Remove resources that are no longer needed (images)."),
    )
    kinds = prune.add_subparsers(dest="adm_prune_kind", metavar="KIND", required=True)
    parser = kinds.add_parser(
        "images",
        parents=parents,
        help="trim tag histories and remove images no stream refers to",
        description=prose(DESCRIPTION),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--keep-tag-revisions", type=int, default=3, metavar="N", help="revisions kept per tag (default 3)"
    )
    parser.add_argument(
        "--keep-younger-than",
        default="60m",
        metavar="DURATION",
        help="keep history entries and images younger than this (default 60m)",
    )
    add_bool_flag(
        parser,
        "--all",
        default=True,
        help="also prune images imported from other registries (default true; false: only images pushed to "
        "the registry this service fronts)",
    )
    add_bool_flag(
        parser,
        "--prune-registry",
        default=True,
        help="also delete the removed images' manifests in the registry the service fronts (default true; "
        "false: only the records)",
    )
    add_bool_flag(parser, "--confirm", help="remove; without it, only print what would be removed")
    parser.add_argument("-o", "--output", choices=DATA_FORMATS, help="output format (default: oc's report)")
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: Context) -> int:
    if args.keep_tag_revisions < 0:
        raise UsageError("--keep-tag-revisions must not be negative")
    keep_younger_than = parse_go_duration(args.keep_younger_than, "--keep-younger-than")
    if keep_younger_than.total_seconds() < 0:
        raise UsageError("--keep-younger-than must not be negative")
    with context.client() as client:
        response = client.prune_images(
            keep_tag_revisions=args.keep_tag_revisions,
            keep_younger_than=keep_younger_than,
            all=args.all,
            confirm=args.confirm,
            prune_registry=args.prune_registry,
        )
    if args.output:
        print_one(response, args.output, context.out)
        return 0
    if response.dry_run:
        context.err.write(DRY_RUN + "\n")
    if not args.prune_registry:
        context.err.write(REGISTRY_LEFT_ALONE + "\n")
    print_report(response, context)
    return 0


def print_report(response: api.PruneImagesResponse, context: Context) -> None:
    """oc's report: the tags whose history is trimmed per stream, the references removed, the images."""
    out = context.out
    tags: dict[str, list[str]] = defaultdict(list)
    for entry in response.tag_entries:
        stream = f"{entry.namespace}/{entry.stream}"
        if entry.tag not in tags[stream]:
            tags[stream].append(entry.tag)
    for stream, names in tags.items():
        out.write(f"Updating istags {stream}: {', '.join(names)}\n")
    if response.tag_entries:
        out.write("\nDeleting references from image streams to images ...\n")
        rows = [
            (f"{e.namespace}/{e.stream}", e.tag, str(e.revision), e.image, e.docker_image_reference)
            for e in response.tag_entries
        ]
        print_table(("STREAM", "TAG", "REVISION", "IMAGE", "REFERENCE"), rows, out)
    in_registry = [image for image in response.images if image.registry_repository]
    if in_registry:
        # oc deletes (and lists) the registry's manifests before the image objects; its errors go to stderr.
        out.write("\nDeleting registry repository manifest data ...\n")
        print_table(("REPO", "IMAGE"), [(image.registry_repository, image.name) for image in in_registry], out)
        for image in in_registry:
            if image.registry_error:
                context.err.write(
                    f"error deleting manifest {image.name} from repository {image.registry_repository}: "
                    f"{image.registry_error}\n"
                )
    if response.images:
        out.write("\nDeleting images from server ...\n")
        print_table(("IMAGE",), [(image.name,) for image in response.images], out)
    count = len(response.tag_entries) + len(response.images)
    gap = "\n" if count else ""
    if response.dry_run:
        out.write(f"{gap}Summary: {count} objects would be deleted\n")
    else:
        out.write(f"{gap}Summary: deleted {count} objects\n")
