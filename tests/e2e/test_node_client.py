"""The contract outside Python: the Node.js client (clients/node) against a real `isctl serve`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.support import ensure_projects

NODE_CLIENT = Path(__file__).resolve().parents[2] / "clients" / "node"
DIGEST = "sha256:" + "4e" * 32


@pytest.fixture(scope="module")
def node_client() -> Path:
    """clients/node with its dependencies installed (once; `npm install` reaches the npm registry)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("the Node.js client test needs node and npm (scripts/test installs them when missing)")
    if not (NODE_CLIENT / "node_modules" / "@grpc" / "grpc-js").is_dir():
        subprocess.run(["npm", "install"], cwd=NODE_CLIENT, check=True, capture_output=True, timeout=300)
    return NODE_CLIENT


def run_example(node_client: Path, address: str, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ISCTL_")}
    if token:
        environment["ISCTL_TOKEN"] = token
    return subprocess.run(
        ["node", "examples/tag-and-watch.js", address, *args],
        cwd=node_client,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )


def test_node_client_tags_reads_and_watches(node_client: Path, server_address: str, admin_token: str) -> None:
    ensure_projects(server_address, admin_token, ["nodejs"])
    pull_spec = f"registry.example.com/team/node@{DIGEST}"
    done = run_example(node_client, server_address, admin_token, "nodejs", "app", pull_spec)
    assert done.returncode == 0, done.stderr
    steps = {step["step"]: step for step in map(json.loads, done.stdout.splitlines())}
    # The token went with every call, the streaming watch's included.
    assert steps["whoami"]["username"] == "admin"
    assert steps["tag"]["messages"] == [f"Tag app:latest set to {pull_spec}."]
    assert steps["get"] == {"step": "get", "image": DIGEST, "pull_policy": "Always"}
    assert steps["watch"]["tag"] == "latest" and steps["watch"]["image"] == DIGEST
    # The move is one of the events of the Tag call's save, whose position is that of its last event.
    assert 0 < int(steps["watch"]["position"]) <= int(steps["tag"]["position"])
    assert steps["error"]["code"] == 5  # NOT_FOUND
    assert steps["error"]["details"] == 'imagestreamtag "nodejs/app:missing" not found'


def test_node_client_without_a_token_is_unauthenticated(node_client: Path, server_address: str) -> None:
    done = run_example(node_client, server_address, "", "nodejs", "app", f"registry.example.com/team/node@{DIGEST}")
    assert done.returncode == 1
    assert "UNAUTHENTICATED" in done.stderr or "16 " in done.stderr
