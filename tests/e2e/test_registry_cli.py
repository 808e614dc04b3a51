"""The registry as a person sets it up: `isctl adm registry-config` prints the registry's auth and
notifications blocks, `isctl serve --http-listen` serves them, `isctl registry info` tells the registry's
hostname and `isctl registry login` writes the docker config that skopeo then pushes with."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import grpc
import httpx
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.e2e.support import Isctl, isctl_command, read_admin_token
from tests.integration.test_registry_tokens import skopeo_binary
from tests.support.registry import build_image, free_port, registry_binary, sha256

SECRET = "notify-e2e-5a4b3c2d1e"


@contextmanager
def running(command: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=env)
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(5)


def wait_for_grpc(address: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    with grpc.insecure_channel(address) as channel:
        while True:
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"isctl serve did not start:\n{log.read_text()}")
            try:
                health_pb2_grpc.HealthStub(channel).Check(health_pb2.HealthCheckRequest(service=""), timeout=1)
                return
            except grpc.RpcError:
                time.sleep(0.1)


def wait_for_http(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 15
    while True:
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not answer:\n{log.read_text()}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)


def image_dir(directory: Path) -> str:
    """A skopeo `dir:` layout of one small image; returns its manifest digest."""
    image = build_image(layer_texts=["pushed with isctl registry login\n"])
    directory.mkdir()
    (directory / "version").write_text("Directory Transport Version: 1.1\n")
    (directory / "manifest.json").write_bytes(image.manifest)
    for blob in (image.config, *image.layers):
        (directory / sha256(blob).removeprefix("sha256:")).write_bytes(blob)
    return image.digest


def test_registry_config_serve_info_login_and_a_push_with_skopeo(tmp_path: Path) -> None:
    data = tmp_path / "data"
    secret_file = tmp_path / "notifications.secret"
    secret_file.write_text(SECRET + "\n")
    grpc_address, http_address = f"127.0.0.1:{free_port()}", f"127.0.0.1:{free_port()}"
    registry_host = f"127.0.0.1:{free_port()}"
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("IMAGESTREAMS_", "ISCTL_"))}

    config = subprocess.run(
        [
            *isctl_command(),
            "adm",
            "registry-config",
            f"--http-url=http://{http_address}",
            f"--data-dir={data}",
            f"--notifications-secret-file={secret_file}",
        ],
        capture_output=True,
        text=True,
        env=environment,
        timeout=60,
        check=True,
    ).stdout
    assert f"realm: http://{http_address}/v2/token" in config
    assert f"rootcertbundle: {(data / 'registry-token.crt').resolve()}" in config
    assert f"url: http://{http_address}/registry/notifications" in config
    assert oct((data / "registry-token.key").stat().st_mode & 0o777) == "0o600"
    registry_config = tmp_path / "registry.yml"
    registry_config.write_text(
        "version: 0.1\n"
        "log: {level: error, accesslog: {disabled: true}}\n"
        f"storage: {{filesystem: {{rootdirectory: {tmp_path / 'registry-data'}}}}}\n"
        f"http: {{addr: '{registry_host}', secret: test-only}}\n" + config
    )

    serve = [
        *isctl_command(),
        "serve",
        "--listen",
        grpc_address,
        "--http-listen",
        http_address,
        "--data-dir",
        str(data),
        "--notifications-secret-file",
        str(secret_file),
        "--registry-hostname",
        registry_host,
        "--no-auto-import",
    ]
    with (
        running(serve, tmp_path / "serve.log", environment) as server,
        running([registry_binary(), "serve", str(registry_config)], tmp_path / "registry.log") as registry,
    ):
        wait_for_grpc(grpc_address, server, tmp_path / "serve.log")
        wait_for_http(f"http://{registry_host}/v2/", registry, tmp_path / "registry.log")
        token = read_admin_token(data)
        isctl = Isctl(grpc_address, token=token, config=tmp_path / "isctl.config")

        assert isctl.ok("registry", "info") == f"{registry_host}\n"
        assert isctl.ok("registry", "info", "--internal") == f"{registry_host}\n"
        assert "advertises no public registry hostname" in isctl.fails("registry", "info", "--public")

        auth_file = tmp_path / "auth" / "config.json"
        auth_file.parent.mkdir()
        auth_file.write_text(json.dumps({"auths": {"other.example.com": {"auth": "eDp5"}}}))
        assert isctl.ok("registry", "login", f"--to={auth_file}") == (
            f"Saved credentials for {registry_host} into {auth_file}\n"
        )
        auths = json.loads(auth_file.read_text())["auths"]
        assert set(auths) == {"other.example.com", registry_host}
        assert oct(auth_file.stat().st_mode & 0o777) == "0o600"
        # Without a token there is nothing to log in with.
        assert "no token is in use" in isctl.as_("").fails("registry", "login", f"--to={tmp_path / 'none.json'}")

        digest = image_dir(tmp_path / "image")
        env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path)}
        pushed = subprocess.run(
            [
                skopeo_binary(),
                "copy",
                "--dest-tls-verify=false",
                "--dest-authfile",
                str(auth_file),
                f"dir:{tmp_path / 'image'}",
                f"docker://{registry_host}/default/pushed:v1",
            ],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert pushed.returncode == 0, pushed.stderr
        deadline = time.monotonic() + 15
        while True:
            history = isctl.run("history", "pushed", "-n", "default")
            if (history.code == 0 and digest in history.out) or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert digest in history.out and "admin" in history.out, history.out + history.err
