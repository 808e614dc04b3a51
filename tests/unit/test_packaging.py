"""The three distributions (imagestreams-api in proto/python, imagestreams-server in server/, imagestreams-client
in clients/python) against the root pyproject.toml, the developer and CI install of all three: the root's
dependencies are exactly the union of theirs, its packages exactly theirs, and each imports only what it
declares (the server nothing of the client; the client the server's code only inside a function, for the verbs
that run it). tests/e2e/test_client_install.py installs the client on its own and runs it."""

from __future__ import annotations

import ast
import sys
import tomllib
from collections.abc import Iterator
from importlib import metadata
from pathlib import Path
from typing import Any

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from setuptools import find_packages

from tests.support.distributions import PROJECTS, dependency_closure

ROOT = Path(__file__).resolve().parents[2]
# What each distribution's code may import besides the standard library and its declared dependencies.
OWN_PACKAGES = {
    "imagestreams-api": {"imagestreams"},
    "imagestreams-server": {"imagestreams", "imagestreams_server"},
    "imagestreams-client": {"imagestreams", "imagestreams_client", "isctl"},
}


def pyproject(directory: str) -> dict[str, Any]:
    return tomllib.loads((ROOT / directory / "pyproject.toml").read_text())


def requirement_key(text: str) -> tuple[str, tuple[str, ...], str, str]:
    """A requirement as compared here: `PyYAML>=6` and `pyyaml >= 6` are the same one."""
    requirement = Requirement(text)
    return (
        canonicalize_name(requirement.name),
        tuple(sorted(requirement.extras)),
        str(requirement.specifier),
        str(requirement.marker or ""),
    )


def packages(directory: str) -> set[str]:
    found = pyproject(directory)["tool"]["setuptools"]["packages"]["find"]
    return set(find_packages(str(ROOT / directory), include=found.get("include", ("*",))))


def test_the_root_installs_exactly_what_the_three_distributions_need() -> None:
    root = {requirement_key(r) for r in pyproject(".")["project"]["dependencies"]}
    union = {
        key
        for directory in PROJECTS.values()
        for key in map(requirement_key, pyproject(directory)["project"]["dependencies"])
        if key[0] not in PROJECTS
    }
    assert root - union == set(), "the root needs what no distribution declares"
    assert union - root == set(), "a distribution needs what the root does not install"


def test_each_distribution_holds_its_packages_and_the_root_all_of_them() -> None:
    assert packages("proto/python") == {"imagestreams", "imagestreams.v1"}
    assert packages("clients/python") == {"imagestreams_client", "isctl", "isctl.commands"}
    assert {p.split(".")[0] for p in packages("server")} == {"imagestreams_server"}
    where = pyproject(".")["tool"]["setuptools"]["packages"]["find"]["where"]
    assert sorted(where) == sorted(PROJECTS.values())
    everything = set(find_packages(str(ROOT / "proto/python"))) | set(find_packages(str(ROOT / "server")))
    everything |= set(find_packages(str(ROOT / "clients/python")))
    assert everything == set().union(*(packages(d) for d in PROJECTS.values())), "a package no distribution ships"


def test_versions_pins_and_the_command_agree() -> None:
    version = pyproject(".")["project"]["version"]
    for name, directory in PROJECTS.items():
        project = pyproject(directory)["project"]
        assert (project["name"], project["version"]) == (name, version)
        pins = [Requirement(r) for r in project["dependencies"] if Requirement(r).name == "imagestreams-api"]
        if name != "imagestreams-api":
            assert [str(p.specifier) for p in pins] == [f"=={version}"], name
    assert pyproject("clients/python")["project"]["scripts"] == pyproject(".")["project"]["scripts"]
    assert pyproject("proto/python")["tool"]["setuptools"]["package-data"]["*"] == ["*.pyi", "*.binpb"]


def imports(directory: str) -> Iterator[tuple[Path, str, bool]]:
    """Each absolute import in a directory's code: its file, its top-level module, and whether it is made
    when the module loads (False: inside a function, when that runs)."""
    for path in sorted((ROOT / directory).rglob("*.py")):
        if "/v1/" in path.as_posix():
            continue  # generated: protobuf and grpc, checked by importing them in the e2e test
        tree = ast.parse(path.read_text(), str(path))
        functions = [f for f in ast.walk(tree) if isinstance(f, ast.FunctionDef | ast.AsyncFunctionDef)]
        lazy = {id(node) for function in functions for node in ast.walk(function)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                yield path, name.split(".")[0], id(node) not in lazy


@pytest.mark.parametrize("name", sorted(PROJECTS))
def test_each_distribution_imports_only_what_it_declares(name: str) -> None:
    directory = PROJECTS[name]
    declared = pyproject(directory)["project"]["dependencies"]
    if name != "imagestreams-api":
        declared = declared + pyproject("proto/python")["project"]["dependencies"]
    closure = dependency_closure(declared)
    providers = metadata.packages_distributions()
    for path, module, at_load in imports(directory):
        if module in sys.stdlib_module_names or module == "__future__" or module in OWN_PACKAGES[name]:
            continue
        where = f"{path.relative_to(ROOT)} imports {module}"
        if module == "imagestreams_server" and name == "imagestreams-client":
            assert not at_load, f"{where} when it loads: only the verbs that run the server may"
            continue
        assert {canonicalize_name(d) for d in providers.get(module, [])} & closure, f"{where}, not a dependency"
