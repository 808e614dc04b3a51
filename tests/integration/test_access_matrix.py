"""Every RPC of every service, called by every kind of caller, on both stores.

The expected outcome of each call is computed here, from this file's own spec: what each request needs
(verb, resource, project), the bindings each caller is known to have, the built-in roles as data
(`BUILT_IN_ROLES`), and a small evaluator written below (a cluster-wide binding grants everywhere; a project
binding grants only in its project, and never a cluster resource). Denied: UNAUTHENTICATED for callers whose
credentials prove nothing, PERMISSION_DENIED naming the caller, verb, resource and project for known callers.
Allowed: anything but those two (and, where the request makes it certain, the exact code).

The table must cover exactly the methods the server describes (by reflection), and the server's rule table
must have a rule for each: an RPC added without a rule or without a row here fails.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool, field_mask_pb2
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message_factory import GetMessageClass
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import registry_service_pb2 as registry_api
from imagestreams.v1 import resources_pb2 as pb
from imagestreams.v1 import secret_service_pb2 as secret_api
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams_server.api import access_guard
from imagestreams_server.api.access_rules import RULES
from imagestreams_server.api.auth_throttle import AuthThrottle
from imagestreams_server.domain.roles import BUILT_IN_ROLES

from tests.support.access import (
    Admin,
    Outcome,
    Stubs,
    bearer,
    channel_with,
    denied,
    hash_name,
    outcome_of_error,
    sa_username,
    secret_key_for,
    service_account,
    user,
    wait_until,
)
from tests.support.builders import dest, digest, istag
from tests.support.postgres import fresh_database
from tests.support.server import TestServer, postgres_store, running_server, sqlite_store

A = "team-a"
B = "team-b"
OK = grpc.StatusCode.OK
NOT_FOUND = grpc.StatusCode.NOT_FOUND
ALREADY_EXISTS = grpc.StatusCode.ALREADY_EXISTS
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED
PERMISSION_DENIED = grpc.StatusCode.PERMISSION_DENIED
PUBLIC_SERVICES = ("grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection", "grpc.reflection.v1.")

# -- the spec's evaluator -------------------------------------------------------------------------------------

VERBS = ("get", "list", "watch", "create", "update", "delete")
CLUSTER_RESOURCES = frozenset({"images", "users", "groups", "clusterrolebindings"})
PROJECT_RESOURCES = (
    "imagestreams",
    "imagestreams/layers",
    "imagestreams/status",
    "imagestreamtags",
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


@dataclass(frozen=True)
class Grant:
    """A role bound to one subject ("User" names users and service accounts by user name; "Group")."""

    namespace: str
    role: str
    kind: str
    name: str


def project_grants(namespace: str, creator: str) -> list[Grant]:
    """What every new project binds (the contract's defaults)."""
    return [
        Grant(namespace, "admin", "User", creator),
        Grant(namespace, "system:image-puller", "Group", f"system:serviceaccounts:{namespace}"),
        Grant(namespace, "system:image-builder", "User", sa_username(namespace, "builder")),
        Grant(namespace, "system:deployer", "User", sa_username(namespace, "deployer")),
    ]


def role_allows(role: str, verb: str, resource: str) -> bool:
    return any(
        ("*" in rule.verbs or verb in rule.verbs) and ("*" in rule.resources or resource in rule.resources)
        for rule in BUILT_IN_ROLES[role].rules
    )


def role_rights(role: str, namespace: str) -> list[tuple[str, str]]:
    """Every (verb, resource) a role grants where it would be bound."""
    resources = PROJECT_RESOURCES if namespace else (*PROJECT_RESOURCES, *sorted(CLUSTER_RESOURCES))
    rights = []
    for rule in BUILT_IN_ROLES[role].rules:
        for verb in VERBS if "*" in rule.verbs else rule.verbs:
            for resource in resources if "*" in rule.resources else rule.resources:
                rights.append((verb, resource))
    return rights


@dataclass(frozen=True)
class Caller:
    key: str
    # Empty: anonymous, or credentials that prove nothing.
    username: str = ""
    # A service account's project.
    namespace: str = ""
    # False: the credentials are bad (malformed, expired, revoked): nothing is allowed.
    valid: bool = True
    # An `authorization` header sent instead of the caller's token.
    header: str | None = None

    @property
    def anonymous(self) -> bool:
        return not self.username

    @property
    def service_account(self) -> bool:
        return bool(self.namespace)

    @property
    def groups(self) -> tuple[str, ...]:
        if self.anonymous:
            return ("system:unauthenticated",)
        if self.service_account:
            return ("system:serviceaccounts", f"system:serviceaccounts:{self.namespace}", "system:authenticated")
        return ("system:authenticated",)

    @property
    def who(self) -> str:
        return f'serviceaccount "{self.username}"' if self.service_account else f'user "{self.username}"'

    def subject(self) -> access_api.Subject | None:
        if self.anonymous or not self.valid:
            return None
        if self.service_account:
            return service_account(self.namespace, self.username.rsplit(":", 1)[1])
        return user(self.username)

    def is_subject(self, subject: access_api.Subject) -> bool:
        own = self.subject()
        return own is not None and own == subject


Need = tuple[str, str, str]  # verb, resource, namespace ("" for the cluster scope)


def allows(grants: list[Grant], caller: Caller, verb: str, resource: str, namespace: str) -> bool:
    for grant in grants:
        matches = (grant.kind == "User" and grant.name == caller.username) or (
            grant.kind == "Group" and grant.name in caller.groups
        )
        if not matches:
            continue
        if grant.namespace and (grant.namespace != namespace or resource in CLUSTER_RESOURCES):
            continue
        if role_allows(grant.role, verb, resource):
            return True
    return False


@dataclass(frozen=True)
class Expected:
    code: grpc.StatusCode | None  # None: allowed
    # PERMISSION_DENIED: the messages any of which the server may give (the first unmet need it checks).
    messages: tuple[str, ...] = ()
    # The needs a denial may name, for the ErrorInfo metadata.
    unmet: tuple[Need, ...] = ()


# -- the world the callers live in ----------------------------------------------------------------------------

CALLERS = (
    Caller("anonymous"),
    Caller("malformed", valid=False, header="Bearer garbage"),
    Caller("basic", valid=False, header="Basic dXNlcjpwYXNzd29yZA=="),
    Caller("expired", "eve", valid=False),
    Caller("revoked", "rob", valid=False),
    Caller("puller", "puller"),
    Caller("pusher", "pusher"),
    Caller("builder", sa_username(B, "builder"), B),
    Caller("registry-viewer", "viewer"),
    Caller("editor", "editor"),
    Caller("other-admin", "ann"),
    Caller("cluster-admin", "admin"),
    Caller("granted-sa", sa_username(A, "granted"), A),
    Caller("plain-sa", sa_username(A, "plain"), A),
)


def world_grants() -> list[Grant]:
    grants = [
        Grant("", "cluster-admin", "User", "admin"),
        Grant("", "self-provisioner", "Group", "system:authenticated"),
        *project_grants(A, "ann"),
        *project_grants(B, "admin"),
        Grant(B, "system:image-puller", "User", "puller"),
        Grant(B, "system:image-pusher", "User", "pusher"),
        Grant(B, "registry-viewer", "User", "viewer"),
        Grant(B, "edit", "User", "editor"),
        Grant(B, "edit", "User", "eve"),
        Grant(B, "edit", "User", "rob"),
        Grant(B, "system:image-puller", "User", sa_username(A, "granted")),
        # Both may change team-a's streams: only the puller in team-b may tag team-b's images into them.
        Grant(A, "edit", "User", sa_username(A, "granted")),
        Grant(A, "edit", "User", sa_username(A, "plain")),
    ]
    for caller in CALLERS:
        grants += project_grants(doomed(caller), "ann")
    return grants


def doomed(caller: Caller) -> str:
    """The throwaway project (of ann's) a caller's DeleteProject targets."""
    return f"doomed-{CALLERS.index(caller)}"


@dataclass
class World:
    server: TestServer
    grants: list[Grant]
    channels: dict[str, grpc.Channel] = field(default_factory=dict)
    # Caller -> the hash name of a second token of its own (revoked by DeleteToken of one's own).
    spare_tokens: dict[str, str] = field(default_factory=dict)
    # Caller -> the hash name of a token of team-b's deployer (revoked by DeleteToken of another's).
    deployer_tokens: dict[str, str] = field(default_factory=dict)


def build_world(server: TestServer) -> World:
    admin = Admin(server)
    world = World(server, world_grants())
    tokens: dict[str, str] = {"cluster-admin": server.admin_token}
    # The expired token first: its second passes while the rest is set up.
    tokens["expired"] = admin.user_token("eve", seconds=1)
    expired_at = time.monotonic() + 1
    tokens["other-admin"] = admin.user_token("ann")
    ann = Stubs(bearer(server.address, tokens["other-admin"]))
    ann.projects.CreateProject(project_api.CreateProjectRequest(name=A), timeout=30)
    admin.create_project(B)
    for name in ("granted", "plain"):
        ann.access.CreateServiceAccount(access_api.CreateServiceAccountRequest(namespace=A, name=name), timeout=30)
    ann.access.AddRoleBinding(
        access_api.AddRoleBindingRequest(
            namespace=A, role="edit", subjects=[service_account(A, "granted"), service_account(A, "plain")]
        ),
        timeout=30,
    )
    for caller in CALLERS:
        ann.projects.CreateProject(project_api.CreateProjectRequest(name=doomed(caller)), timeout=30)
    ann.channel.close()
    for key, name in (("puller", "puller"), ("pusher", "pusher"), ("registry-viewer", "viewer")):
        tokens[key] = admin.user_token(name)
    tokens["editor"] = admin.user_token("editor")
    tokens["revoked"] = admin.user_token("rob")
    admin.bind(B, "system:image-puller", user("puller"), service_account(A, "granted"))
    admin.bind(B, "system:image-pusher", user("pusher"))
    admin.bind(B, "registry-viewer", user("viewer"))
    admin.bind(B, "edit", user("editor"), user("eve"), user("rob"))
    tokens["builder"] = admin.token(service_account(B, "builder"))
    tokens["granted-sa"] = admin.token(service_account(A, "granted"))
    tokens["plain-sa"] = admin.token(service_account(A, "plain"))
    admin.revoke(tokens["revoked"])
    # What the reads read: a stream with a tag in each project, a pull secret in team-b.
    for namespace, seed in ((B, "b1"), (A, "a1")):
        admin.stubs.streams.CreateImageStreamMapping(
            api.CreateImageStreamMappingRequest(
                namespace=namespace,
                name="src",
                tag="1",
                image=pb.Image(name=digest(seed), docker_image_reference=f"registry.example.com/x@{digest(seed)}"),
            ),
            timeout=30,
        )
    admin.stubs.secrets.CreateSecret(
        secret_api.CreateSecretRequest(namespace=B, name="pull", credential=credential()), timeout=30
    )
    for caller in CALLERS:
        subject = caller.subject()
        if subject is not None:
            world.spare_tokens[caller.key] = hash_name(admin.token(subject))
        world.deployer_tokens[caller.key] = hash_name(admin.token(service_account(B, "deployer")))
        if caller.header is not None:
            world.channels[caller.key] = channel_with(server.address, ("authorization", caller.header))
        elif caller.key == "anonymous":
            world.channels[caller.key] = channel_with(server.address)
        else:
            world.channels[caller.key] = bearer(server.address, tokens[caller.key])
    time.sleep(max(0.0, expired_at - time.monotonic()))
    expired = Stubs(world.channels["expired"])

    def expired_refused() -> bool:
        try:
            expired.access.WhoAmI(access_api.WhoAmIRequest(), timeout=10)
        except grpc.RpcError as error:
            return error.code() == UNAUTHENTICATED
        return False

    wait_until(expired_refused, timeout=10)
    return world


def credential() -> secret_api.RegistryCredential:
    return secret_api.RegistryCredential(server="quay.io", username="u", password="p-not-echoed")


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            store = sqlite_store(Path(tmp_path_factory.mktemp("matrix")) / "data")
        else:
            store = postgres_store(stack.enter_context(fresh_database()))
        # The bad-credential rows fail hundreds of times from one peer: the throttle (tested on its own in
        # test_access_tokens) would make them wait seconds each. This server's guard gets a lenient one.
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(access_guard, "AuthThrottle", lambda: AuthThrottle(free=1_000_000))
            server = stack.enter_context(running_server(store, secret_key=secret_key_for(store)))
        built = build_world(server)
        try:
            yield built
        finally:
            for channel in built.channels.values():
                channel.close()


# -- the table ------------------------------------------------------------------------------------------------

Needs = list[Need] | Callable[[World, Caller], list[Need]]
Build = Callable[[World, Caller], Any]


@dataclass(frozen=True)
class Row:
    # `Service/Method`.
    method: str
    label: str
    request: Build
    needs: Needs
    # The codes an allowed caller may get (None: any but UNAUTHENTICATED and PERMISSION_DENIED).
    allowed: frozenset[grpc.StatusCode] | None = None
    # The role and project a binding would grant (the escalation check).
    grants: tuple[str, str] | None = None

    def needs_of(self, world: World, caller: Caller) -> list[Need]:
        return self.needs(world, caller) if callable(self.needs) else list(self.needs)


def fixed(message: Any) -> Build:
    return lambda world, caller: message


def codes(*values: grpc.StatusCode) -> frozenset[grpc.StatusCode]:
    return frozenset(values)


def unless_self(subject: access_api.Subject, *needs: Need) -> Callable[[World, Caller], list[Need]]:
    """About oneself nothing is needed but being authenticated."""
    return lambda world, caller: [] if caller.is_subject(subject) else list(needs)


def own_subject(caller: Caller) -> access_api.Subject:
    """The caller's own subject; for callers without one, somebody else's (the administrator's)."""
    return caller.subject() or user("admin")


def own_subject_needs(*needs: Need) -> Callable[[World, Caller], list[Need]]:
    return lambda world, caller: [] if caller.subject() is not None else list(needs)


def own_spare_token(world: World, caller: Caller) -> access_api.DeleteTokenRequest:
    return access_api.DeleteTokenRequest(name=world.spare_tokens.get(caller.key, "sha256~no-such-token"))


def spec_tag(namespace: str, source: pb.ObjectReference, destination: str) -> api.TagRequest:
    return api.TagRequest(namespace=namespace, source=source, destinations=[dest(destination)])


def binding(namespace: str, role: str) -> access_api.AddRoleBindingRequest:
    return access_api.AddRoleBindingRequest(namespace=namespace, role=role, subjects=[user("bound-by-matrix")])


def unbinding(namespace: str, role: str) -> access_api.RemoveRoleBindingRequest:
    return access_api.RemoveRoleBindingRequest(namespace=namespace, role=role, subjects=[user("never-bound")])


def import_request() -> import_api.ImportImageRequest:
    """Nothing to import from (no `from`, no such tag): a caller let through is told so at once, without a
    registry being asked."""
    return import_api.ImportImageRequest(namespace=B, name="imported", tag="latest")


IS, WATCH, IMPORT, SECRET, ACCESS, PROJECT = (
    "ImageStreamService",
    "WatchService",
    "ImportService",
    "SecretService",
    "AccessService",
    "ProjectService",
)
READ_OK = codes(OK)
CREATED = codes(OK, ALREADY_EXISTS)
ABSENT = codes(NOT_FOUND)
EDITOR = user("editor")
B_DEFAULT = service_account(B, "default")
B_BUILDER = service_account(B, "builder")

ROWS: tuple[Row, ...] = (
    # image streams
    Row(
        f"{IS}/CreateImageStream",
        "CreateImageStream",
        fixed(api.CreateImageStreamRequest(image_stream=pb.ImageStream(namespace=B, name="made-by-matrix"))),
        [("create", "imagestreams", B)],
        allowed=CREATED,
    ),
    Row(
        f"{IS}/GetImageStream",
        "GetImageStream",
        fixed(api.GetImageStreamRequest(namespace=B, name="src")),
        [("get", "imagestreams", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/ListImageStreams",
        "ListImageStreams",
        fixed(api.ListImageStreamsRequest(namespace=B)),
        [("list", "imagestreams", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/ListImageStreams",
        "ListImageStreams(every project)",
        fixed(api.ListImageStreamsRequest()),
        [],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/ListBuilderImages",
        "ListBuilderImages",
        fixed(api.ListBuilderImagesRequest(namespace=B)),
        [("list", "imagestreams", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/ListBuilderImages",
        "ListBuilderImages(every project)",
        fixed(api.ListBuilderImagesRequest()),
        [],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/UpdateImageStream",
        "UpdateImageStream",
        fixed(
            api.UpdateImageStreamRequest(
                image_stream=pb.ImageStream(namespace=B, name="src", annotations={"matrix": "yes"}),
                update_mask=field_mask_pb2.FieldMask(paths=["annotations"]),
            )
        ),
        [("update", "imagestreams", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/DeleteImageStream",
        "DeleteImageStream(absent)",
        fixed(api.DeleteImageStreamRequest(namespace=B, name="no-such-stream")),
        [("delete", "imagestreams", B)],
        allowed=ABSENT,
    ),
    Row(
        f"{IS}/DescribeImageStream",
        "DescribeImageStream",
        fixed(api.DescribeImageStreamRequest(namespace=B, name="src")),
        [("get", "imagestreams", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/Tag",
        "Tag(same project)",
        fixed(spec_tag(B, istag("src:1"), "tagged:1")),
        [("update", "imagestreams", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/Tag",
        "Tag(team-b source into team-a)",
        fixed(spec_tag(A, istag("src:1", B), "copied:1")),
        [("update", "imagestreams", A), ("get", "imagestreams/layers", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/Tag",
        "Tag(team-a source into team-b)",
        fixed(spec_tag(B, istag("src:1", A), "from-a:1")),
        [("update", "imagestreams", B), ("get", "imagestreams/layers", A)],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/DeleteTag",
        "DeleteTag(absent)",
        fixed(api.DeleteTagRequest(namespace=B, stream="src", tag="no-such-tag")),
        [("delete", "imagestreamtags", B)],
        allowed=ABSENT,
    ),
    Row(
        f"{IS}/RollbackTag",
        "RollbackTag(absent)",
        fixed(api.RollbackTagRequest(namespace=B, stream="src", tag="no-such-tag")),
        [("update", "imagestreams", B)],
        allowed=ABSENT,
    ),
    Row(
        f"{IS}/PinTag",
        "PinTag(absent)",
        fixed(api.PinTagRequest(namespace=B, stream="src", tag="no-such-tag", reason="matrix")),
        [("update", "imagestreamtags/pin", B)],
        allowed=ABSENT,
    ),
    Row(
        f"{IS}/UnpinTag",
        "UnpinTag(absent)",
        fixed(api.UnpinTagRequest(namespace=B, stream="src", tag="no-such-tag")),
        [("update", "imagestreamtags/pin", B)],
        allowed=ABSENT,
    ),
    Row(
        f"{IS}/GetImageStreamTag",
        "GetImageStreamTag",
        fixed(api.GetImageStreamTagRequest(namespace=B, stream="src", tag="1")),
        [("get", "imagestreamtags", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/ListImageStreamTags",
        "ListImageStreamTags",
        fixed(api.ListImageStreamTagsRequest(namespace=B)),
        [("list", "imagestreamtags", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/ListTagHistory",
        "ListTagHistory",
        fixed(api.ListTagHistoryRequest(namespace=B, stream="src")),
        [("get", "imagestreams", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/GetImageStreamImage",
        "GetImageStreamImage",
        fixed(api.GetImageStreamImageRequest(namespace=B, stream="src", id=digest("b1"))),
        [("get", "imagestreamimages", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/GetImage",
        "GetImage",
        fixed(api.GetImageRequest(name=digest("b1"))),
        [("get", "images", "")],
        allowed=READ_OK,
    ),
    # A dry run (no `confirm`): the rights are those of a confirmed run.
    Row(
        f"{IS}/PruneImages",
        "PruneImages",
        fixed(api.PruneImagesRequest()),
        [("delete", "images", ""), ("update", "imagestreams/status", "")],
        allowed=READ_OK,
    ),
    Row(
        f"{IS}/CreateImageStreamMapping",
        "CreateImageStreamMapping",
        fixed(
            api.CreateImageStreamMappingRequest(
                namespace=B,
                name="pushed",
                tag="1",
                image=pb.Image(name=digest("d1"), docker_image_reference=f"registry.example.com/x@{digest('d1')}"),
            )
        ),
        [("create", "imagestreammappings", B)],
        allowed=READ_OK,
    ),
    # watch, import
    Row(f"{WATCH}/Watch", "Watch", fixed(watch_api.WatchRequest(namespace=B)), [("watch", "imagestreams", B)], READ_OK),
    # A watch names its project (docs/watch.md): one with none asks for the cluster scope.
    Row(
        f"{WATCH}/Watch",
        "Watch(no project)",
        fixed(watch_api.WatchRequest()),
        [("watch", "imagestreams", "")],
        allowed=codes(grpc.StatusCode.INVALID_ARGUMENT),
    ),
    Row(
        f"{IMPORT}/ImportImage",
        "ImportImage",
        fixed(import_request()),
        [("create", "imagestreamimports", B)],
        allowed=codes(grpc.StatusCode.INVALID_ARGUMENT),
    ),
    # pull secrets
    Row(
        f"{SECRET}/CreateSecret",
        "CreateSecret",
        fixed(secret_api.CreateSecretRequest(namespace=B, name="made-by-matrix", credential=credential())),
        [("create", "secrets", B)],
        allowed=CREATED,
    ),
    Row(
        f"{SECRET}/GetSecret",
        "GetSecret",
        fixed(secret_api.GetSecretRequest(namespace=B, name="pull")),
        [("get", "secrets", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{SECRET}/ListSecrets",
        "ListSecrets",
        fixed(secret_api.ListSecretsRequest(namespace=B)),
        [("list", "secrets", B)],
        allowed=READ_OK,
    ),
    Row(f"{SECRET}/ListSecrets", "ListSecrets(every project)", fixed(secret_api.ListSecretsRequest()), [], READ_OK),
    Row(
        f"{SECRET}/DeleteSecret",
        "DeleteSecret(absent)",
        fixed(secret_api.DeleteSecretRequest(namespace=B, name="no-such-secret")),
        [("delete", "secrets", B)],
        allowed=ABSENT,
    ),
    Row(
        f"{SECRET}/UnlinkSecret",
        "UnlinkSecret",
        fixed(secret_api.UnlinkSecretRequest(namespace=B, service_account="default", name="pull")),
        [("update", "secrets", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{SECRET}/LinkSecret",
        "LinkSecret",
        fixed(secret_api.LinkSecretRequest(namespace=B, service_account="default", name="pull")),
        [("update", "secrets", B)],
        allowed=READ_OK,
    ),
    # who am I, users, groups
    Row(f"{ACCESS}/WhoAmI", "WhoAmI", fixed(access_api.WhoAmIRequest()), [], READ_OK),
    Row(
        f"{ACCESS}/CreateUser",
        "CreateUser",
        fixed(access_api.CreateUserRequest(name="made-by-matrix")),
        [("create", "users", "")],
        allowed=CREATED,
    ),
    Row(f"{ACCESS}/ListUsers", "ListUsers", fixed(access_api.ListUsersRequest()), [("list", "users", "")], READ_OK),
    Row(
        f"{ACCESS}/DeleteUser",
        "DeleteUser(absent)",
        fixed(access_api.DeleteUserRequest(name="no-such-user")),
        [("delete", "users", "")],
        allowed=ABSENT,
    ),
    Row(
        f"{ACCESS}/CreateGroup",
        "CreateGroup",
        fixed(access_api.CreateGroupRequest(name="made-by-matrix")),
        [("create", "groups", "")],
        allowed=CREATED,
    ),
    Row(
        f"{ACCESS}/AddGroupUsers",
        "AddGroupUsers(absent)",
        fixed(access_api.AddGroupUsersRequest(name="no-such-group", users=["nobody"])),
        [("update", "groups", "")],
        allowed=ABSENT,
    ),
    Row(
        f"{ACCESS}/RemoveGroupUsers",
        "RemoveGroupUsers(absent)",
        fixed(access_api.RemoveGroupUsersRequest(name="no-such-group", users=["nobody"])),
        [("update", "groups", "")],
        allowed=ABSENT,
    ),
    Row(f"{ACCESS}/ListGroups", "ListGroups", fixed(access_api.ListGroupsRequest()), [("list", "groups", "")], READ_OK),
    Row(
        f"{ACCESS}/DeleteGroup",
        "DeleteGroup(absent)",
        fixed(access_api.DeleteGroupRequest(name="no-such-group")),
        [("delete", "groups", "")],
        allowed=ABSENT,
    ),
    # service accounts
    Row(
        f"{ACCESS}/CreateServiceAccount",
        "CreateServiceAccount",
        fixed(access_api.CreateServiceAccountRequest(namespace=B, name="made-by-matrix")),
        [("create", "serviceaccounts", B)],
        allowed=CREATED,
    ),
    Row(
        f"{ACCESS}/ListServiceAccounts",
        "ListServiceAccounts",
        fixed(access_api.ListServiceAccountsRequest(namespace=B)),
        [("list", "serviceaccounts", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/DeleteServiceAccount",
        "DeleteServiceAccount(absent)",
        fixed(access_api.DeleteServiceAccountRequest(namespace=B, name="no-such-sa")),
        [("delete", "serviceaccounts", B)],
        allowed=ABSENT,
    ),
    # tokens
    Row(
        f"{ACCESS}/CreateToken",
        "CreateToken(own)",
        lambda world, caller: access_api.CreateTokenRequest(subject=own_subject(caller)),
        own_subject_needs(("create", "tokens", "")),
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/CreateToken",
        "CreateToken(of user editor)",
        fixed(access_api.CreateTokenRequest(subject=EDITOR)),
        unless_self(EDITOR, ("create", "tokens", "")),
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/CreateToken",
        "CreateToken(of team-b's default)",
        fixed(access_api.CreateTokenRequest(subject=B_DEFAULT)),
        unless_self(B_DEFAULT, ("create", "tokens", B)),
        allowed=READ_OK,
    ),
    Row(f"{ACCESS}/ListTokens", "ListTokens(own)", fixed(access_api.ListTokensRequest()), [], READ_OK),
    Row(
        f"{ACCESS}/ListTokens",
        "ListTokens(of user editor)",
        fixed(access_api.ListTokensRequest(subject=EDITOR)),
        unless_self(EDITOR, ("list", "tokens", "")),
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/ListTokens",
        "ListTokens(of team-b's builder)",
        fixed(access_api.ListTokensRequest(subject=B_BUILDER)),
        unless_self(B_BUILDER, ("list", "tokens", B)),
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/DeleteToken",
        "DeleteToken(own)",
        own_spare_token,
        own_subject_needs(("delete", "tokens", "")),
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/DeleteToken",
        "DeleteToken(of team-b's deployer)",
        lambda world, caller: access_api.DeleteTokenRequest(name=world.deployer_tokens[caller.key]),
        [("delete", "tokens", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/DeleteToken",
        "DeleteToken(absent)",
        fixed(access_api.DeleteTokenRequest(name="sha256~no-such-token")),
        [("delete", "tokens", "")],
        allowed=ABSENT,
    ),
    # policy
    Row(
        f"{ACCESS}/AddRoleBinding",
        "AddRoleBinding(view in team-b)",
        fixed(binding(B, "view")),
        [("create", "rolebindings", B)],
        grants=("view", B),
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/AddRoleBinding",
        "AddRoleBinding(view in team-a)",
        fixed(binding(A, "view")),
        [("create", "rolebindings", A)],
        grants=("view", A),
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/AddRoleBinding",
        "AddRoleBinding(cluster-admin in team-a)",
        fixed(binding(A, "cluster-admin")),
        [("create", "rolebindings", A)],
        grants=("cluster-admin", A),
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/AddRoleBinding",
        "AddRoleBinding(view cluster-wide)",
        fixed(binding("", "view")),
        [("create", "clusterrolebindings", "")],
        grants=("view", ""),
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/RemoveRoleBinding",
        "RemoveRoleBinding(absent, team-b)",
        fixed(unbinding(B, "view")),
        [("delete", "rolebindings", B)],
        allowed=ABSENT,
    ),
    Row(
        f"{ACCESS}/RemoveRoleBinding",
        "RemoveRoleBinding(absent, cluster)",
        fixed(unbinding("", "self-provisioner")),
        [("delete", "clusterrolebindings", "")],
        allowed=ABSENT,
    ),
    Row(
        f"{ACCESS}/ListRoleBindings",
        "ListRoleBindings(team-b)",
        fixed(access_api.ListRoleBindingsRequest(namespace=B)),
        [("list", "rolebindings", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/ListRoleBindings",
        "ListRoleBindings(cluster)",
        fixed(access_api.ListRoleBindingsRequest()),
        [("list", "clusterrolebindings", "")],
        allowed=READ_OK,
    ),
    Row(f"{ACCESS}/ListRoles", "ListRoles", fixed(access_api.ListRolesRequest()), [], READ_OK),
    Row(
        "RegistryService/GetRegistryInfo", "GetRegistryInfo", fixed(registry_api.GetRegistryInfoRequest()), [], READ_OK
    ),
    Row(
        f"{ACCESS}/CheckAccess",
        "CheckAccess(oneself)",
        fixed(access_api.CheckAccessRequest(verb="get", resource="imagestreams", namespace=B)),
        [],
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/CheckAccess",
        "CheckAccess(own subject)",
        lambda world, caller: access_api.CheckAccessRequest(
            verb="get", resource="imagestreams", namespace=B, subject=own_subject(caller)
        ),
        own_subject_needs(("list", "rolebindings", B)),
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/CheckAccess",
        "CheckAccess(of user editor in team-b)",
        fixed(access_api.CheckAccessRequest(verb="update", resource="imagestreams", namespace=B, subject=EDITOR)),
        unless_self(EDITOR, ("list", "rolebindings", B)),
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/CheckAccess",
        "CheckAccess(of user editor, cluster)",
        fixed(access_api.CheckAccessRequest(verb="get", resource="images", subject=EDITOR)),
        unless_self(EDITOR, ("list", "clusterrolebindings", "")),
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/WhoCan",
        "WhoCan(team-b)",
        fixed(access_api.WhoCanRequest(verb="get", resource="imagestreams", namespace=B)),
        [("list", "rolebindings", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{ACCESS}/WhoCan",
        "WhoCan(cluster)",
        fixed(access_api.WhoCanRequest(verb="get", resource="images")),
        [("list", "clusterrolebindings", "")],
        allowed=READ_OK,
    ),
    # projects
    Row(
        f"{PROJECT}/CreateProject",
        "CreateProject",
        fixed(project_api.CreateProjectRequest(name="made-by-matrix")),
        [("create", "projects", "")],
        allowed=CREATED,
    ),
    Row(
        f"{PROJECT}/GetProject",
        "GetProject(team-b)",
        fixed(project_api.GetProjectRequest(name=B)),
        [("get", "projects", B)],
        allowed=READ_OK,
    ),
    Row(
        f"{PROJECT}/GetProject",
        "GetProject(team-a)",
        fixed(project_api.GetProjectRequest(name=A)),
        [("get", "projects", A)],
        allowed=READ_OK,
    ),
    Row(f"{PROJECT}/ListProjects", "ListProjects", fixed(project_api.ListProjectsRequest()), [], READ_OK),
    Row(
        f"{PROJECT}/DeleteProject",
        "DeleteProject(a throwaway of ann's)",
        lambda world, caller: project_api.DeleteProjectRequest(name=doomed(caller)),
        lambda world, caller: [("delete", "projects", doomed(caller))],
        allowed=READ_OK,
    ),
    Row(
        f"{PROJECT}/DeleteProject",
        "DeleteProject(never made)",
        fixed(project_api.DeleteProjectRequest(name="never-made")),
        [("delete", "projects", "never-made")],
        allowed=ABSENT,
    ),
)

# -- evaluating and calling -----------------------------------------------------------------------------------

_GRANT_RE = re.compile(r'it would grant "([^"]+)" on "([^"]+)"')


def expected(world: World, row: Row, caller: Caller) -> Expected:
    needs = row.needs_of(world, caller)
    if not caller.valid:
        return Expected(UNAUTHENTICATED)
    unmet = [n for n in needs if not allows(world.grants, caller, *n)]
    if caller.anonymous:
        # Nothing is granted to the unauthenticated; what needs no right still needs credentials.
        return Expected(UNAUTHENTICATED) if unmet or not needs else Expected(None)
    if unmet:
        return Expected(PERMISSION_DENIED, tuple(denied(caller.who, *n) for n in unmet), tuple(unmet))
    if row.grants is not None:
        role, namespace = row.grants
        lacking = [(v, r) for v, r in role_rights(role, namespace) if not allows(world.grants, caller, v, r, namespace)]
        if lacking:
            where = f'in project "{namespace}"' if namespace else "cluster-wide"
            prefix = f'{caller.who} cannot grant role "{role}" {where}: '
            return Expected(PERMISSION_DENIED, (prefix,), tuple((v, r, namespace) for v, r in lacking))
    return Expected(None)


def method_descriptor(method: str) -> MethodDescriptor:
    service, name = method.split("/")
    return descriptor_pool.Default().FindServiceByName(f"imagestreams.v1.{service}").methods_by_name[name]


def invoke(channel: grpc.Channel, method: str, request: Any) -> Outcome:
    descriptor = method_descriptor(method)
    path = f"/{descriptor.containing_service.full_name}/{descriptor.name}"
    response_type = GetMessageClass(descriptor.output_type)
    serializer = type(request).SerializeToString
    if descriptor.server_streaming:
        call = channel.unary_stream(
            path, request_serializer=serializer, response_deserializer=response_type.FromString
        )(request, timeout=10)
        try:
            return Outcome(OK, response=next(call))
        except grpc.RpcError as error:
            return outcome_of_error(error)
        except StopIteration:
            return Outcome(OK)
        finally:
            call.cancel()
    unary = channel.unary_unary(path, request_serializer=serializer, response_deserializer=response_type.FromString)
    try:
        return Outcome(OK, response=unary(request, timeout=10))
    except grpc.RpcError as error:
        return outcome_of_error(error)


def mismatch(row: Row, want: Expected, got: Outcome) -> str | None:
    """What is wrong with an outcome (None: it is what the spec says)."""
    if want.code is None:
        if got.code in (UNAUTHENTICATED, PERMISSION_DENIED):
            return f"allowed by the spec, got {got.code.name}: {got.message}"
        if row.allowed is not None and got.code not in row.allowed:
            names = sorted(c.name for c in row.allowed)
            return f"allowed: expected {names}, got {got.code.name}: {got.message}"
        return None
    if got.code != want.code:
        return f"expected {want.code.name}, got {got.code.name}: {got.message}"
    if want.code is PERMISSION_DENIED:
        if row.grants is not None and want.messages[0].endswith(": "):
            found = _GRANT_RE.search(got.message)
            lacking = {(v, r) for v, r, _ in want.unmet}
            if not got.message.startswith(want.messages[0]) or not found or found.groups() not in lacking:
                return f"expected an escalation refusal {want.messages[0]!r}..., got {got.message!r}"
            return None
        if got.message not in want.messages:
            return f"expected one of {list(want.messages)}, got {got.message!r}"
        named = (got.metadata.get("verb"), got.metadata.get("resource"), got.metadata.get("namespace", ""))
        if got.reason != "FORBIDDEN" or named not in want.unmet:
            return f"ErrorInfo {got.reason} {got.metadata} does not name an unmet need of {list(want.unmet)}"
    return None


# -- the tests ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=[row.label for row in ROWS])
def test_matrix(world: World, row: Row) -> None:
    problems = []
    for caller in CALLERS:
        want = expected(world, row, caller)
        got = invoke(world.channels[caller.key], row.method, row.request(world, caller))
        problem = mismatch(row, want, got)
        if problem:
            problems.append(f"{caller.key}: {problem}")
    assert not problems, f"{row.label}:\n" + "\n".join(problems)


def served_methods(channel: grpc.Channel) -> set[str]:
    """`Service/Method` of every RPC the server describes by reflection, but the public services'."""
    database = ProtoReflectionDescriptorDatabase(channel)
    pool = descriptor_pool.DescriptorPool(database)
    methods = set()
    for name in database.get_services():
        if name.startswith(PUBLIC_SERVICES):
            continue
        service = pool.FindServiceByName(name)
        assert service.full_name.startswith("imagestreams.v1."), service.full_name
        methods.update(f"{service.name}/{m.name}" for m in service.methods)
    return methods


def test_table_covers_every_method_the_server_serves(world: World) -> None:
    # Reflection, like health, answers without credentials.
    served = served_methods(world.channels["anonymous"])
    assert {"ImageStreamService", "WatchService", "ImportService", "SecretService", "AccessService"} <= {
        m.split("/")[0] for m in served
    }
    assert "ProjectService/CreateProject" in served
    table = {row.method for row in ROWS}
    assert table == served, f"missing rows: {sorted(served - table)}; rows of no method: {sorted(table - served)}"
    rules = {name.removeprefix("/imagestreams.v1.") for name in RULES}
    assert served <= rules, f"methods without an access rule: {sorted(served - rules)}"


def test_health_is_public(world: World) -> None:
    response = health_pb2_grpc.HealthStub(world.channels["anonymous"]).Check(
        health_pb2.HealthCheckRequest(service=""), timeout=10
    )
    assert response.status == health_pb2.HealthCheckResponse.SERVING
