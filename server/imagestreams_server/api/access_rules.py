"""What every RPC needs: the verb, resource and project checked before it runs. One table for every method of
every service; a method missing from it is refused (fail closed), and a test builds its access matrix from it.

A rule returns the checks for a request: each (verb, resource, namespace) must be allowed, the namespace
being empty for the cluster scope. A rule may also name the projects a write goes into (they must exist:
NOT_FOUND otherwise), or mark a request whose empty namespace spans every project: the servicer then narrows
it to the projects the caller may see, instead of refusing it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from imagestreams.v1 import resources_pb2 as pb

from ..application.access_snapshot import AccessSnapshot
from ..application.tokens import name_of
from ..domain.identity import Identity, SubjectKind
from ..domain.roles import ALL, BUILT_IN_ROLES, NAMESPACED_RESOURCES, RESOURCES, VERBS
from .subjects import subject_or_none


@dataclass(frozen=True)
class Check:
    verb: str
    resource: str
    # Empty: the cluster scope.
    namespace: str


@dataclass(frozen=True)
class Rule:
    # The checks for a request (all must pass); None: any authenticated caller may call it.
    checks: Callable[[Any, Identity, AccessSnapshot], list[Check]] | None
    # The projects a write goes into: each must exist.
    projects: Callable[[Any], list[str]] = field(default=lambda request: [])
    # (verb, resource) a request with an empty namespace is narrowed by, instead of being checked.
    spans: tuple[str, str] | None = None
    # Role bindings may not grant more than the caller has (`escalation` check).
    grants_role: bool = False


PUBLIC_SERVICES = ("/grpc.health.v1.Health/", "/grpc.reflection.v1alpha.ServerReflection/", "/grpc.reflection.v1.")


def _field(request: Any, path: str) -> str:
    value = request
    for part in path.split("."):
        value = getattr(value, part)
    return str(value)


def simple(verb: str, resource: str, namespace: str = "namespace", *, write: bool = False, spans: bool = False) -> Rule:
    """One check in the request's namespace (`namespace` is the dotted path of its field; "" for the cluster)."""

    def checks(request: Any, identity: Identity, snapshot: AccessSnapshot) -> list[Check]:
        ns = _field(request, namespace) if namespace else ""
        if spans and not ns:
            return []
        return [Check(verb, resource, ns)]

    def projects(request: Any) -> list[str]:
        return [_field(request, namespace)] if write and namespace else []

    return Rule(checks, projects, (verb, resource) if spans else None)


def cluster(verb: str, resource: str) -> Rule:
    return simple(verb, resource, "")


# -- rules that look at more than one field -------------------------------------------------------------------


def _tag_destinations(request: Any) -> list[str]:
    return sorted({d.namespace or request.namespace for d in request.destinations} or {request.namespace})


def _tag_checks(request: Any, identity: Identity, snapshot: AccessSnapshot) -> list[Check]:
    """Tagging updates each destination's stream; a source stream in another project must be pullable from
    there (`get imagestreams/layers`), as OpenShift checks it."""
    destinations = _tag_destinations(request)
    checks = [Check("update", "imagestreams", ns) for ns in destinations]
    source = request.source
    in_streams = (pb.SOURCE_KIND_IMAGE_STREAM_TAG, pb.SOURCE_KIND_IMAGE_STREAM_IMAGE)
    if request.HasField("source") and source.kind in in_streams:
        source_ns = source.namespace or request.namespace
        if any(ns != source_ns for ns in destinations):
            checks.append(Check("get", "imagestreams/layers", source_ns))
    return checks


def _create_stream_checks(request: Any, identity: Identity, snapshot: AccessSnapshot) -> list[Check]:
    """Creating a stream; each spec tag whose source is a stream in another project copies an image from
    there, so that project must be pullable (`get imagestreams/layers`), as for a tag across projects."""
    stream = request.image_stream
    checks = [Check("create", "imagestreams", stream.namespace)]
    in_streams = (pb.SOURCE_KIND_IMAGE_STREAM_TAG, pb.SOURCE_KIND_IMAGE_STREAM_IMAGE)
    sources = sorted(
        {
            getattr(tag, "from").namespace
            for tag in stream.spec_tags
            if tag.HasField("from") and getattr(tag, "from").kind in in_streams
        }
        - {"", stream.namespace}
    )
    checks.extend(Check("get", "imagestreams/layers", ns) for ns in sources)
    return checks


def _is_self(subject: Any, identity: Identity) -> bool:
    return identity.subject is not None and subject_or_none(subject) == identity.subject


def _token_rule(verb: str) -> Callable[[Any, Identity, AccessSnapshot], list[Check]]:
    """A token of one's own needs no right; a user's needs the cluster's `tokens`, a service account's its
    project's."""

    def checks(request: Any, identity: Identity, snapshot: AccessSnapshot) -> list[Check]:
        if hasattr(request, "subject"):
            if not request.HasField("subject") or _is_self(request.subject, identity):
                return []
            subject = subject_or_none(request.subject)
        else:  # DeleteToken: the owner is the token's subject
            row = snapshot.rows.tokens.get(name_of(request.name))
            subject = row.subject if row else None
            if subject is not None and subject == identity.subject:
                return []
        if subject is not None and subject.kind is SubjectKind.SERVICE_ACCOUNT and subject.namespace:
            return [Check(verb, "tokens", subject.namespace)]
        return [Check(verb, "tokens", "")]

    return checks


def _bindings_resource(request: Any) -> tuple[str, str]:
    return ("rolebindings", request.namespace) if request.namespace else ("clusterrolebindings", "")


def _binding_rule(verb: str) -> Callable[[Any, Identity, AccessSnapshot], list[Check]]:
    def checks(request: Any, identity: Identity, snapshot: AccessSnapshot) -> list[Check]:
        resource, ns = _bindings_resource(request)
        return [Check(verb, resource, ns)]

    return checks


def _check_access_rule(request: Any, identity: Identity, snapshot: AccessSnapshot) -> list[Check]:
    """Asking about oneself needs nothing; about another subject, the right to read the bindings that decide."""
    if not request.HasField("subject") or _is_self(request.subject, identity):
        return []
    resource, ns = _bindings_resource(request)
    return [Check("list", resource, ns)]


def _who_can_rule(request: Any, identity: Identity, snapshot: AccessSnapshot) -> list[Check]:
    resource, ns = _bindings_resource(request)
    return [Check("list", resource, ns)]


def escalation(identity: Identity, snapshot: AccessSnapshot, role: str, namespace: str) -> tuple[str, str] | None:
    """The first right of `role` the caller lacks where it would be bound (None: it may grant the role), as
    Kubernetes refuses to let a binding grant more than its author holds."""
    found = BUILT_IN_ROLES.get(role)
    if found is None:
        return None  # an unknown role is NOT_FOUND, said by the command
    resources = NAMESPACED_RESOURCES if namespace else RESOURCES
    for rule in found.rules:
        for verb in VERBS if ALL in rule.verbs else rule.verbs:
            for resource in resources if ALL in rule.resources else rule.resources:
                if not snapshot.decide(identity, verb, resource, namespace).allowed:
                    return verb, resource
    return None


_IS = "/imagestreams.v1.ImageStreamService/"
_WATCH = "/imagestreams.v1.WatchService/"
_IMPORT = "/imagestreams.v1.ImportService/"
_SECRET = "/imagestreams.v1.SecretService/"
_ACCESS = "/imagestreams.v1.AccessService/"
_PROJECT = "/imagestreams.v1.ProjectService/"
_REGISTRY = "/imagestreams.v1.RegistryService/"

RULES: dict[str, Rule] = {
    # image streams
    _IS + "CreateImageStream": Rule(_create_stream_checks, lambda r: [r.image_stream.namespace]),
    _IS + "GetImageStream": simple("get", "imagestreams"),
    _IS + "ListImageStreams": simple("list", "imagestreams", spans=True),
    _IS + "ListBuilderImages": simple("list", "imagestreams", spans=True),
    _IS + "UpdateImageStream": simple("update", "imagestreams", "image_stream.namespace", write=True),
    _IS + "DeleteImageStream": simple("delete", "imagestreams", write=True),
    _IS + "DescribeImageStream": simple("get", "imagestreams"),
    _IS + "Tag": Rule(_tag_checks, _tag_destinations),
    _IS + "DeleteTag": simple("delete", "imagestreamtags", write=True),
    # Points a tag somewhere, as Tag does: the same right.
    _IS + "RollbackTag": simple("update", "imagestreams", write=True),
    # Holding a tag against automation is its own right (admin and edit have it).
    _IS + "PinTag": simple("update", "imagestreamtags/pin", write=True),
    _IS + "UnpinTag": simple("update", "imagestreamtags/pin", write=True),
    _IS + "GetImageStreamTag": simple("get", "imagestreamtags"),
    _IS + "ListImageStreamTags": simple("list", "imagestreamtags"),
    _IS + "ListTagHistory": simple("get", "imagestreams"),
    _IS + "GetImageStreamImage": simple("get", "imagestreamimages"),
    _IS + "GetImage": cluster("get", "images"),
    # A cluster-wide operation, as OpenShift's pruner is (`system:image-pruner`), even for one namespace.
    _IS + "PruneImages": Rule(
        lambda request, identity, snapshot: [Check("delete", "images", ""), Check("update", "imagestreams/status", "")]
    ),
    _IS + "CreateImageStreamMapping": simple("create", "imagestreammappings", write=True),
    # watch, import
    _WATCH + "Watch": simple("watch", "imagestreams"),
    _IMPORT + "ImportImage": simple("create", "imagestreamimports", write=True),
    # pull secrets
    _SECRET + "CreateSecret": simple("create", "secrets", write=True),
    _SECRET + "GetSecret": simple("get", "secrets"),
    _SECRET + "ListSecrets": simple("list", "secrets", spans=True),
    _SECRET + "DeleteSecret": simple("delete", "secrets", write=True),
    _SECRET + "LinkSecret": simple("update", "secrets", write=True),
    _SECRET + "UnlinkSecret": simple("update", "secrets", write=True),
    # identities
    _ACCESS + "WhoAmI": Rule(None),
    _ACCESS + "CreateUser": cluster("create", "users"),
    _ACCESS + "ListUsers": cluster("list", "users"),
    _ACCESS + "DeleteUser": cluster("delete", "users"),
    _ACCESS + "CreateGroup": cluster("create", "groups"),
    _ACCESS + "AddGroupUsers": cluster("update", "groups"),
    _ACCESS + "RemoveGroupUsers": cluster("update", "groups"),
    _ACCESS + "ListGroups": cluster("list", "groups"),
    _ACCESS + "DeleteGroup": cluster("delete", "groups"),
    _ACCESS + "CreateServiceAccount": simple("create", "serviceaccounts", write=True),
    _ACCESS + "ListServiceAccounts": simple("list", "serviceaccounts"),
    _ACCESS + "DeleteServiceAccount": simple("delete", "serviceaccounts", write=True),
    _ACCESS + "CreateToken": Rule(_token_rule("create")),
    _ACCESS + "ListTokens": Rule(_token_rule("list")),
    _ACCESS + "DeleteToken": Rule(_token_rule("delete")),
    # policy
    _ACCESS + "AddRoleBinding": Rule(
        _binding_rule("create"), lambda r: [r.namespace] if r.namespace else [], grants_role=True
    ),
    _ACCESS + "RemoveRoleBinding": Rule(_binding_rule("delete"), lambda r: [r.namespace] if r.namespace else []),
    _ACCESS + "ListRoleBindings": Rule(_binding_rule("list")),
    _ACCESS + "ListRoles": Rule(None),
    _ACCESS + "CheckAccess": Rule(_check_access_rule),
    _ACCESS + "WhoCan": Rule(_who_can_rule),
    # projects
    _PROJECT + "CreateProject": cluster("create", "projects"),
    _PROJECT + "GetProject": simple("get", "projects", "name"),
    _PROJECT + "ListProjects": Rule(lambda r, i, s: [], spans=("get", "projects")),
    _PROJECT + "DeleteProject": simple("delete", "projects", "name"),
    # the registry's hostnames (`oc registry info`)
    _REGISTRY + "GetRegistryInfo": Rule(None),
}


def is_public(method: str) -> bool:
    return method.startswith(PUBLIC_SERVICES)
