"""`isctl adm prune images` as an administrator types it: a dry run that says so and changes nothing, then
the confirmed run, its report in `oc adm prune images`'s shape, and describe afterwards."""

from __future__ import annotations

import json
import re

from imagestreams_client import Client

from tests.e2e.support import Isctl, digest, push

A, B, C, D, E = (digest(c) for c in "abcde")


def status_images(isctl: Isctl, stream: str, tag: str) -> list[str]:
    data = json.loads(isctl.ok("get", "is", stream, "-o", "json"))
    items = {t["tag"]: t for t in data["status"]["tags"]}[tag]["items"]
    return [item["image"] for item in items]


def test_prune_images_dry_run_then_confirmed(isctl: Isctl, client: Client) -> None:
    for image in (A, B, C, D, E):
        push(client, "pruned", "prod", image)
    dry = isctl.run("adm", "prune", "images", "--keep-younger-than=0s")
    assert dry.code == 0
    assert "Dry run enabled - no modifications will be made. Add --confirm to remove images" in dry.err
    lines = dry.out.splitlines()
    assert lines[0] == "Updating istags default/pruned: prod"
    assert "Deleting references from image streams to images ..." in lines
    header = lines[lines.index("Deleting references from image streams to images ...") + 1]
    assert re.split(r"\s{2,}", header.strip()) == ["STREAM", "TAG", "REVISION", "IMAGE", "REFERENCE"]
    images = lines[lines.index("Deleting images from server ...") + 1 :]
    assert images[:3] == ["IMAGE", A, B]
    assert lines[-1] == "Summary: 4 objects would be deleted"
    assert status_images(isctl, "pruned", "prod") == [E, D, C, B, A]

    confirmed = isctl.ok("adm", "prune", "images", "--keep-younger-than=0s", "--confirm")
    assert confirmed.splitlines()[-1] == "Summary: deleted 4 objects"
    assert status_images(isctl, "pruned", "prod") == [E, D, C]
    assert isctl.run("get", "image", A).code != 0
    # The history still lists every move.
    moves = json.loads(isctl.ok("history", "pruned:prod", "-o", "json"))["items"]
    assert [m["event"]["image"] for m in moves] == [A, B, C, D, E]

    report = json.loads(
        isctl.ok("adm", "prune", "images", "--keep-tag-revisions=1", "--keep-younger-than=0s", "-o", "json")
    )
    assert report["dry_run"] is True
    # Revisions number what the status history holds now: pruning renumbered them.
    assert [(e["tag"], e["revision"], e["image"]) for e in report["tag_entries"]] == [("prod", 2, D), ("prod", 1, C)]
    assert isctl.run("adm", "prune", "images", "--keep-younger-than=soon").code != 0
    # Nothing to prune says so on its own.
    assert isctl.ok("adm", "prune", "images", "--keep-younger-than=0s", "--confirm") == "Summary: deleted 0 objects\n"
