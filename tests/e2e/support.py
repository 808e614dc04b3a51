"""Helpers of the end-to-end tests: running `isctl` like a user, and recording images like a registry."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from imagestreams.v1 import resources_pb2 as pb
from imagestreams_client import Client

COMMAND_TIMEOUT = 60.0
REGISTRY = "registry.example.com/team"


def isctl_command() -> list[str]:
    """The installed console script next to this interpreter, else the module (same code, no PATH games)."""
    script = Path(sys.executable).with_name("isctl")
    return [str(script)] if script.exists() else [sys.executable, "-m", "isctl"]


def digest(char: str) -> str:
    """`sha256:aaaa...`: a well-formed digest that is easy to tell apart in output."""
    return "sha256:" + char * 64


@dataclass
class Result:
    args: list[str]
    code: int
    out: str
    err: str


@dataclass
class Isctl:
    """Runs `isctl` against the module's server, with a clean environment (no ISCTL_NAMESPACE from the
    developer's shell), and checks that no run ever ends in a Python traceback."""

    address: str

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        environment = {k: v for k, v in os.environ.items() if not k.startswith("ISCTL_")}
        environment["ISCTL_SERVER"] = self.address
        environment.update(env or {})
        done = subprocess.run(
            [*isctl_command(), *args],
            capture_output=True,
            text=True,
            env=environment,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        result = Result(list(args), done.returncode, done.stdout, done.stderr)
        assert "Traceback" not in result.err, f"isctl {shlex.join(args)} crashed:\n{result.err}"
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


def push(client: Client, stream: str, tag: str, image: str, namespace: str = "default", pull_spec: str = "") -> None:
    """Records `image` at `stream:tag` the way a registry does after a push."""
    reference = pull_spec or f"{REGISTRY}/{stream}@{image}"
    client.create_image_stream_mapping(namespace, stream, tag, pb.Image(name=image, docker_image_reference=reference))
