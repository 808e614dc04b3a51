"""Helpers of the end-to-end tests: running `isctl` like a user, and recording images like a registry."""

from __future__ import annotations

import dataclasses
import os
import shlex
import subprocess
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import grpc
from imagestreams.v1 import resources_pb2 as pb
from imagestreams_client import Client, ImageStreamsError, ProjectClient

COMMAND_TIMEOUT = 60.0
REGISTRY = "registry.example.com/team"
ADMIN_TOKEN_FILE = "admin.token"
# The server writes the administrator's token before it starts serving; this only covers a slow disk.
ADMIN_TOKEN_WAIT = 2.0


def isctl_command() -> list[str]:
    """The installed console script next to this interpreter, else the module (same code, no PATH games)."""
    script = Path(sys.executable).with_name("isctl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "isctl"]


def digest(char: str) -> str:
    """`sha256:aaaa...`: a well-formed digest that is easy to tell apart in output."""
    return "sha256:" + char * 64


def read_admin_token(data_dir: Path) -> str:
    """The cluster administrator's token a fresh server wrote into its data directory ("" if it wrote none:
    a server without access control)."""
    path = data_dir / ADMIN_TOKEN_FILE
    deadline = time.monotonic() + ADMIN_TOKEN_WAIT
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    return path.read_text().strip() if path.exists() else ""


def ensure_projects(address: str, token: str, names: Iterable[str]) -> None:
    """Creates the projects (as the administrator) unless they exist. A server without projects
    (UNIMPLEMENTED) needs none."""
    with ProjectClient(address, token=token or None) as projects:
        for name in names:
            try:
                projects.create_project(name)
            except ImageStreamsError as error:
                if error.code == grpc.StatusCode.UNIMPLEMENTED:
                    return
                if error.code != grpc.StatusCode.ALREADY_EXISTS:
                    raise


def isctl_environment(
    address: str, token: str = "", config: Path | None = None, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The environment of an `isctl` run: none of the developer's ISCTL_* settings, this server, this token,
    and a configuration file of the test's own (never ~/.isctl/config)."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("ISCTL_")}
    environment["ISCTL_SERVER"] = address
    if token:
        environment["ISCTL_TOKEN"] = token
    if config is not None:
        environment["ISCTL_CONFIG"] = str(config)
    environment.update(extra or {})
    return environment


@dataclass
class Result:
    args: list[str]
    code: int
    out: str
    err: str


@dataclass
class Isctl:
    """Runs `isctl` against the module's server, with a clean environment (no ISCTL_NAMESPACE from the
    developer's shell), a token (ISCTL_TOKEN) and a configuration file (ISCTL_CONFIG) of the test's choosing,
    and checks that no run ever ends in a Python traceback and none prints the token it was given (but
    `whoami -t`, whose job that is)."""

    address: str
    token: str = ""
    config: Path | None = None

    def as_(self, token: str = "", config: Path | None = None) -> Isctl:
        """The same server with another token (none: "") and another configuration file."""
        return dataclasses.replace(self, token=token, config=config if config is not None else self.config)

    def environment(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        return isctl_environment(self.address, self.token, self.config, env)

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        done = subprocess.run(
            [*isctl_command(), *args],
            capture_output=True,
            text=True,
            env=self.environment(env),
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        result = Result(list(args), done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in result.err, f"isctl {shlex.join(args)} crashed:\n{result.err}"
        if self.token and not _shows_token(args):
            assert self.token not in result.out + result.err, f"isctl {shlex.join(args)} printed its token"
        return result

    def ok(self, *args: str) -> str:
        """Runs a command that must succeed; returns its stdout."""
        result = self.run(*args)
        assert result.code == 0, f"isctl {shlex.join(args)} exited {result.code}:\n{result.err}"
        return result.out

    def fails(self, *args: str, code: int = 1) -> str:
        """Runs a command that must fail with `code`; returns its stderr."""
        result = self.run(*args)
        assert result.code == code, (
            f"isctl {shlex.join(args)} exited {result.code}, wanted {code}:\n{result.out}\n{result.err}"
        )
        return result.err


def _shows_token(args: Iterable[str]) -> bool:
    words = list(args)
    return "whoami" in words and any(w in ("-t", "--show-token") or w.startswith("--show-token=") for w in words)


def push(client: Client, stream: str, tag: str, image: str, namespace: str = "default", pull_spec: str = "") -> None:
    """Records `image` at `stream:tag` the way a registry does after a push."""
    reference = pull_spec or f"{REGISTRY}/{stream}@{image}"
    client.create_image_stream_mapping(namespace, stream, tag, pb.Image(name=image, docker_image_reference=reference))
