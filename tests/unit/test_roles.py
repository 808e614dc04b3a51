"""The role table: docs/access.md prints it as the code has it, and roles grant what OpenShift's do."""

from __future__ import annotations

from pathlib import Path

import pytest
from imagestreams_server.domain.roles import BUILT_IN_ROLES, describe_role

DOCS = Path(__file__).resolve().parents[2] / "docs" / "access.md"


@pytest.mark.parametrize("name", sorted(BUILT_IN_ROLES))
def test_docs_print_each_role_as_the_code_has_it(name: str) -> None:
    assert describe_role(BUILT_IN_ROLES[name]) in DOCS.read_text()


@pytest.mark.parametrize(
    ("role", "verb", "resource", "allowed"),
    [
        ("system:image-puller", "get", "imagestreams/layers", True),
        ("system:image-puller", "update", "imagestreams/layers", False),
        ("system:image-pusher", "update", "imagestreams/layers", True),
        ("system:image-builder", "create", "imagestreams", True),
        ("system:image-builder", "update", "imagestreams", False),
        ("view", "get", "imagestreams", True),
        ("view", "get", "imagestreams/layers", False),  # view cannot pull
        ("view", "get", "secrets", False),
        ("registry-viewer", "get", "imagestreams/layers", True),
        ("edit", "create", "secrets", True),
        ("edit", "create", "rolebindings", False),
        ("admin", "create", "rolebindings", True),
        ("admin", "delete", "projects", True),
        ("registry-editor", "get", "secrets", False),
        ("cluster-admin", "delete", "users", True),
        ("self-provisioner", "create", "projects", True),
        ("edit", "update", "imagestreamtags/pin", True),
        ("admin", "update", "imagestreamtags/pin", True),
        ("registry-editor", "update", "imagestreamtags/pin", False),
        ("view", "update", "imagestreamtags/pin", False),
    ],
)
def test_roles_grant_what_openshift_grants(role: str, verb: str, resource: str, allowed: bool) -> None:
    assert BUILT_IN_ROLES[role].allows(verb, resource) is allowed


def test_describe_prints_one_row_per_resource_with_its_verbs_in_order() -> None:
    text = describe_role(BUILT_IN_ROLES["system:image-pusher"])
    assert text.splitlines()[-1].split() == ["imagestreams/layers", "[get", "update]"]
