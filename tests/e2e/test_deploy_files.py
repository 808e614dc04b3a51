"""The Dockerfile and docker-compose.yml checked without a container engine: every setting they name is one the
server knows, every file they mount is one `deploy/make-secrets` makes, ports and paths agree with the code, and
the image's command, with the compose file's environment, starts a server whose HEALTHCHECK passes."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from imagestreams_server.api.http_app import HEALTH_PATH
from imagestreams_server.api.registry_notifications import PATH as NOTIFICATIONS_PATH
from imagestreams_server.api.registry_tokens import PATHS as TOKEN_PATHS
from isctl.serve_settings import SETTINGS

from tests.e2e.support import isctl_command

ROOT = Path(__file__).resolve().parents[2]
KNOWN_ENV = {s.env_name for s in SETTINGS if s.env} | {"IMAGESTREAMS_CONFIG"}


def dockerfile() -> dict[str, Any]:
    """ENV, USER, EXPOSE, HEALTHCHECK and ENTRYPOINT of the Dockerfile (continuation lines joined)."""
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    found: dict[str, Any] = {"env": {}, "expose": []}
    for line in text.splitlines():
        word, _, rest = line.strip().partition(" ")
        if word == "ENV":
            found["env"].update(dict(pair.split("=", 1) for pair in rest.split()))
        elif word == "USER":
            found["user"] = rest.strip()
        elif word == "EXPOSE":
            found["expose"] += [int(p) for p in rest.split()]
        elif word == "HEALTHCHECK":
            found["healthcheck"] = json.loads(rest[rest.index("CMD") + 3 :])
        elif word == "ENTRYPOINT":
            found["entrypoint"] = json.loads(rest)
    return found


def compose() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def port_of(listen: str) -> int:
    return int(listen.rpartition(":")[2])


@pytest.fixture(scope="module")
def secrets_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What `deploy/make-secrets` makes, run in a copy of deploy/ (the real deploy/secrets is left alone)."""
    copy = tmp_path_factory.mktemp("deploy-copy")
    shutil.copytree(ROOT / "deploy", copy / "deploy", ignore=shutil.ignore_patterns("secrets"))
    env = {**os.environ, "ISCTL": isctl_command()[0] if len(isctl_command()) == 1 else "isctl"}
    done = subprocess.run(
        ["bash", str(copy / "deploy" / "make-secrets")], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    out = copy / "deploy" / "secrets"
    assert oct(out.stat().st_mode & 0o777) == "0o700", "the directory keeps the secrets private on the host"
    return out


def test_the_image_runs_unprivileged_and_checks_its_health() -> None:
    image = dockerfile()
    assert image["user"].isdigit() and int(image["user"]) != 0
    assert set(image["env"]) <= KNOWN_ENV, set(image["env"]) - KNOWN_ENV
    grpc_port, http_port = (
        port_of(image["env"]["IMAGESTREAMS_LISTEN"]),
        port_of(image["env"]["IMAGESTREAMS_HTTP_LISTEN"]),
    )
    assert sorted(image["expose"]) == sorted([grpc_port, http_port])
    assert f"127.0.0.1:{http_port}{HEALTH_PATH}" in " ".join(image["healthcheck"])
    assert image["entrypoint"] == ["isctl", "serve"]
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {".venv", "**/node_modules", "data"} <= set(ignored)


def test_compose_names_only_known_settings_and_files_make_secrets_makes(secrets_dir: Path) -> None:
    spec = compose()
    declared = spec["secrets"]
    for name, secret in declared.items():
        made = secrets_dir / Path(secret["file"]).name
        assert secret["file"] == f"deploy/secrets/{made.name}" and made.is_file(), name
    image_ports = {port_of(dockerfile()["env"][k]) for k in ("IMAGESTREAMS_LISTEN", "IMAGESTREAMS_HTTP_LISTEN")}
    for name in ("imagestreams-1", "imagestreams-2"):
        service = spec["services"][name]
        env = service["environment"]
        assert set(env) <= KNOWN_ENV, set(env) - KNOWN_ENV
        mounted = {f"/run/secrets/{s}" for s in service["secrets"]}
        assert set(service["secrets"]) <= set(declared)
        # Every file the service is told about is one it has mounted.
        for key, value in env.items():
            if str(value).startswith("/run/secrets/"):
                assert value in mounted, key
        assert {int(p.rsplit(":", 1)[1]) for p in service["ports"]} == image_ports
        assert all(p.startswith("127.0.0.1:") for p in service["ports"]), "published on loopback only"


def test_the_registry_config_points_at_the_service(secrets_dir: Path) -> None:
    spec = compose()
    registry = spec["services"]["registry"]
    assert registry["command"][-1] == "/run/secrets/registry.yml" and "registry.yml" in registry["secrets"]
    config = yaml.safe_load((secrets_dir / "registry.yml").read_text())
    token = config["auth"]["token"]
    assert token["rootcertbundle"] == "/run/secrets/registry-token.crt" and "registry-token.crt" in registry["secrets"]
    service_env = spec["services"]["imagestreams-1"]["environment"]
    assert service_env["IMAGESTREAMS_REGISTRY_TOKEN_CERT"] == token["rootcertbundle"]
    http_port = port_of(dockerfile()["env"]["IMAGESTREAMS_HTTP_LISTEN"])
    published = {p.rsplit(":", 1)[1]: p.rsplit(":", 1)[0] for p in spec["services"]["imagestreams-1"]["ports"]}
    # Docker clients fetch tokens from the realm on the host: replica 1's published HTTP port.
    assert token["realm"] == f"http://{published[str(http_port)]}{TOKEN_PATHS[0]}"
    endpoint = config["notifications"]["endpoints"][0]
    assert endpoint["url"] == f"http://imagestreams-1:{http_port}{NOTIFICATIONS_PATH}"
    secret = (secrets_dir / "notifications.secret").read_text().strip()
    assert endpoint["headers"]["Authorization"] == [f"Bearer {secret}"]
    assert str(config["http"]["addr"]).endswith(":5000") and "127.0.0.1:5000:5000" in registry["ports"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_the_image_command_with_the_compose_environment_serves_and_is_healthy(
    secrets_dir: Path, tmp_path: Path
) -> None:
    image = dockerfile()
    env = {**image["env"], **compose()["services"]["imagestreams-1"]["environment"]}
    # Outside a container: loopback ports of our own, the mounted files from make-secrets, a data directory
    # of our own and the embedded store (the compose network's PostgreSQL is not here).
    grpc_port, http_port = free_port(), free_port()
    env["IMAGESTREAMS_LISTEN"], env["IMAGESTREAMS_HTTP_LISTEN"] = f"127.0.0.1:{grpc_port}", f"127.0.0.1:{http_port}"
    env["IMAGESTREAMS_DATA_DIR"] = str(tmp_path / "data")
    del env["IMAGESTREAMS_DATABASE_URL"]
    env = {k: str(v).replace("/run/secrets/", f"{secrets_dir}/") for k, v in env.items()}
    command = [*isctl_command(), *image["entrypoint"][1:]]
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(command, env={**os.environ, **env}, stdout=out, stderr=subprocess.STDOUT)
    try:
        check = [arg.replace("127.0.0.1:8080", f"127.0.0.1:{http_port}") for arg in image["healthcheck"]]
        check[0] = shutil.which("python3") or check[0]
        deadline = time.monotonic() + 60
        while subprocess.run(check, capture_output=True, timeout=10).returncode != 0:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.3)
        assert (tmp_path / "data" / "admin.token").exists()
    finally:
        process.terminate()
        process.wait(20)
