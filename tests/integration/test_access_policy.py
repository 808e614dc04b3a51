"""Projects and policy on both stores: self-provisioned projects and their admins, turning self-provisioning
off, deleting a project with everything in it, writes into projects that do not exist, no escalation through
role bindings, CheckAccess, WhoCan and ListRoles."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import resources_pb2 as pb
from imagestreams.v1 import secret_service_pb2 as secret_api
from imagestreams_server.domain.roles import BUILT_IN_ROLES
from imagestreams_server.store.config import StoreConfig

from tests.support.access import (
    Admin,
    Outcome,
    Stubs,
    bearer,
    channel_with,
    denied,
    group,
    outcome,
    sa_username,
    secret_key_for,
    service_account,
    user,
)
from tests.support.builders import dest, docker, pinned
from tests.support.server import TestServer, running_server

B = "team-b"
OK = grpc.StatusCode.OK
NOT_FOUND = grpc.StatusCode.NOT_FOUND
PERMISSION_DENIED = grpc.StatusCode.PERMISSION_DENIED
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED


@pytest.fixture
def server(store_config: StoreConfig) -> Iterator[TestServer]:
    with running_server(store_config, secret_key=secret_key_for(store_config)) as running:
        yield running


@pytest.fixture
def admin(server: TestServer) -> Admin:
    return Admin(server)


@pytest.fixture
def opened(server: TestServer) -> Iterator[list[grpc.Channel]]:
    channels: list[grpc.Channel] = []
    yield channels
    for channel in channels:
        channel.close()


def login(server: TestServer, admin: Admin, opened: list[grpc.Channel], name: str) -> Stubs:
    """A user `name` (created when missing), calling with a token of its own."""
    channel = bearer(server.address, admin.user_token(name))
    opened.append(channel)
    return Stubs(channel)


def new_stream(stubs: Stubs, namespace: str, name: str = "app") -> api.CreateImageStreamResponse:
    return stubs.streams.CreateImageStream(
        api.CreateImageStreamRequest(image_stream=pb.ImageStream(namespace=namespace, name=name)), timeout=30
    )


def new_secret(stubs: Stubs, namespace: str, name: str = "pull") -> secret_api.CreateSecretResponse:
    credential = secret_api.RegistryCredential(server="quay.io", username="u", password="p")
    return stubs.secrets.CreateSecret(
        secret_api.CreateSecretRequest(namespace=namespace, name=name, credential=credential), timeout=30
    )


def bindings_of(stubs: Stubs, namespace: str) -> dict[str, tuple[str, list[tuple[int, str, str]]]]:
    listed = stubs.access.ListRoleBindings(access_api.ListRoleBindingsRequest(namespace=namespace), timeout=30)
    return {b.name: (b.role, [(s.kind, s.namespace, s.name) for s in b.subjects]) for b in listed.role_bindings}


# -- projects -------------------------------------------------------------------------------------------------


def test_any_authenticated_user_may_create_a_project_and_becomes_its_admin(
    server: TestServer, admin: Admin, opened: list[grpc.Channel]
) -> None:
    pam = login(server, admin, opened, "pam")
    created = pam.projects.CreateProject(project_api.CreateProjectRequest(name="pam-web", display_name="Web"))
    assert (created.project.name, created.project.requester, created.project.status) == ("pam-web", "pam", "Active")

    assert bindings_of(pam, "pam-web") == {
        "admin": ("admin", [(access_api.SUBJECT_KIND_USER, "", "pam")]),
        "system:image-pullers": (
            "system:image-puller",
            [(access_api.SUBJECT_KIND_GROUP, "", "system:serviceaccounts:pam-web")],
        ),
        "system:image-builders": (
            "system:image-builder",
            [(access_api.SUBJECT_KIND_SERVICE_ACCOUNT, "pam-web", "builder")],
        ),
        "system:deployers": ("system:deployer", [(access_api.SUBJECT_KIND_SERVICE_ACCOUNT, "pam-web", "deployer")]),
    }
    accounts = pam.access.ListServiceAccounts(access_api.ListServiceAccountsRequest(namespace="pam-web"))
    assert [(a.name, a.username) for a in accounts.service_accounts] == [
        (name, sa_username("pam-web", name)) for name in ("builder", "default", "deployer")
    ]
    # Its admin may do what admin grants there, and nothing of the kind elsewhere.
    new_stream(pam, "pam-web")
    new_secret(pam, "pam-web")
    assert pam.projects.GetProject(project_api.GetProjectRequest(name="pam-web")).project.requester == "pam"
    assert outcome(lambda: new_stream(pam, "default")).code == PERMISSION_DENIED
    # Others may not even see it; a name taken is taken (said after the check).
    sam = login(server, admin, opened, "sam")
    seen = outcome(lambda: sam.projects.GetProject(project_api.GetProjectRequest(name="pam-web")))
    assert (seen.code, seen.message) == (PERMISSION_DENIED, denied('user "sam"', "get", "projects", "pam-web"))
    again = outcome(lambda: sam.projects.CreateProject(project_api.CreateProjectRequest(name="pam-web")))
    assert again.code == grpc.StatusCode.ALREADY_EXISTS
    with channel_with(server.address) as anonymous:
        nobody = Stubs(anonymous)
        assert (
            outcome(lambda: nobody.projects.CreateProject(project_api.CreateProjectRequest(name="anon"))).code
            == UNAUTHENTICATED
        )


def test_without_self_provisioning_a_plain_user_cannot_create_projects(
    server: TestServer, admin: Admin, opened: list[grpc.Channel]
) -> None:
    pam = login(server, admin, opened, "pam")
    admin.unbind("", "self-provisioner", group("system:authenticated"))
    refused = outcome(lambda: pam.projects.CreateProject(project_api.CreateProjectRequest(name="pam-web")))
    assert refused.code == PERMISSION_DENIED
    assert refused.message == denied('user "pam"', "create", "projects", "")
    assert refused.metadata == {"verb": "create", "resource": "projects"}
    # The cluster administrator still may; and a user bound to it again may again.
    admin.create_project("by-admin")
    admin.bind("", "self-provisioner", user("pam"))
    pam.projects.CreateProject(project_api.CreateProjectRequest(name="pam-web"))


def test_deleting_a_project_deletes_its_streams_secrets_and_service_account_tokens(
    server: TestServer, admin: Admin, opened: list[grpc.Channel]
) -> None:
    pam = login(server, admin, opened, "pam")
    pam.projects.CreateProject(project_api.CreateProjectRequest(name="pam-web"))
    new_stream(pam, "pam-web")
    new_secret(pam, "pam-web")
    builder_token = admin.token(service_account("pam-web", "builder"))
    builder = Stubs(bearer(server.address, builder_token))
    opened.append(builder.channel)
    assert outcome(lambda: builder.access.WhoAmI(access_api.WhoAmIRequest())).code == OK

    deleted = outcome(lambda: pam.projects.DeleteProject(project_api.DeleteProjectRequest(name="pam-web")))
    assert deleted.code == OK, deleted

    assert outcome(lambda: builder.access.WhoAmI(access_api.WhoAmIRequest())).code == UNAUTHENTICATED
    looked = outcome(lambda: admin.stubs.projects.GetProject(project_api.GetProjectRequest(name="pam-web")))
    assert looked.code == NOT_FOUND
    gone = admin.stubs.streams.GetImageStream
    assert outcome(lambda: gone(api.GetImageStreamRequest(namespace="pam-web", name="app"))).code == NOT_FOUND
    assert list(admin.stubs.secrets.ListSecrets(secret_api.ListSecretsRequest(namespace="pam-web")).secrets) == []
    accounts = outcome(
        lambda: admin.stubs.access.ListServiceAccounts(access_api.ListServiceAccountsRequest(namespace="pam-web"))
    )
    assert accounts.code == NOT_FOUND
    # Its admin's rights went with it: refused before the project's absence is told.
    write = outcome(lambda: new_stream(pam, "pam-web"))
    assert (write.code, write.message) == (PERMISSION_DENIED, denied('user "pam"', "create", "imagestreams", "pam-web"))
    write = outcome(lambda: new_stream(admin.stubs, "pam-web"))
    assert (write.code, write.message) == (NOT_FOUND, 'project "pam-web" not found')

    # Made again, it starts empty, and the old service account token stays dead.
    pam.projects.CreateProject(project_api.CreateProjectRequest(name="pam-web"))
    assert list(pam.streams.ListImageStreams(api.ListImageStreamsRequest(namespace="pam-web")).image_streams) == []
    assert outcome(lambda: builder.access.WhoAmI(access_api.WhoAmIRequest())).code == UNAUTHENTICATED


def import_request(namespace: str) -> import_api.ImportImageRequest:
    request = import_api.ImportImageRequest(namespace=namespace, name="app", tag="latest", confirm=True)
    setattr(request, "from", "127.0.0.1:1/none/none:latest")
    return request


def test_writes_into_a_namespace_that_is_not_a_project_are_not_found(
    server: TestServer, admin: Admin, opened: list[grpc.Channel]
) -> None:
    nowhere = "never-made"
    stubs = admin.stubs
    importer = import_grpc.ImportServiceStub(server.channel)
    writes = {
        "CreateImageStream": lambda: new_stream(stubs, nowhere),
        "Tag": lambda: stubs.streams.Tag(
            api.TagRequest(namespace=nowhere, source=docker(pinned("a")), destinations=[dest("app:1")])
        ),
        "Tag (into it from elsewhere)": lambda: stubs.streams.Tag(
            api.TagRequest(namespace="default", source=docker(pinned("a")), destinations=[dest(f"{nowhere}/app:1")])
        ),
        "CreateImageStreamMapping": lambda: stubs.streams.CreateImageStreamMapping(
            api.CreateImageStreamMappingRequest(
                namespace=nowhere,
                name="app",
                tag="1",
                image=pb.Image(name="sha256:" + "a" * 64, docker_image_reference=pinned("a")),
            )
        ),
        "ImportImage": lambda: importer.ImportImage(import_request(nowhere)),
        "CreateSecret": lambda: new_secret(stubs, nowhere),
        "CreateServiceAccount": lambda: stubs.access.CreateServiceAccount(
            access_api.CreateServiceAccountRequest(namespace=nowhere, name="robot")
        ),
        "AddRoleBinding": lambda: stubs.access.AddRoleBinding(
            access_api.AddRoleBindingRequest(namespace=nowhere, role="view", subjects=[user("pam")])
        ),
    }
    wrong = {}
    for name, write in writes.items():
        got = outcome(write)
        if (got.code, got.message) != (NOT_FOUND, f'project "{nowhere}" not found'):
            wrong[name] = (got.code.name, got.message)
    assert not wrong, wrong
    # A caller without rights there learns nothing: it is refused as anywhere else.
    pam = login(server, admin, opened, "pam")
    refused = outcome(lambda: new_stream(pam, nowhere))
    assert (refused.code, refused.message) == (
        PERMISSION_DENIED,
        denied('user "pam"', "create", "imagestreams", nowhere),
    )


# -- bindings -------------------------------------------------------------------------------------------------


def test_a_registry_admin_cannot_grant_more_than_it_has(
    server: TestServer, admin: Admin, opened: list[grpc.Channel]
) -> None:
    admin.create_project(B)
    admin.bind(B, "registry-admin", user("rae"))
    rae = login(server, admin, opened, "rae")

    def grant(role: str, namespace: str = B) -> Outcome:
        return outcome(
            lambda: rae.access.AddRoleBinding(
                access_api.AddRoleBindingRequest(namespace=namespace, role=role, subjects=[user("newcomer")])
            )
        )

    for role in ("admin", "edit", "view", "cluster-admin"):
        refused = grant(role)
        assert refused.code == PERMISSION_DENIED, role
        assert refused.message.startswith(f'user "rae" cannot grant role "{role}" in project "{B}": it would grant ')
    # `admin` and `edit` include secrets, which registry-admin does not.
    assert "secrets" in grant("edit").message or "serviceaccounts" in grant("edit").message
    for role in ("registry-editor", "registry-viewer", "system:image-puller", "registry-admin"):
        assert grant(role).code == OK, role
    assert bindings_of(admin.stubs, B)["registry-editor"] == (
        "registry-editor",
        [(access_api.SUBJECT_KIND_USER, "", "newcomer")],
    )
    # It may take away what it may give; nothing in other projects or cluster-wide.
    rae.access.RemoveRoleBinding(
        access_api.RemoveRoleBindingRequest(namespace=B, role="registry-editor", subjects=[user("newcomer")])
    )
    elsewhere = grant("registry-editor", "default")
    assert (elsewhere.code, elsewhere.message) == (
        PERMISSION_DENIED,
        denied('user "rae"', "create", "rolebindings", "default"),
    )
    cluster = grant("registry-editor", "")
    assert (cluster.code, cluster.message) == (
        PERMISSION_DENIED,
        denied('user "rae"', "create", "clusterrolebindings", ""),
    )


def test_check_access_about_oneself_and_about_others(
    server: TestServer, admin: Admin, opened: list[grpc.Channel]
) -> None:
    owner = login(server, admin, opened, "owner")
    owner.projects.CreateProject(project_api.CreateProjectRequest(name=B))
    owner.access.AddRoleBinding(access_api.AddRoleBindingRequest(namespace=B, role="edit", subjects=[user("ed")]))
    owner.access.AddRoleBinding(
        access_api.AddRoleBindingRequest(namespace=B, role="system:image-puller", subjects=[user("pat")])
    )
    ed = login(server, admin, opened, "ed")

    def check(
        stubs: Stubs, verb: str, resource: str, namespace: str, subject: access_api.Subject | None = None
    ) -> Outcome:
        request = access_api.CheckAccessRequest(verb=verb, resource=resource, namespace=namespace)
        if subject is not None:
            request.subject.CopyFrom(subject)
        return outcome(lambda: stubs.access.CheckAccess(request))

    mine = check(ed, "update", "imagestreams", B)
    assert mine.code == OK and mine.response.allowed
    assert '"edit"' in mine.response.reason and B in mine.response.reason
    assert check(ed, "update", "imagestreams", B, user("ed")).response.allowed
    for verb, resource, namespace in (("get", "secrets", "default"), ("create", "users", ""), ("get", "images", "")):
        answer = check(ed, verb, resource, namespace)
        assert answer.code == OK and not answer.response.allowed, (verb, resource, namespace)
    # About somebody else: only for those who may read the project's bindings.
    refused = check(ed, "get", "imagestreams/layers", B, user("pat"))
    assert (refused.code, refused.message) == (PERMISSION_DENIED, denied('user "ed"', "list", "rolebindings", B))
    expectations = [
        (user("pat"), "get", "imagestreams/layers", True),
        (user("pat"), "get", "imagestreams", False),
        (user("ed"), "delete", "secrets", True),
        (user("ed"), "create", "rolebindings", False),
        (service_account(B, "builder"), "update", "imagestreams/layers", True),
        (service_account(B, "deployer"), "get", "imagestreamtags", True),
        (service_account(B, "deployer"), "update", "imagestreams/layers", False),
        (group(f"system:serviceaccounts:{B}"), "get", "imagestreams/layers", True),
    ]
    for subject, verb, resource, allowed in expectations:
        answer = check(owner, verb, resource, B, subject)
        assert answer.code == OK, answer
        assert answer.response.allowed is allowed, (subject.name, verb, resource)


def test_who_can_lists_the_users_and_groups_allowed(
    server: TestServer, admin: Admin, opened: list[grpc.Channel]
) -> None:
    owner = login(server, admin, opened, "owner")
    owner.projects.CreateProject(project_api.CreateProjectRequest(name=B))
    owner.access.AddRoleBinding(
        access_api.AddRoleBindingRequest(namespace=B, role="system:image-puller", subjects=[user("pat")])
    )
    owner.access.AddRoleBinding(access_api.AddRoleBindingRequest(namespace=B, role="view", subjects=[group("qa")]))

    def who_can(stubs: Stubs, verb: str, resource: str, namespace: str) -> tuple[list[str], list[str]]:
        answer = stubs.access.WhoCan(access_api.WhoCanRequest(verb=verb, resource=resource, namespace=namespace))
        return list(answer.users), list(answer.groups)

    assert who_can(owner, "get", "imagestreams/layers", B) == (
        ["admin", "owner", "pat", sa_username(B, "builder")],
        [f"system:serviceaccounts:{B}"],
    )
    assert who_can(owner, "list", "imagestreams", B) == (["admin", "owner", sa_username(B, "deployer")], ["qa"])
    assert who_can(owner, "delete", "projects", B) == (["admin", "owner"], [])
    assert who_can(admin.stubs, "create", "projects", "") == (["admin"], ["system:authenticated"])
    # A project binding never grants a cluster resource.
    assert who_can(admin.stubs, "get", "images", "") == (["admin"], [])
    assert who_can(owner, "get", "images", B) == (["admin"], [])


def test_list_roles_returns_the_built_in_roles(server: TestServer, admin: Admin, opened: list[grpc.Channel]) -> None:
    # Any authenticated caller may read them: a service account with no binding of its own, say.
    admin.create_project(B)
    channel = bearer(server.address, admin.token(service_account(B, "default")))
    opened.append(channel)
    roles = Stubs(channel).access.ListRoles(access_api.ListRolesRequest()).roles
    assert [r.name for r in roles] == list(BUILT_IN_ROLES)
    for role in roles:
        built_in = BUILT_IN_ROLES[role.name]
        assert role.description == built_in.description
        assert [(tuple(r.verbs), tuple(r.resources)) for r in role.rules] == [
            (r.verbs, r.resources) for r in built_in.rules
        ]
    for name in ("cluster-admin", "admin", "edit", "view", "registry-admin", "registry-editor", "registry-viewer"):
        assert name in BUILT_IN_ROLES
    with channel_with(server.address) as anonymous:
        got = outcome(lambda: Stubs(anonymous).access.ListRoles(access_api.ListRolesRequest()))
        assert got.code == UNAUTHENTICATED
