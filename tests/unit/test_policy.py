"""RBAC evaluation: bindings grant in their project or cluster-wide, to the subjects and groups they name."""

from __future__ import annotations

import pytest
from imagestreams_server.domain.identity import (
    ANONYMOUS_IDENTITY,
    Subject,
    service_account_identity,
    user_identity,
)
from imagestreams_server.domain.policy import (
    Policy,
    RoleBinding,
    project_default_bindings,
    with_subjects_added,
    with_subjects_removed,
)

ALICE = user_identity("alice", ("devs",))
BOB = user_identity("bob", ())
BUILDER = service_account_identity("team-a", "builder")


def policy(*bindings: RoleBinding) -> Policy:
    return Policy(bindings)


def test_a_project_binding_grants_only_in_its_project() -> None:
    p = policy(RoleBinding("team-a", "edit", "edit", (Subject.user("alice"),)))
    assert p.decide(ALICE, "update", "imagestreams", "team-a").allowed
    assert not p.decide(ALICE, "update", "imagestreams", "team-b").allowed
    assert not p.decide(BOB, "update", "imagestreams", "team-a").allowed


def test_a_cluster_binding_grants_everywhere_and_at_the_cluster_scope() -> None:
    p = policy(RoleBinding("", "admins", "cluster-admin", (Subject.user("alice"),)))
    assert p.decide(ALICE, "delete", "imagestreams", "anything").allowed
    assert p.decide(ALICE, "create", "users", "").allowed


def test_a_project_binding_never_grants_cluster_resources() -> None:
    p = policy(RoleBinding("team-a", "all", "cluster-admin", (Subject.user("alice"),)))
    assert p.decide(ALICE, "delete", "imagestreams", "team-a").allowed
    assert not p.decide(ALICE, "create", "users", "").allowed
    assert not p.decide(ALICE, "get", "images", "team-a").allowed
    assert not p.decide(ALICE, "create", "projects", "").allowed


def test_groups_and_service_accounts_match_as_kubernetes_matches_them() -> None:
    p = policy(
        RoleBinding("team-b", "devs-view", "view", (Subject.group("devs"),)),
        *project_default_bindings("team-a", None),
    )
    assert p.decide(ALICE, "get", "imagestreams", "team-b").allowed
    assert p.decide(BUILDER, "update", "imagestreams/layers", "team-a").allowed  # system:image-builders
    assert p.decide(service_account_identity("team-a", "default"), "get", "imagestreams/layers", "team-a").allowed
    assert not p.decide(service_account_identity("team-c", "default"), "get", "imagestreams/layers", "team-a").allowed
    assert not p.decide(ANONYMOUS_IDENTITY, "get", "imagestreams", "team-b").allowed


def test_a_decision_names_the_binding_that_allowed_it() -> None:
    binding = RoleBinding("team-a", "pullers", "system:image-puller", (Subject.user("alice"),))
    decision = policy(binding).decide(ALICE, "get", "imagestreams/layers", "team-a")
    assert decision.binding == binding
    assert 'role binding "pullers"' in decision.reason()


def test_who_can_and_where() -> None:
    p = policy(
        RoleBinding("team-a", "edit", "edit", (Subject.user("alice"), Subject.service_account("team-a", "ci"))),
        RoleBinding("", "admins", "cluster-admin", (Subject.user("root"),)),
        RoleBinding("team-b", "view", "view", (Subject.group("devs"),)),
    )
    users, groups = p.who_can("update", "imagestreams", "team-a")
    assert users == ["alice", "root", "system:serviceaccount:team-a:ci"]
    assert groups == []
    assert p.namespaces_allowing(ALICE, "get", "imagestreams") == {"team-a", "team-b"}
    assert p.namespaces_allowing(user_identity("root", ()), "get", "imagestreams") is None


def test_adding_subjects_reuses_the_role_binding_or_names_a_new_one_after_the_role() -> None:
    existing = {"view": RoleBinding("p", "view", "edit", (Subject.user("x"),))}
    added = with_subjects_added(existing, "p", "view", [Subject.user("alice")])
    assert added is not None and added.name == "view-0" and added.subjects == (Subject.user("alice"),)
    bound = {"edit": RoleBinding("p", "edit", "edit", (Subject.user("x"),))}
    again = with_subjects_added(bound, "p", "edit", [Subject.user("alice"), Subject.user("x")])
    assert again is not None and again.subjects == (Subject.user("x"), Subject.user("alice"))
    assert with_subjects_added(bound, "p", "edit", [Subject.user("x")]) is None
    with pytest.raises(ValueError, match="binds role"):
        with_subjects_added(bound, "p", "view", [Subject.user("y")], binding_name="edit")


def test_removing_subjects_touches_every_binding_of_the_role() -> None:
    bindings = {
        "edit": RoleBinding("p", "edit", "edit", (Subject.user("alice"),)),
        "edit-0": RoleBinding("p", "edit-0", "edit", (Subject.user("alice"), Subject.user("bob"))),
        "view": RoleBinding("p", "view", "view", (Subject.user("alice"),)),
    }
    changed = with_subjects_removed(bindings, "edit", [Subject.user("alice")])
    assert [(b.name, b.subjects) for b in changed] == [("edit", ()), ("edit-0", (Subject.user("bob"),))]
