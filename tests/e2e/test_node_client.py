"""The contract outside Python: the Node.js client (clients/node) against a real `isctl serve`."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

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


def test_node_client_tags_reads_and_watches(node_client: Path, server_address: str) -> None:
    pull_spec = f"registry.example.com/team/node@{DIGEST}"
    done = subprocess.run(
        ["node", "examples/tag-and-watch.js", server_address, "nodejs", "app", pull_spec],
        cwd=node_client,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    steps = {step["step"]: step for step in map(json.loads, done.stdout.splitlines())}
    assert steps["tag"]["messages"] == [f"Tag app:latest set to {pull_spec}."]
    assert steps["get"] == {"step": "get", "image": DIGEST, "pull_policy": "Always"}
    assert steps["watch"]["tag"] == "latest" and steps["watch"]["image"] == DIGEST
    # The move is one of the events of the Tag call's save, whose position is that of its last event.
    assert 0 < int(steps["watch"]["position"]) <= int(steps["tag"]["position"])
    assert steps["error"]["code"] == 5  # NOT_FOUND
    assert steps["error"]["details"] == 'imagestreamtag "nodejs/app:missing" not found'
