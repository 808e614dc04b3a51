"""`isctl serve --config FILE`: every setting from a YAML file, flags and the environment before it; a bad key
or value named at start (never a traceback); `--print-config` with secrets redacted; JSON logs and /metrics
from a server started that way."""

from __future__ import annotations

import contextlib
import io
import json
import os
import signal
import sqlite3
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import httpx
import yaml
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import project_service_pb2_grpc as project_grpc
from isctl.main import main

from tests.e2e.support import isctl_command
from tests.e2e.test_serve_secrets import free_port
from tests.support.builders import docker, pinned, tag
from tests.support.server import channel_for


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def isctl_serve(*args: str, env: Mapping[str, str] | None = None) -> Ran:
    """`isctl serve ARGS` in this process (a subprocess costs seconds each), with only `env`'s IMAGESTREAMS_
    variables: what it printed, and its exit status (SystemExit included; any other exception fails the test)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("IMAGESTREAMS_", "PG"))}
    environment.update(env or {})
    out, err = io.StringIO(), io.StringIO()
    with (
        mock.patch.dict(os.environ, environment, clear=True),
        contextlib.redirect_stdout(out),
        contextlib.redirect_stderr(err),
    ):
        try:
            code = main(["serve", *args])
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 1
            if isinstance(exit.code, str):
                err.write(exit.code)
    return Ran(code, out.getvalue(), err.getvalue())


def write_config(tmp_path: Path, settings: dict) -> Path:
    path = tmp_path / "serve.yaml"
    path.write_text(yaml.safe_dump(settings))
    path.chmod(0o600)
    return path


def test_flags_then_environment_then_file_then_defaults(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        {
            "listen": "127.0.0.1:7001",
            "watch-buffer": 7,
            "import-interval": 30,
            "auto-import": False,
            "log-format": "json",
        },
    )
    done = isctl_serve(
        "--config", str(config), "--import-interval=60", "--print-config", env={"IMAGESTREAMS_WATCH_BUFFER": "9"}
    )
    assert done.returncode == 0, done.stderr
    printed = yaml.safe_load(done.stdout)  # the comments (where each value came from) are YAML comments
    assert printed["listen"] == "127.0.0.1:7001" and printed["auto-import"] is False  # the file
    assert printed["watch-buffer"] == 9  # the environment over the file
    assert printed["import-interval"] == 60  # the flag over the file
    assert printed["log-format"] == "json" and printed["data-dir"] == "data"  # the file, a default
    assert "watch-buffer: 9  # env" in done.stdout and "import-interval: 60.0  # flag" in done.stdout
    # The file itself can be named by the environment.
    again = isctl_serve("--print-config", env={"IMAGESTREAMS_CONFIG": str(config)})
    assert yaml.safe_load(again.stdout)["watch-buffer"] == 7


def test_print_config_redacts_the_database_password_and_the_notifications_secret(tmp_path: Path) -> None:
    config = write_config(tmp_path, {"database-url": "postgresql://app:hunter2@db.example:5432/streams"})
    done = isctl_serve("--config", str(config), "--print-config", env={"IMAGESTREAMS_NOTIFICATIONS_SECRET": "s3cr3t"})
    assert done.returncode == 0, done.stderr
    printed = yaml.safe_load(done.stdout)
    assert printed["database-url"] == "postgresql://app:REDACTED@db.example:5432/streams"
    assert printed["notifications-secret"] == "REDACTED"
    assert "hunter2" not in done.stdout + done.stderr and "s3cr3t" not in done.stdout + done.stderr


def test_a_bad_key_or_value_is_an_error_naming_it(tmp_path: Path) -> None:
    def refused(*args: str, env: Mapping[str, str] | None = None) -> str:
        done = isctl_serve(*args, "--print-config", env=env)
        assert done.returncode != 0, done.stderr
        return done.stderr

    unknown = write_config(tmp_path, {"lisen": "127.0.0.1:1"})
    assert f"{unknown}: unknown setting 'lisen'" in refused("--config", str(unknown))
    bad = write_config(tmp_path, {"watch-buffer": "many"})
    assert f"{bad}: watch-buffer: 'many' is not an integer" in refused("--config", str(bad))
    negative = write_config(tmp_path, {"import-interval": -1})
    assert f"{negative}: import-interval: must not be negative" in refused("--config", str(negative))
    assert "IMAGESTREAMS_WATCH_BUFFER: 'abc' is not an integer" in refused(env={"IMAGESTREAMS_WATCH_BUFFER": "abc"})
    limit = {"IMAGESTREAMS_MAX_STATUS_HISTORY": "-1"}
    assert "IMAGESTREAMS_MAX_STATUS_HISTORY: must not be negative" in refused(env=limit)
    assert "IMAGESTREAMS_AUTO_IMPORT: 'maybe' is not true or false" in refused(
        env={"IMAGESTREAMS_AUTO_IMPORT": "maybe"}
    )
    assert "--log-format" in refused("--log-format=xml")
    assert f"cannot read {tmp_path / 'nope.yaml'}" in refused("--config", str(tmp_path / "nope.yaml"))
    # Any other command does not read the serve settings: a bad variable no longer breaks them.
    with mock.patch.dict(os.environ, {"IMAGESTREAMS_WATCH_BUFFER": "abc"}), contextlib.redirect_stdout(io.StringIO()):
        assert main(["completion", "bash"]) == 0


def test_a_server_started_from_a_config_file_logs_json_and_serves_metrics(tmp_path: Path) -> None:
    address, http = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    config = write_config(
        tmp_path,
        {
            "listen": address,
            "data-dir": str(tmp_path / "data"),
            "http-listen": http,
            "auto-import": False,
            "log-format": "json",
            "snapshot-interval": 2,
        },
    )
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("IMAGESTREAMS_", "PG"))}
    log = tmp_path / "serve.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            [*isctl_command(), "serve", "--config", str(config)], stdout=output, stderr=output, env=environment
        )
    try:
        token_file = tmp_path / "data" / "admin.token"
        deadline = time.monotonic() + 60
        while not (token_file.exists() and "serving imagestreams.v1" in log.read_text()):
            assert process.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        token = token_file.read_text().strip()
        with channel_for(address, token) as channel:
            stub = api_grpc.ImageStreamServiceStub(channel)
            stub.ListImageStreams(
                api.ListImageStreamsRequest(namespace="default"), metadata=(("x-request-id", "r-42"),)
            )
            # Four moves of one stream: its events pass 2 and 4, so it has snapshots (the interval is 2).
            project_grpc.ProjectServiceStub(channel).CreateProject(project_api.CreateProjectRequest(name="snap"))
            for seed in range(4):
                tag(stub, docker(pinned(seed)), "app:latest", namespace="snap")
        metrics = httpx.get(f"http://{http}/metrics", timeout=10).text
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(15)
    with contextlib.closing(sqlite3.connect(tmp_path / "data" / "imagestreams.sqlite")) as db:
        (snapshots,) = db.execute("SELECT COUNT(*) FROM stored_snapshots").fetchone()
    assert snapshots >= 2
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    (rpc,) = [line for line in lines if line.get("request_id") == "r-42"]
    assert (rpc["method"], rpc["code"], rpc["caller"]) == ("ListImageStreams", "OK", "admin")
    assert token not in log.read_text()
    assert (
        'imagestreams_rpcs_total{code="OK",method="ListImageStreams",service="imagestreams.v1.ImageStreamService"} 1.0'
        in metrics
    )
