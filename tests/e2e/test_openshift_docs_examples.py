"""Every example command of OpenShift's image streams documentation that the product covers, typed as written
there (`oc` spelled `isctl`, docker.io spelled as our registry's host), with its exit code and key output.

The pages: "Managing image streams", "Tagging images", "Importing images and image streams from private
registries", "Working with manifest lists", "Using image streams with Kubernetes resources" (image lookup),
"Allowing pods to reference images across projects" and "Using image pull secrets". Commands of those pages
that act on Kubernetes workloads (`oc set triggers deploy/...`, `oc set image-lookup deploy/...`) are not
covered: no workloads live here (docs/decisions.md).

The server imports in the background, as OpenShift's does, from a real registry that serves HTTPS with a
certificate the server trusts (SSL_CERT_FILE), so no command needs `--insecure`.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import STARTUP_TIMEOUT, ServeProcess, _free_port, _stop, _wait_until_serving
from tests.e2e.support import Isctl, Result, ensure_projects, isctl_command, read_admin_token
from tests.support.registry import BuiltImage, RunningRegistry, build_image, running_registry

assert STARTUP_TIMEOUT  # the serve fixture below waits as long as the shared one
IMPORT_WAIT = 30.0


@dataclass(frozen=True)
class Step:
    """A documented command, the exit code it must end with and what its output must hold."""

    command: str
    code: int = 0
    expect: tuple[str, ...] = ()
    # Further checks on the result (a regex over stdout+stderr, say).
    check: Callable[[Result], None] | None = None


@pytest.fixture(scope="module")
def registry(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningRegistry]:
    with running_registry(tmp_path_factory.mktemp("docs-registry"), tls=True) as running:
        yield running


@pytest.fixture(scope="module")
def images(registry: RunningRegistry) -> dict[str, BuiltImage]:
    """What the documentation's registry holds: python 3.5, 3.6.0, 3.7 and a two-platform list."""
    built = {tag: build_image(layer_texts=[f"python {tag}"]) for tag in ("3.5", "3.6.0", "3.7")}
    amd64 = build_image(layer_texts=["multi amd64"], arch="amd64")
    arm64 = build_image(layer_texts=["multi arm64"], arch="arm64")
    with registry.pusher() as pusher:
        for tag, image in built.items():
            pusher.image("python", tag, image)
        pusher.image("multiarch", None, amd64)
        pusher.image("multiarch", None, arm64)
        pusher.image_list("multiarch", "latest", [amd64.entry(), arm64.entry()])
    return built


@pytest.fixture(scope="module")
def serve_process(tmp_path_factory: pytest.TempPathFactory, registry: RunningRegistry) -> Iterator[ServeProcess]:
    """`isctl serve` importing in the background, trusting the registry's certificate authority."""
    directory = tmp_path_factory.mktemp("docs-serve")
    data_dir, log = directory / "data", directory / "serve.log"
    address = f"127.0.0.1:{_free_port()}"
    env = {**os.environ, "SSL_CERT_FILE": str(registry.ca)}
    with log.open("wb") as log_file:
        process = subprocess.Popen(
            [*isctl_command(), "serve", "--listen", address, "--data-dir", str(data_dir), "--import-interval=2"],
            stdout=log_file,
            stderr=subprocess.STDOUT,
            env=env,
        )
        try:
            _wait_until_serving(address, process, log)
            token = read_admin_token(data_dir)
            ensure_projects(address, token, ("default", "project-a", "project-b"))
            yield ServeProcess(address, data_dir, token)
        finally:
            _stop(process)


def run_steps(isctl: Isctl, registry: RunningRegistry, steps: list[Step]) -> None:
    for step in steps:
        words = shlex.split(step.command.replace("REGISTRY", registry.host))
        assert words[0] == "isctl", step.command
        result = isctl.run(*words[1:])
        assert result.code == step.code, f"{step.command}: exit {result.code}\n{result.out}\n{result.err}"
        for text in step.expect:
            assert text.replace("REGISTRY", registry.host) in result.out + result.err, (
                f"{step.command}: {text!r} not in\n{result.out}\n{result.err}"
            )
        if step.check:
            step.check(result)


def wait_for_image(isctl: Isctl, istag: str, namespace: str = "default") -> dict:
    """The istag once the background import has recorded its image."""
    deadline = time.monotonic() + IMPORT_WAIT
    while True:
        result = isctl.run("get", "istag", istag, "-n", namespace, "-o", "json")
        if result.code == 0 and json.loads(result.out).get("image", {}).get("metadata", {}).get("name"):
            return json.loads(result.out)
        assert time.monotonic() < deadline, f"{istag} never imported:\n{result.err}"
        time.sleep(0.3)


def spec_tag(isctl: Isctl, stream: str, tag: str) -> dict:
    document = json.loads(isctl.ok("get", "is", stream, "-o", "json"))
    return next(t for t in document["spec"]["tags"] if t["name"] == tag)


def test_tagging_images(isctl: Isctl, registry: RunningRegistry, images: dict[str, BuiltImage]) -> None:
    """ "Tagging images" and "Managing image streams": external images, copies, aliases, removal."""
    run_steps(
        isctl,
        registry,
        [
            # Adding tags for an external image.
            Step("isctl tag REGISTRY/python:3.6.0 python:3.6", expect=("Tag python:3.6 set to REGISTRY/python:3.6.0",)),
        ],
    )
    assert wait_for_image(isctl, "python:3.6")["image"]["metadata"]["name"] == images["3.6.0"].digest
    run_steps(
        isctl,
        registry,
        [
            Step("isctl tag REGISTRY/python:3.5 python:3.5"),
        ],
    )
    wait_for_image(isctl, "python:3.5")
    run_steps(
        isctl,
        registry,
        [
            # Adding tags to an image stream / updating image stream tags.
            Step("isctl tag python:3.5 python:latest", expect=("Tag python:latest set to python@sha256:",)),
            Step("isctl tag python:3.6 python:latest", expect=("Tag python:latest set to python@sha256:",)),
            Step("isctl tag --alias=true python:latest python:stable", expect=("set up to track python:latest",)),
            # Obtaining information about image streams.
            Step("isctl get is", expect=("NAME", "IMAGE REPOSITORY", "python")),
            Step("isctl describe is/python", expect=("Name:", "python", "latest", "stable", "3.6", "3.5")),
            Step("isctl describe istag/python:latest", expect=(images["3.6.0"].digest,)),
            Step("isctl get istag", expect=("python:latest", "python:3.6", "python:3.5")),
            Step("isctl get istag python:latest -o yaml", expect=("kind: ImageStreamTag",)),
            # Removing image stream tags.
            Step("isctl tag -d python:3.5", expect=("Deleted tag default/python:3.5.",)),
            Step("isctl delete istag/python:stable", expect=("deleted",)),
        ],
    )
    assert "3.5" not in [t["name"] for t in json.loads(isctl.ok("get", "is", "python", "-o", "json"))["spec"]["tags"]]


def test_periodic_importing(isctl: Isctl, registry: RunningRegistry, images: dict[str, BuiltImage]) -> None:
    """ "Configuring periodic importing of image stream tags": --scheduled on, and off by tagging again."""
    run_steps(isctl, registry, [Step("isctl tag REGISTRY/python:3.6.0 sched:3.6 --scheduled")])
    assert spec_tag(isctl, "sched", "3.6")["importPolicy"].get("scheduled") is True
    wait_for_image(isctl, "sched:3.6")
    run_steps(isctl, registry, [Step("isctl tag REGISTRY/python:3.6.0 sched:3.6")])
    assert not spec_tag(isctl, "sched", "3.6").get("importPolicy", {}).get("scheduled")


def test_importing_images(isctl: Isctl, registry: RunningRegistry, images: dict[str, BuiltImage]) -> None:
    """ "Importing images": import-image with --from and --confirm, --all, a manifest list kept whole."""
    run_steps(
        isctl,
        registry,
        [
            Step(
                "isctl import-image python-import:3.7 --from=REGISTRY/python:3.7 --confirm",
                expect=("imagestream/python-import imported", images["3.7"].digest),
            ),
            Step("isctl import-image python-all --from=REGISTRY/python --all --confirm", expect=("3.6.0", "3.7")),
            Step(
                "isctl import-image multiarch:latest --from=REGISTRY/multiarch --import-mode='PreserveOriginal' "
                "--reference-policy=local --confirm",
                expect=("imagestream/multiarch imported",),
            ),
        ],
    )
    tag = spec_tag(isctl, "multiarch", "latest")
    assert tag["importPolicy"]["importMode"] == "PreserveOriginal"
    assert tag["referencePolicy"]["type"] == "Local"
    run_steps(
        isctl,
        registry,
        [
            Step(
                "isctl import-image multiarch:latest --from=REGISTRY/multiarch --import-mode='PreserveOriginal' "
                "--scheduled=true",
            ),
        ],
    )
    assert spec_tag(isctl, "multiarch", "latest")["importPolicy"].get("scheduled") is True


def test_pull_secrets(isctl: Isctl, registry: RunningRegistry, tmp_path: Path) -> None:
    """ "Using image pull secrets": the two ways the documentation makes one, and linking it."""
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"auths": {"quay.io": {"auth": "dXNlcjpwYXNz"}}}))
    run_steps(
        isctl,
        registry,
        [
            Step(
                f"isctl create secret generic regsecret --from-file=.dockerconfigjson={config} "
                "--type=kubernetes.io/dockerconfigjson",
                expect=("secret/regsecret created",),
            ),
            Step(
                "isctl create secret docker-registry quaysecret --docker-server=quay.io --docker-username=alice "
                "--docker-password=s3cr3t-pw --docker-email=alice@example.com",
                expect=("secret/quaysecret created",),
            ),
            Step("isctl secrets link default quaysecret --for=pull", expect=("linked",)),
            Step("isctl secrets link builder quaysecret", expect=("linked",)),
            Step("isctl create secret generic plain --from-file=key=/etc/hostname", code=2, expect=("--type",)),
        ],
    )
    listing = isctl.ok("secrets", "list", "-o", "json")
    assert "s3cr3t-pw" not in listing and "kubernetes.io/dockerconfigjson" in isctl.ok("secrets", "list")
    assert "quay.io" in listing


def test_image_lookup(isctl: Isctl, registry: RunningRegistry) -> None:
    """ "Using image streams with Kubernetes resources": `oc set image-lookup`."""
    isctl.ok("create", "is", "mysql")
    run_steps(
        isctl,
        registry,
        [
            Step("isctl set image-lookup mysql", expect=("imagestream/mysql image lookup updated",)),
            Step(
                "isctl set image-lookup imagestream --list",
                check=lambda r: _assert_matches(r.out, r"(?m)^mysql\s+true$"),
            ),
            Step("isctl set image-lookup mysql --enabled=false", expect=("imagestream/mysql image lookup updated",)),
            Step("isctl set image-lookup is --list", check=lambda r: _assert_matches(r.out, r"(?m)^mysql\s+false$")),
            Step("isctl set image-lookup deploy/mysql", code=2, expect=("only image streams",)),
        ],
    )
    assert json.loads(isctl.ok("get", "is", "mysql", "-o", "json"))["spec"].get("lookupPolicy", {}).get("local") in (
        False,
        None,
    )


def test_cross_project_pulls(isctl: Isctl, registry: RunningRegistry) -> None:
    """ "Allowing pods to reference images across projects": the image-puller role for another project."""
    run_steps(
        isctl,
        registry,
        [
            Step(
                "isctl policy add-role-to-user system:image-puller system:serviceaccount:project-a:default "
                "--namespace=project-b",
                expect=("system:image-puller added",),
            ),
            Step(
                "isctl policy add-role-to-group system:image-puller system:serviceaccounts:project-a "
                "--namespace=project-b",
                expect=("system:image-puller added",),
            ),
            Step(
                "isctl auth can-i get imagestreams/layers -n project-b --as=system:serviceaccount:project-a:default",
                expect=("yes",),
            ),
        ],
    )


def _assert_matches(text: str, pattern: str) -> None:
    assert re.search(pattern, text), f"{pattern!r} not in\n{text}"
