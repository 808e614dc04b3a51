"""The builder catalog end to end: `examples/imagestreams.yaml` loaded with `isctl create -f`, then listed with
`isctl get builders` as the documentation shows, and narrowed to what the caller may see."""

from __future__ import annotations

import json
import re
from pathlib import Path

from imagestreams_client import Client

from tests.e2e.support import Isctl

CATALOG = Path(__file__).resolve().parents[2] / "examples" / "imagestreams.yaml"


def test_the_example_catalog_loads_and_lists_its_builders(isctl: Isctl, client: Client) -> None:
    out = isctl.ok("create", "-f", str(CATALOG), "-n", "cli-files")
    assert out.splitlines() == [f"imagestream/{name} created" for name in ("ruby", "python", "nodejs")]

    table = isctl.ok("get", "builders", "-n", "cli-files")
    names = [line.split()[0] for line in table.splitlines()[1:]]
    # Hidden tags (ruby 3.0, nodejs 18) are left out; each stream's latest is a builder too.
    assert names == [
        "nodejs:20", "nodejs:22", "nodejs:latest",
        "python:3.11", "python:3.12", "python:3.9", "python:latest",
        "ruby:3.1", "ruby:3.3", "ruby:latest",
    ]  # fmt: skip
    assert re.search(r"(?m)^python:3\.9\s+Python 3\.9 \(deprecated\)\s+python:3\.9,python\s+https://", table)
    assert "nodejs:18" in isctl.ok("get", "builders", "-n", "cli-files", "--show-hidden")


def test_supports_puts_exact_matches_first(isctl: Isctl) -> None:
    isctl.run("create", "-f", str(CATALOG), "-n", "cli-forms")
    found = json.loads(isctl.ok("get", "builders", "-n", "cli-forms", "--supports=ruby:3.1", "-o", "json"))["items"]
    assert [(b["stream"], b["tag"], b.get("exact_match", False)) for b in found] == [
        ("ruby", "3.1", True),
        ("ruby", "3.3", False),
        ("ruby", "latest", False),
    ]
    wide = isctl.ok("get", "builders", "ruby", "-n", "cli-forms", "-o", "wide")
    assert "VERSION" in wide and "PULL SPEC" in wide and "registry.access.redhat.com/ubi9/ruby-33:latest" in wide
    assert "No builder images supporting perl found" in isctl.run("get", "builders", "--supports=perl").err


def test_every_namespace_lists_only_what_the_caller_may_see(isctl: Isctl, admin_token: str, tmp_path: Path) -> None:
    isctl.run("create", "-f", str(CATALOG), "-n", "cli-files")
    isctl.ok("create", "user", "catalog-viewer")
    isctl.ok("policy", "add-role-to-user", "view", "catalog-viewer", "-n", "cli-files")
    token = isctl.ok("create", "token", "catalog-viewer").strip()
    viewer = isctl.as_(token, tmp_path / "config")
    table = viewer.ok("get", "builders", "-A")
    assert {line.split()[0] for line in table.splitlines()[1:]} == {"cli-files"}
    assert "ruby:3.3" in isctl.ok("get", "builders", "-A")
