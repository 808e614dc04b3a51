"""The source tree's three Python distributions, and the installed distributions their requirements bring in
(tests/unit/test_packaging.py, tests/e2e/test_client_install.py)."""

from __future__ import annotations

from importlib import metadata

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

# Distribution name -> its directory (with a pyproject.toml) in the source tree.
PROJECTS = {
    "imagestreams-api": "proto/python",
    "imagestreams-server": "server",
    "imagestreams-client": "clients/python",
}


def dependency_closure(requirements: list[str]) -> set[str]:
    """The distributions (canonical names) the requirements bring in, following the installed distributions'
    own requirements, with extras and markers evaluated. The source tree's own distributions are left out."""
    seen: set[str] = set()
    todo = [Requirement(r) for r in requirements]
    while todo:
        requirement = todo.pop()
        name = canonicalize_name(requirement.name)
        unused = requirement.marker is not None and not requirement.marker.evaluate({"extra": ""})
        if name in seen or name in PROJECTS or unused:
            continue
        seen.add(name)
        for text in metadata.requires(name) or []:
            nested = Requirement(text)
            if nested.marker is None or any(nested.marker.evaluate({"extra": e}) for e in requirement.extras or {""}):
                nested.marker = None
                todo.append(nested)
    return seen
