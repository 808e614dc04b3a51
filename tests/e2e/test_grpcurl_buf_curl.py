"""grpcurl and buf curl as users meet them: reflection serves the API with its `.proto` comments, and the
README's calls work as written (the token in a header, `--protocol grpc` for buf)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.builders import push
from tests.support.server import TestServer, running_server, sqlite_store

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    assert found, f"{name} is a dev dependency (pip install -e '.[dev]')"
    return found


def run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> TestServer:
    with running_server(sqlite_store(tmp_path_factory.mktemp("data"))) as running:
        push(running.stub, "ruby", "latest", "abc")
        yield running


def test_grpcurl_describe_shows_the_proto_comments(server: TestServer) -> None:
    described = run(tool("grpcurl"), "-plaintext", server.address, "describe", "imagestreams.v1.ImageStreamService")
    assert "// Points one or more destination tags at one source (`oc tag`)." in described
    assert "rpc Tag ( .imagestreams.v1.TagRequest ) returns ( .imagestreams.v1.TagResponse );" in described
    message = run(tool("grpcurl"), "-plaintext", server.address, "describe", "imagestreams.v1.RegistryCredential")
    assert "matched by host (and port)" in message


def test_grpcurl_call_as_the_readme_shows(server: TestServer) -> None:
    answer = run(
        tool("grpcurl"),
        "-plaintext",
        "-H",
        f"authorization: Bearer {server.admin_token}",
        "-d",
        '{"namespace":"team","stream":"ruby","tag":"latest"}',
        server.address,
        "imagestreams.v1.ImageStreamService/GetImageStreamTag",
    )
    assert json.loads(answer)["imageStreamTag"]["tag"] == "latest"


def test_buf_curl_as_the_readme_shows(server: TestServer) -> None:
    answer = run(
        tool("buf"),
        "curl",
        "--protocol",
        "grpc",
        "--http2-prior-knowledge",
        "-H",
        f"authorization: Bearer {server.admin_token}",
        "-d",
        '{"namespace":"team","stream":"ruby","tag":"latest"}',
        f"http://{server.address}/imagestreams.v1.ImageStreamService/GetImageStreamTag",
    )
    assert json.loads(answer)["imageStreamTag"]["tag"] == "latest"
