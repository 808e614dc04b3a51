"""The built-in cluster roles: OpenShift's names and image rights, as data (verbs x resources).

A rule grants every verb it lists on every resource it lists; `*` stands for all of either. Roles are
bound in a project (they grant there) or cluster-wide (they grant in every project and at the cluster
scope). `docs/access.md` prints this table and says where it differs from OpenShift.
"""

from __future__ import annotations

from dataclasses import dataclass

VERBS = ("get", "list", "watch", "create", "update", "delete")
READ = ("get", "list", "watch")
WRITE = ("create", "update", "delete")
ALL = "*"

# Resources that live in a project.
NAMESPACED_RESOURCES = (
    "imagestreams",
    "imagestreams/layers",
    # A stream's status written on its own (PruneImages trims status histories: update).
    "imagestreams/status",
    "imagestreamtags",
    # Pinning a tag (PinTag, UnpinTag: update).
    "imagestreamtags/pin",
    "imagestreamimages",
    "imagestreamimports",
    "imagestreammappings",
    "secrets",
    "serviceaccounts",
    "tokens",
    "rolebindings",
    "projects",
)
# Resources with no project: only a cluster-wide binding grants them.
CLUSTER_RESOURCES = ("images", "users", "groups", "clusterrolebindings")
RESOURCES = NAMESPACED_RESOURCES + CLUSTER_RESOURCES

_STREAM_READS = ("imagestreams", "imagestreamtags", "imagestreamimages")


@dataclass(frozen=True)
class Rule:
    verbs: tuple[str, ...]
    resources: tuple[str, ...]

    def allows(self, verb: str, resource: str) -> bool:
        return (ALL in self.verbs or verb in self.verbs) and (ALL in self.resources or resource in self.resources)


@dataclass(frozen=True)
class Role:
    name: str
    description: str
    rules: tuple[Rule, ...]

    def allows(self, verb: str, resource: str) -> bool:
        return any(rule.allows(verb, resource) for rule in self.rules)


def _role(name: str, description: str, *rules: Rule) -> Role:
    return Role(name, description, rules)


_VIEW_RULES = (
    Rule(READ, _STREAM_READS),
    Rule(("get",), ("projects",)),
    Rule(READ, ("serviceaccounts",)),
)
_EDIT_RULES = (
    Rule(READ + WRITE, ("imagestreams", "imagestreamtags")),
    Rule(READ, ("imagestreamimages",)),
    Rule(("create",), ("imagestreamimports", "imagestreammappings")),
    Rule(("get", "update"), ("imagestreams/layers",)),
    Rule(READ + WRITE, ("secrets", "serviceaccounts")),
    Rule(("create", "list", "delete"), ("tokens",)),
    Rule(("get",), ("projects",)),
    # Last, so a grant refused for lack of rights names the older ones first.
    Rule(("update",), ("imagestreamtags/pin",)),
)
_REGISTRY_EDITOR_RULES = (
    Rule(READ + WRITE, ("imagestreams", "imagestreamtags")),
    Rule(READ, ("imagestreamimages",)),
    Rule(("create",), ("imagestreamimports", "imagestreammappings")),
    Rule(("get", "update"), ("imagestreams/layers",)),
    Rule(("get",), ("projects",)),
)
_BINDINGS = Rule(READ + WRITE, ("rolebindings",))

BUILT_IN_ROLES: dict[str, Role] = {
    role.name: role
    for role in (
        _role("cluster-admin", "Everything, everywhere.", Rule((ALL,), (ALL,))),
        _role(
            "admin",
            "A project's administrator: edit, plus role bindings and deleting the project.",
            *_EDIT_RULES,
            _BINDINGS,
            Rule(("update", "delete"), ("projects",)),
        ),
        _role(
            "edit",
            "Change streams, tags, imports, secrets and service accounts of a project; pull and push.",
            *_EDIT_RULES,
        ),
        _role("view", "Read streams and tags of a project; cannot pull (no layers), no secrets.", *_VIEW_RULES),
        _role(
            "registry-admin",
            "registry-editor, plus role bindings of the project.",
            *_REGISTRY_EDITOR_RULES,
            _BINDINGS,
        ),
        _role("registry-editor", "Change streams and tags, import, pull and push.", *_REGISTRY_EDITOR_RULES),
        _role(
            "registry-viewer",
            "Read streams and tags, and pull.",
            Rule(READ, _STREAM_READS),
            Rule(("get",), ("imagestreams/layers", "projects")),
        ),
        _role("system:image-puller", "Pull images.", Rule(("get",), ("imagestreams/layers",))),
        _role("system:image-pusher", "Pull and push images.", Rule(("get", "update"), ("imagestreams/layers",))),
        _role(
            "system:image-builder",
            "What builds need: pull, push, and create the stream they push to.",
            Rule(("get", "update"), ("imagestreams/layers",)),
            Rule(("create",), ("imagestreams",)),
        ),
        _role(
            "system:deployer",
            "What deployments need: read the tags they deploy.",
            Rule(READ, _STREAM_READS),
        ),
        _role(
            "system:image-auditor",
            "Read and annotate images cluster-wide.",
            Rule((*READ, "update"), ("images",)),
        ),
        _role(
            "system:image-pruner",
            "Prune images: read streams and images, trim status histories, delete images (bound cluster-wide).",
            Rule((*READ, "delete"), ("images",)),
            Rule(READ, ("imagestreams",)),
            Rule(("update",), ("imagestreams/status",)),
        ),
        _role("self-provisioner", "Create projects.", Rule(("create",), ("projects",))),
    )
}


def describe_role(role: Role) -> str:
    """The role as `oc describe clusterrole` prints it: one row per resource with every verb granted on it."""
    verbs: dict[str, list[str]] = {}
    for rule in role.rules:
        for resource in rule.resources:
            granted = verbs.setdefault(resource, [])
            granted.extend(v for v in rule.verbs if v not in granted)
    order = {v: i for i, v in enumerate((ALL, *VERBS))}
    width = max(len("Resources"), *(len(r) for r in verbs))
    lines = [
        f"Name:         {role.name}",
        "PolicyRule:",
        f"  {'Resources':<{width}}  Verbs",
        f"  {'---------':<{width}}  -----",
    ]
    for resource in sorted(verbs):
        listed = " ".join(sorted(verbs[resource], key=lambda v: order.get(v, len(order))))
        lines.append(f"  {resource:<{width}}  [{listed}]")
    return "\n".join(lines)
