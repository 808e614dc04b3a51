"""isctl installed on its own: the imagestreams-api and imagestreams-client wheels, built from proto/python and
clients/python, in a fresh virtualenv holding only the client's declared dependencies, against a real
`isctl serve`. The server, eventsourcing, psycopg and cryptography are not there, and isctl does not miss them.

How: the wheels are built from copies of the two directories (`pip wheel --no-deps --no-build-isolation`, so
no build dependencies are fetched and the checkout gets no build/ directories). The virtualenv is made with
`python -m venv --without-pip`, and its dependencies are the files of the distributions the wheels'
Requires-Dist name, followed transitively, copied from this test run's own environment: the same versions the
rest of the suite runs, no network, a few seconds. An import blocker in the developer environment would be
quicker, but could not show that the wheels hold the right files or that their metadata declares enough:
here a missing dependency or file fails an import, as it would for a user.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from email.parser import Parser
from importlib import metadata
from pathlib import Path

import pytest
from imagestreams_client import Client
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.e2e.conftest import ServeProcess
from tests.e2e.support import isctl_environment, push
from tests.support.distributions import PROJECTS, dependency_closure

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120
LOCAL = {name: PROJECTS[name] for name in ("imagestreams-api", "imagestreams-client")}
SERVER_ONLY = ("imagestreams_server", "eventsourcing", "psycopg", "cryptography", "starlette", "uvicorn")


@dataclass(frozen=True)
class Installed:
    wheels: dict[str, Path]
    python: Path
    isctl: Path
    home: Path


def wheel_metadata(wheel: Path) -> tuple[list[str], dict[str, str]]:
    """The wheel's file names and its METADATA headers (Requires-Dist joined by newlines)."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        meta = Parser().parsestr(archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
    headers = {key: value for key, value in meta.items() if key != "Requires-Dist"}
    headers["Requires-Dist"] = "\n".join(meta.get_all("Requires-Dist") or [])
    return names, headers


def copy_distribution(name: str, site: Path) -> None:
    """The files a distribution installed into this environment's site-packages, copied into `site`."""
    distribution = metadata.distribution(name)
    assert distribution.files is not None, f"{name} has no RECORD to copy it by"
    for file in distribution.files:
        if file.parts[0] == ".." or "__pycache__" in file.parts:
            continue  # scripts in bin/, and bytecode the new interpreter writes itself
        target = site / file
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(distribution.locate_file(file), target)


def run(
    command: list[str], cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False, cwd=cwd, env=env)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Installed]:
    work = tmp_path_factory.mktemp("client-install")
    ignore = shutil.ignore_patterns("__pycache__", "build", "*.egg-info")
    wheels: dict[str, Path] = {}
    for name, directory in LOCAL.items():
        source = work / "src" / name
        shutil.copytree(ROOT / directory, source, ignore=ignore)
        out = work / "wheels" / name
        run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "--no-index",
             "-w", str(out), str(source)])  # fmt: skip
        (wheels[name],) = out.glob("*.whl")
    venv = work / "venv"
    run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    python = venv / "bin" / "python"
    site = Path(run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"]).stdout.strip())
    requirements = [r for w in wheels.values() for r in wheel_metadata(w)[1]["Requires-Dist"].splitlines() if r]
    for name in sorted(dependency_closure(requirements)):
        copy_distribution(name, site)
    run([sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "--no-index",
         *map(str, wheels.values())])  # fmt: skip
    home = work / "home"
    home.mkdir()
    yield Installed(wheels, python, venv / "bin" / "isctl", home)


def clean_environment(installed: Installed, base: dict[str, str]) -> dict[str, str]:
    """No PYTHONPATH or virtualenv of the developer's leaking in, and a home of the test's own."""
    environment = {k: v for k, v in base.items() if k not in ("PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV")}
    environment["HOME"] = str(installed.home)
    return environment


def test_the_wheels_hold_the_api_package_and_the_client_alone(installed: Installed) -> None:
    api_files, api = wheel_metadata(installed.wheels["imagestreams-api"])
    client_files, client = wheel_metadata(installed.wheels["imagestreams-client"])
    assert {f.split("/")[0] for f in api_files if ".dist-info/" not in f} == {"imagestreams"}
    assert {"imagestreams/references.py", "imagestreams/v1/descriptors.binpb"} <= set(api_files)
    assert {f.split("/")[0] for f in client_files if ".dist-info/" not in f} == {"imagestreams_client", "isctl"}
    declared = {canonicalize_name(Requirement(r).name) for r in client["Requires-Dist"].splitlines()}
    declared |= {canonicalize_name(Requirement(r).name) for r in api["Requires-Dist"].splitlines()}
    assert "imagestreams-api" in declared
    assert not declared & {"eventsourcing", "psycopg", "cryptography", "imagestreams-server"}


def test_nothing_of_the_server_is_importable(installed: Installed) -> None:
    probe = (
        "import importlib.util, sys; import imagestreams.references, imagestreams_client, isctl.main;"
        f" print(' '.join(m for m in {SERVER_ONLY!r} if importlib.util.find_spec(m)))"
    )
    done = run([str(installed.python), "-c", probe], cwd=installed.home, env=clean_environment(installed, {}))
    assert done.stdout.strip() == ""


def test_isctl_without_the_server_works_against_one(
    installed: Installed, serve_process: ServeProcess, client: Client, tmp_path: Path
) -> None:
    base = isctl_environment(serve_process.address, serve_process.admin_token, tmp_path / "config")
    environment = clean_environment(installed, base)

    def isctl(*args: str) -> str:
        return run([str(installed.isctl), *args], cwd=installed.home, env=environment).stdout

    assert isctl("--version").startswith("Client Version: 0.1.0\n")
    assert "usage: isctl" in isctl("--help")
    push(client, "installed", "1.0", "sha256:" + "e" * 64, namespace="team")
    # `tag` parses the pull spec in isctl (imagestreams.references) before it asks the server.
    assert isctl("tag", "quay.io/team/app:2.0", "installed:2.0", "-n", "team").startswith("Tag installed:2.0 set")
    listed = isctl("get", "is", "-n", "team")
    assert "installed" in listed and "1.0" in listed, listed


@pytest.mark.parametrize("verb", [["serve"], ["adm", "registry-config", "--http-url", "http://127.0.0.1:1"]])
def test_the_verbs_that_run_the_server_say_what_to_install(
    installed: Installed, verb: list[str], tmp_path: Path
) -> None:
    environment = clean_environment(installed, {**os.environ, "IMAGESTREAMS_DATA_DIR": str(tmp_path)})
    done = subprocess.run(
        [str(installed.isctl), *verb], capture_output=True, text=True, env=environment, timeout=TIMEOUT, check=False
    )
    assert done.returncode == 1, done
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr, done.stderr
    assert "imagestreams-server is not installed" in done.stderr and "pip install" in done.stderr, done.stderr
