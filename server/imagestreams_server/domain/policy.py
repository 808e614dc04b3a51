"""Role bindings, and the one rule that decides access: like Kubernetes RBAC, a request is allowed when a
binding that names the caller (or one of its groups) binds a role that grants the verb on the resource,
in the request's project or cluster-wide. There are no denies; nothing is allowed by default."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from .identity import Identity, Subject
from .roles import BUILT_IN_ROLES, CLUSTER_RESOURCES

# The cluster role bindings a new store starts with.
CLUSTER_ADMINS_BINDING = "cluster-admins"
SELF_PROVISIONERS_BINDING = "self-provisioners"


@dataclass(frozen=True)
class RoleBinding:
    # Empty for a cluster role binding.
    namespace: str
    name: str
    role: str
    subjects: tuple[Subject, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "role": self.role, "subjects": [s.to_dict() for s in self.subjects]}

    @classmethod
    def from_dict(cls, namespace: str, data: dict[str, Any]) -> RoleBinding:
        subjects = tuple(Subject.from_dict(s) for s in data["subjects"])
        return cls(namespace, data["name"], data["role"], subjects)

    def where(self) -> str:
        return f'project "{self.namespace}"' if self.namespace else "the cluster"


def project_default_bindings(namespace: str, requester: Subject | None) -> list[RoleBinding]:
    """The bindings every new project starts with, as OpenShift's project controller creates them: its
    service accounts may pull, `builder` may push, `deployer` may read tags; the requester is its admin."""
    bindings = [
        RoleBinding(
            namespace,
            "system:image-pullers",
            "system:image-puller",
            (Subject.group(f"system:serviceaccounts:{namespace}"),),
        ),
        RoleBinding(
            namespace, "system:image-builders", "system:image-builder", (Subject.service_account(namespace, "builder"),)
        ),
        RoleBinding(
            namespace, "system:deployers", "system:deployer", (Subject.service_account(namespace, "deployer"),)
        ),
    ]
    if requester is not None:
        bindings.insert(0, RoleBinding(namespace, "admin", "admin", (requester,)))
    return bindings


@dataclass(frozen=True)
class Decision:
    allowed: bool
    # The binding that allowed it.
    binding: RoleBinding | None = None

    def reason(self) -> str:
        if self.binding is None:
            return "no role binding allows it"
        return f'allowed by role binding "{self.binding.name}" of role "{self.binding.role}" in {self.binding.where()}'


DENIED = Decision(False)


class Policy:
    """An immutable index of every role binding, asked many times per second: decisions are memoised."""

    def __init__(self, bindings: Iterable[RoleBinding]) -> None:
        self.bindings = tuple(bindings)
        # (subject key) -> bindings naming it, cluster-wide ones and per project.
        self._by_subject: dict[tuple[str, str], list[RoleBinding]] = defaultdict(list)
        for binding in self.bindings:
            for subject in binding.subjects:
                self._by_subject[subject.key()].append(binding)
        self._memo: dict[tuple[Any, ...], Decision] = {}

    def decide(self, identity: Identity, verb: str, resource: str, namespace: str) -> Decision:
        key = (identity.username, identity.groups, verb, resource, namespace)
        decision = self._memo.get(key)
        if decision is None:
            decision = self._decide(identity.binding_keys(), verb, resource, namespace)
            if len(self._memo) > 100_000:
                self._memo.clear()
            self._memo[key] = decision
        return decision

    def _decide(self, keys: Iterable[tuple[str, str]], verb: str, resource: str, namespace: str) -> Decision:
        cluster_scoped = resource in CLUSTER_RESOURCES
        for key in keys:
            for binding in self._by_subject.get(key, ()):
                if binding.namespace and (cluster_scoped or binding.namespace != namespace):
                    continue
                role = BUILT_IN_ROLES.get(binding.role)
                if role is not None and role.allows(verb, resource):
                    return Decision(True, binding)
        return DENIED

    def who_can(self, verb: str, resource: str, namespace: str) -> tuple[list[str], list[str]]:
        """The users (service accounts as `system:serviceaccount:NS:NAME`) and groups allowed."""
        users: set[str] = set()
        groups: set[str] = set()
        cluster_scoped = resource in CLUSTER_RESOURCES
        for binding in self.bindings:
            if binding.namespace and (cluster_scoped or binding.namespace != namespace):
                continue
            role = BUILT_IN_ROLES.get(binding.role)
            if role is None or not role.allows(verb, resource):
                continue
            for subject in binding.subjects:
                kind, name = subject.key()
                (groups if kind == "Group" else users).add(name)
        return sorted(users), sorted(groups)

    def namespaces_allowing(self, identity: Identity, verb: str, resource: str) -> set[str] | None:
        """Where the caller may do `verb` on `resource`: None for everywhere (a cluster-wide grant), else the
        projects whose bindings allow it."""
        if self.decide(identity, verb, resource, "").allowed:
            return None
        namespaces: set[str] = set()
        for key in identity.binding_keys():
            for binding in self._by_subject.get(key, ()):
                if binding.namespace and binding.namespace not in namespaces:
                    role = BUILT_IN_ROLES.get(binding.role)
                    if role is not None and role.allows(verb, resource):
                        namespaces.add(binding.namespace)
        return namespaces


def with_subjects_added(
    bindings: dict[str, RoleBinding], namespace: str, role: str, subjects: Iterable[Subject], binding_name: str = ""
) -> RoleBinding | None:
    """The binding `oc policy add-role-to-user` leaves: the named one, or the first binding of the role, or a new
    one named after the role (`ROLE-N` when that name is taken). None when every subject was bound already."""
    if binding_name:
        binding = bindings.get(binding_name)
        if binding is not None and binding.role != role:
            raise ValueError(f'role binding "{binding_name}" binds role "{binding.role}", not "{role}"')
    else:
        binding = next((b for name, b in sorted(bindings.items()) if b.role == role), None)
        if binding is None:
            binding_name = role
            n = 0
            while binding_name in bindings:
                binding_name = f"{role}-{n}"
                n += 1
    if binding is None:
        binding = RoleBinding(namespace, binding_name, role, ())
    new = [s for s in dict.fromkeys(subjects) if s not in binding.subjects]
    if not new and binding.name in bindings:
        return None
    return RoleBinding(namespace, binding.name, role, (*binding.subjects, *new))


def with_subjects_removed(
    bindings: dict[str, RoleBinding], role: str, subjects: Iterable[Subject]
) -> list[RoleBinding]:
    """Every binding of `role` that named one of `subjects`, without them (an empty one is to be deleted)."""
    gone = set(subjects)
    changed = []
    for _, binding in sorted(bindings.items()):
        if binding.role == role and gone.intersection(binding.subjects):
            kept = tuple(s for s in binding.subjects if s not in gone)
            changed.append(RoleBinding(binding.namespace, binding.name, role, kept))
    return changed
