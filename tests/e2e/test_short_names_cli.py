"""Docker short names, re-imports and the repository-check annotation as a user meets them through `isctl`.

Short names (`ubuntu`, `team/x`) are kept as typed and shown as typed; they are never imported here (that would
reach Docker Hub): tags made with them wait for an import, and the importer's defaults are unit-tested. Imports
go to a real registry through a counting proxy, so what `isctl import-image` costs is counted on the wire.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import yaml

from tests.e2e.support import Isctl
from tests.support import registry as registry_support
from tests.support.counting_proxy import counting_proxy
from tests.support.registry import RunningRegistry, build_image

plain_registry = registry_support.plain_registry

RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
CHECK = "openshift.io/image.dockerRepositoryCheck"


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def spec_tags(isctl: Isctl, namespace: str, stream: str) -> dict[str, dict]:  # type: ignore[type-arg]
    document = yaml.safe_load(isctl.ok("get", "is", stream, "-n", namespace, "-o", "yaml"))
    return {t["name"]: t for t in document["spec"]["tags"]}


def test_tag_keeps_docker_short_names_as_typed(isctl: Isctl) -> None:
    stream = unique("short")
    assert isctl.ok("tag", "--source=docker", "ubuntu", f"team/{stream}:latest") == (
        f"Tag team/{stream}:latest set to ubuntu.\n"
    )
    assert isctl.ok("tag", "--source=docker", "team/x", f"team/{stream}:x") == f"Tag team/{stream}:x set to team/x.\n"
    tags = spec_tags(isctl, "team", stream)
    assert tags["latest"]["from"] == {"kind": "DockerImage", "name": "ubuntu"}
    assert tags["x"]["from"] == {"kind": "DockerImage", "name": "team/x"}
    described = isctl.ok("describe", "is", stream, "-n", "team")
    assert "  tagged from ubuntu\n" in described and "  tagged from team/x\n" in described


def test_create_and_apply_keep_docker_short_names_as_written(isctl: Isctl, tmp_path: Path) -> None:
    stream = unique("shortf")
    definition = tmp_path / "stream.yaml"
    definition.write_text(
        "apiVersion: image.openshift.io/v1\n"
        "kind: ImageStream\n"
        f"metadata: {{name: {stream}, namespace: team}}\n"
        "spec:\n"
        "  tags:\n"
        "  - {name: latest, from: {kind: DockerImage, name: ubuntu}}\n"
        "  - {name: x, from: {kind: DockerImage, name: 'team/x:1.0'}}\n"
    )
    assert isctl.ok("create", "-f", str(definition)) == f"imagestream/{stream} created\n"
    assert isctl.ok("apply", "-f", str(definition)) == f"imagestream/{stream} unchanged\n"
    tags = spec_tags(isctl, "team", stream)
    assert (tags["latest"]["from"]["name"], tags["x"]["from"]["name"]) == ("ubuntu", "team/x:1.0")


def test_import_image_twice_costs_one_head_and_records_the_check_once(
    isctl: Isctl, plain_registry: RunningRegistry
) -> None:
    repo = f"cli/{uuid.uuid4().hex[:8]}"
    with plain_registry.pusher() as pusher:
        image = pusher.image(repo, "v1", build_image(layer_texts=[f"{repo} v1"]))
    stream = unique("twice")
    with counting_proxy(plain_registry.url) as proxy:
        source = f"{proxy.host}/{repo}:v1"
        isctl.ok("import-image", f"{stream}:v1", f"--from={source}", "--insecure", "--confirm", "-n", "team")
        first = yaml.safe_load(isctl.ok("get", "is", stream, "-n", "team", "-o", "yaml"))
        checked = first["metadata"]["annotations"][CHECK]
        assert RFC3339.fullmatch(checked)
        assert f"Annotations:\t\t{CHECK}={checked}\n" in isctl.ok("describe", "is", stream, "-n", "team")
        # The name with its registry host is kept as typed, and the status names the same repository.
        assert first["spec"]["tags"][0]["from"]["name"] == source
        assert first["status"]["tags"][0]["items"][0]["dockerImageReference"] == f"{proxy.host}/{repo}@{image.digest}"

        proxy.reset()
        out = isctl.ok("import-image", f"{stream}:v1", "-n", "team")
        assert out.startswith(f"imagestream/{stream} imported\n")
        assert proxy.count("HEAD", f"/v2/{repo}/manifests/v1") == 1
        assert proxy.count("GET", f"/v2/{repo}/") == 0
        again = yaml.safe_load(isctl.ok("get", "is", stream, "-n", "team", "-o", "yaml"))
        # Nothing changed: nothing was written, the check keeps its time.
        assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
        assert again["metadata"]["annotations"][CHECK] == checked
