"""`isctl adm prune images` as an administrator types it: a dry run that says so and changes nothing, then
the confirmed run, its report in `oc adm prune images`'s shape, and describe afterwards; the manifests of
images pushed to the registry the server fronts (a real `docker-registry` with deletes enabled) deleted there,
or left alone with --prune-registry=false."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from imagestreams_client import Client

from tests.e2e.conftest import ServeProcess, serving
from tests.e2e.support import Isctl, digest, push
from tests.support.registry import RunningRegistry, build_image, running_registry

A, B, C, D, E = (digest(c) for c in "abcde")
REGISTRY_LEFT_ALONE = "Only API objects will be removed.  No modifications to the image registry will be made."


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    with running_registry(tmp_path_factory.mktemp("fronted-registry")) as running:
        yield running


@pytest.fixture(scope="module")
def serve_process(tmp_path_factory: pytest.TempPathFactory, registry: RunningRegistry) -> Iterator[ServeProcess]:
    """The server fronts the module's registry: images whose pull spec names it are "pushed here"."""
    with serving(tmp_path_factory.mktemp("isctl-serve"), "--registry-hostname", registry.host) as process:
        yield process


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


def test_prune_deletes_manifests_in_the_fronted_registry_unless_told_not_to(
    isctl: Isctl, client: Client, registry: RunningRegistry
) -> None:
    prune = ("adm", "prune", "images", "--keep-tag-revisions=0", "--keep-younger-than=0s")
    accept = {"Accept": "application/vnd.docker.distribution.manifest.v2+json"}
    with registry.pusher() as pusher:

        def pushed(stream: str, *names: str) -> list[str]:
            """Pushes an image per name to default/STREAM and records each in turn at STREAM:prod."""
            images = [pusher.image(f"default/{stream}", None, build_image(layer_texts=[n])).digest for n in names]
            for image in images:
                push(client, stream, "prod", image, pull_spec=f"{registry.host}/default/{stream}@{image}")
            return images

        def manifest_status(stream: str, image: str) -> int:
            return pusher.client.get(f"/v2/default/{stream}/manifests/{image}", headers=accept).status_code

        kept, _ = pushed("regkept", "kept-old", "kept-current")
        records_only = isctl.run(*prune, "--prune-registry=false", "--confirm")
        assert records_only.code == 0 and REGISTRY_LEFT_ALONE in records_only.err
        assert "manifest data" not in records_only.out and kept in records_only.out
        assert manifest_status("regkept", kept) == 200

        old, current = pushed("regpruned", "old", "current")
        dry = isctl.run(*prune)
        assert dry.code == 0 and REGISTRY_LEFT_ALONE not in dry.err
        lines = dry.out.splitlines()
        section = lines.index("Deleting registry repository manifest data ...")
        assert [re.split(r"\s{2,}", line.strip()) for line in lines[section + 1 : section + 3]] == [
            ["REPO", "IMAGE"],
            ["default/regpruned", old],
        ]
        assert lines.index("Deleting images from server ...") > section
        assert manifest_status("regpruned", old) == 200

        confirmed = isctl.run(*prune, "--confirm")
        assert confirmed.code == 0 and "error deleting manifest" not in confirmed.err
        assert "Deleting registry repository manifest data ..." in confirmed.out
        assert manifest_status("regpruned", old) == 404
        assert manifest_status("regpruned", current) == 200
