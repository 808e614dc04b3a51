"""The contract outside Python: the TypeScript client (clients/node) against a real `isctl serve`.

`npm test` (node's test runner, clients/node/test) runs against this module's server, named in the
environment, and against a second server that speaks TLS and buffers few changes per watcher; the example
runs as a user runs it.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb
from imagestreams_client import Client

from tests.e2e.conftest import _free_port, _stop, _wait_until_serving
from tests.e2e.support import ensure_projects, isctl_command, read_admin_token
from tests.support.certificates import Authority

NODE_CLIENT = Path(__file__).resolve().parents[2] / "clients" / "node"
DIGEST = "sha256:" + "4e" * 32
OTHER_DIGEST = "sha256:" + "7a" * 32


@pytest.fixture(scope="module")
def node_client() -> Path:
    """clients/node installed and built (`npm ci` reaches the npm registry; its `prepare` compiles)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.fail("the TypeScript client test needs node and npm (scripts/test installs them when missing)")
    if not (NODE_CLIENT / "node_modules" / ".bin" / "tsc").exists():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_CLIENT, check=True, timeout=600)
    built = subprocess.run(["npm", "run", "build"], cwd=NODE_CLIENT, capture_output=True, text=True, timeout=300)
    assert built.returncode == 0, built.stdout + built.stderr
    return NODE_CLIENT


@pytest.fixture(scope="module")
def tls_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    """`isctl serve` with a certificate of a throwaway CA and a small watch buffer: (address, CA file,
    administrator token)."""
    directory = tmp_path_factory.mktemp("isctl-serve-tls")
    authority = Authority(directory)
    issued = authority.issue("server", server=True)
    data_dir = directory / "data"
    address = f"127.0.0.1:{_free_port()}"
    command = [*isctl_command(), "serve", "--listen", address, "--data-dir", str(data_dir), "--no-auto-import"]
    # A watcher is ended as too slow once 5 changes wait for it, so a burst of changes tests the resume.
    command += ["--tls-cert", str(issued.cert), "--tls-key", str(issued.key), "--watch-buffer", "5"]
    log = directory / "serve.log"
    with log.open("wb") as log_file:
        process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT)
        try:
            credentials = grpc.ssl_channel_credentials(root_certificates=authority.cert.read_bytes())
            _wait_until_serving(address, process, log, credentials)
            yield address, authority.cert, read_admin_token(data_dir)
        finally:
            _stop(process)


def node_environment(**settings: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("ISCTL_", "IMAGESTREAMS_"))}
    return {**environment, **settings}


def test_npm_test_passes_against_a_real_server(
    node_client: Path, server_address: str, admin_token: str, tls_server: tuple[str, Path, str]
) -> None:
    tls_address, tls_ca, tls_token = tls_server
    environment = node_environment(
        IMAGESTREAMS_ADDRESS=server_address,
        IMAGESTREAMS_TOKEN=admin_token,
        IMAGESTREAMS_TLS_ADDRESS=tls_address,
        IMAGESTREAMS_TLS_CA=str(tls_ca),
        IMAGESTREAMS_TLS_TOKEN=tls_token,
    )
    done = subprocess.run(
        ["npm", "test"], cwd=node_client, capture_output=True, text=True, timeout=300, env=environment
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    # Every test ran: none skipped for want of a server, none failed.
    counts = dict(re.findall(r"^\S+ (tests|pass|fail|skipped) (\d+)$", output, re.MULTILINE))
    assert counts.get("fail") == "0" and counts.get("skipped") == "0", output
    assert int(counts.get("pass", "0")) >= 10, output


def run_example(node_client: Path, address: str, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = node_environment(**({"ISCTL_TOKEN": token} if token else {}))
    return subprocess.run(
        ["node", "dist/examples/tag-and-watch.js", address, *args],
        cwd=node_client,
        capture_output=True,
        text=True,
        timeout=60,
        env=environment,
    )


def example_steps(done: subprocess.CompletedProcess[str]) -> dict[str, dict[str, object]]:
    assert done.returncode == 0, done.stderr
    return {step["step"]: step for step in map(json.loads, done.stdout.splitlines())}


def test_the_example_reports_its_own_change_on_a_stream_with_history(
    node_client: Path, server_address: str, admin_token: str
) -> None:
    ensure_projects(server_address, admin_token, ["nodejs"])
    # History the example must not report: another tag, and an earlier image of its own tag.
    with Client(server_address, token=admin_token) as client:
        source = pb.ObjectReference(kind=pb.SOURCE_KIND_DOCKER_IMAGE, name=f"registry.example.com/old@{OTHER_DIGEST}")
        for tag in ("other", "latest"):
            client.tag("nodejs", source, [api.TagDestination(stream="app", tag=tag)])
    pull_spec = f"registry.example.com/team/node@{DIGEST}"
    steps = example_steps(run_example(node_client, server_address, admin_token, "nodejs", "app", pull_spec))
    # The token went with every call, the streaming watch's included.
    assert steps["whoami"]["username"] == "admin"
    assert steps["snapshot"]["image"] == OTHER_DIGEST
    assert steps["tag"]["messages"] == [f"Tag app:latest set to {pull_spec}."]
    assert steps["get"] == {"step": "get", "image": DIGEST, "pull_policy": "Always"}
    assert steps["watch"]["tag"] == "latest" and steps["watch"]["image"] == DIGEST
    # The move is one of the events of the Tag call's save, whose position is that of its last event.
    assert int(steps["snapshot"]["position"]) < int(steps["watch"]["position"]) <= int(steps["tag"]["position"])
    assert steps["error"] == {
        "step": "error",
        "code": 5,  # NOT_FOUND
        "details": 'imagestreamtag "nodejs/app:missing" not found',
        "reason": "NOT_FOUND",
    }

    # The same image again changes nothing, and the example says so rather than waiting for a change.
    again = example_steps(run_example(node_client, server_address, admin_token, "nodejs", "app", pull_spec))
    assert again["snapshot"]["image"] == DIGEST
    assert again["watch"] == {"step": "watch", "tag": "latest", "unchanged": True}


def test_the_example_on_a_new_stream(node_client: Path, server_address: str, admin_token: str) -> None:
    ensure_projects(server_address, admin_token, ["nodejs"])
    pull_spec = f"registry.example.com/team/node@{DIGEST}"
    steps = example_steps(run_example(node_client, server_address, admin_token, "nodejs", "fresh", pull_spec))
    assert steps["snapshot"]["image"] == ""
    assert steps["watch"]["image"] == DIGEST
    assert int(steps["snapshot"]["position"]) < int(steps["watch"]["position"]) <= int(steps["tag"]["position"])


def test_the_example_without_a_token_is_unauthenticated(node_client: Path, server_address: str) -> None:
    done = run_example(node_client, server_address, "", "nodejs", "app", f"registry.example.com/team/node@{DIGEST}")
    assert done.returncode == 1
    assert "UNAUTHENTICATED" in done.stderr
