"""OpenShift's sample image stream files through the real `isctl`, against `isctl serve` with an integrated
and a public registry hostname: spec tags from ImageStreamTags in the `openshift` project apply unchanged with
`create -f` and `apply -f`, and pull specs and repositories read as OpenShift gives them."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from imagestreams_client import Client

from tests.e2e.conftest import ServeProcess, _free_port, _stop, _wait_until_serving
from tests.e2e.support import digest, ensure_projects, isctl_command, push, read_admin_token

INTERNAL = "image-registry.openshift-image-registry.svc:5000"
PUBLIC = "default-route-openshift-image-registry.apps.example.com"
NAMESPACE = "samples"
RUBY_27 = digest("7")


@pytest.fixture(scope="module")
def serve_process(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServeProcess]:
    """`isctl serve` with both registry hostnames, and the `openshift` and `samples` projects."""
    directory = tmp_path_factory.mktemp("isctl-serve-samples")
    data_dir = directory / "data"
    log = directory / "serve.log"
    address = f"127.0.0.1:{_free_port()}"
    command = [
        *isctl_command(),
        "serve",
        "--listen",
        address,
        "--data-dir",
        str(data_dir),
        "--no-auto-import",
        "--registry-hostname",
        INTERNAL,
        "--registry-public-hostname",
        PUBLIC,
    ]
    with log.open("wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            _wait_until_serving(address, process, log)
            token = read_admin_token(data_dir)
            ensure_projects(address, token, ("openshift", NAMESPACE))
            yield ServeProcess(address, data_dir, token)
        finally:
            _stop(process)


# The shape of an image stream in OpenShift's templates and sample files (openshift/library), as written.
SAMPLE = """\
apiVersion: image.openshift.io/v1
kind: ImageStream
metadata:
  name: ruby
  annotations:
    openshift.io/display-name: Ruby
spec:
  lookupPolicy:
    local: false
  tags:
  - name: "2.7"
    annotations:
      description: Build and run Ruby 2.7 applications.
      iconClass: icon-ruby
      openshift.io/display-name: Ruby 2.7
      tags: builder,ruby
      version: "2.7"
    from:
      kind: ImageStreamTag
      name: ruby:2.7
      namespace: openshift
    generation: 1
    importPolicy: {}
    referencePolicy:
      type: Local
  - name: "3.0"
    from:
      kind: ImageStreamTag
      name: ruby:3.0
      namespace: openshift
    referencePolicy:
      type: Source
  - name: latest
    from:
      kind: ImageStreamTag
      name: "2.7"
    referencePolicy:
      type: Local
"""


def write_sample(tmp_path: Path, name: str = "ruby") -> str:
    path = tmp_path / f"{name}.yaml"
    path.write_text(SAMPLE.replace("name: ruby\n", f"name: {name}\n", 1))
    return str(path)


def get_yaml(isctl: Any, name: str) -> dict[str, Any]:
    return dict(yaml.safe_load(isctl.ok("get", "is", name, "-n", NAMESPACE, "-o", "yaml")))


@pytest.fixture(scope="module", autouse=True)
def openshift_ruby(client: Client) -> None:
    """`openshift/ruby:2.7` has an image; `openshift/ruby:3.0` is not there yet."""
    push(client, "ruby", "2.7", RUBY_27, namespace="openshift")


def test_a_sample_file_is_created_unchanged(isctl: Any, tmp_path: Path) -> None:
    path = write_sample(tmp_path)
    assert isctl.ok("create", "-f", path, "-n", NAMESPACE) == "imagestream/ruby created\n"
    data = get_yaml(isctl, "ruby")
    tags = {t["name"]: t for t in data["spec"]["tags"]}
    assert tags["2.7"]["from"] == {"kind": "ImageStreamTag", "namespace": "openshift", "name": "ruby:2.7"}
    assert tags["latest"]["from"] == {"kind": "ImageStreamTag", "name": "2.7"}
    assert data["status"]["dockerImageRepository"] == f"{INTERNAL}/{NAMESPACE}/ruby"
    assert data["status"]["publicDockerImageRepository"] == f"{PUBLIC}/{NAMESPACE}/ruby"
    status = {t["tag"]: t["items"][0]["image"] for t in data["status"]["tags"]}
    assert status == {"2.7": RUBY_27, "latest": RUBY_27}

    # Local: pulled through the integrated registry. `3.0` has no image yet: pulled by tag through it.
    rows = [line.split() for line in isctl.ok("get", "istag", "-n", NAMESPACE).splitlines()[1:]]
    pull_specs = {row[0]: row[1] for row in rows}
    assert pull_specs["ruby:2.7"] == f"{INTERNAL}/{NAMESPACE}/ruby@{RUBY_27}"
    assert pull_specs["ruby:3.0"] == f"{INTERNAL}/{NAMESPACE}/ruby:3.0"
    # `get is` and `describe` show the public repository, as `oc` does.
    assert f"{PUBLIC}/{NAMESPACE}/ruby" in isctl.ok("get", "is", "ruby", "-n", NAMESPACE)
    described = isctl.ok("describe", "is", "ruby", "-n", NAMESPACE)
    assert f"Image Repository:\t{PUBLIC}/{NAMESPACE}/ruby" in described
    assert "tagged from openshift/ruby:2.7" in described

    # The same file again: nothing to do.
    assert isctl.ok("apply", "-f", path, "-n", NAMESPACE) == "imagestream/ruby unchanged\n"


def test_a_sample_file_applies_to_an_existing_stream(isctl: Any, tmp_path: Path) -> None:
    isctl.ok("create", "is", "ruby-applied", "-n", NAMESPACE)
    path = write_sample(tmp_path, "ruby-applied")
    assert isctl.ok("apply", "-f", path, "-n", NAMESPACE) == "imagestream/ruby-applied configured\n"
    data = get_yaml(isctl, "ruby-applied")
    tags = {t["name"]: t for t in data["spec"]["tags"]}
    # Kept as written, not turned into the image it named.
    assert tags["2.7"]["from"] == {"kind": "ImageStreamTag", "namespace": "openshift", "name": "ruby:2.7"}
    assert tags["3.0"]["from"] == {"kind": "ImageStreamTag", "namespace": "openshift", "name": "ruby:3.0"}
    status = {t["tag"]: t["items"][0]["image"] for t in data["status"]["tags"]}
    assert status == {"2.7": RUBY_27, "latest": RUBY_27}
    assert isctl.ok("apply", "-f", path, "-n", NAMESPACE) == "imagestream/ruby-applied unchanged\n"
