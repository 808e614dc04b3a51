"""`isctl login|whoami|logout|new-project|project|projects` and the access verbs' output, run in-process
against a fake AccessService and ProjectService that checks bearer tokens: how credentials flow from flags,
the environment and the configuration file to every call, and what oc-shaped text comes out."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf.timestamp_pb2 import Timestamp
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import access_service_pb2_grpc as access_grpc
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import project_service_pb2_grpc as project_grpc
from imagestreams_client.access import token_name
from isctl.access_printers import describe_cluster_role, expiry, role_binding_row
from isctl.commands.login import choose_namespace
from isctl.commands.policy import who_can_text
from isctl.context import Context
from isctl.context_switch import connection_entry, context_nickname
from isctl.main import main
from isctl.role_changes import go_quoted
from isctl.settings import Settings

ADMIN = "ist_" + "A" * 43
ALICE = "ist_" + "B" * 43
ISSUED = "ist_" + "C" * 43


@dataclass
class Call:
    method: str
    token: str
    request_id: str
    request: Any


@dataclass
class FakeCluster(access_grpc.AccessServiceServicer, project_grpc.ProjectServiceServicer):
    """Tokens map to users; admin may do anything, alice may read and not write role bindings; alice sees
    team-a only."""

    tokens: dict[str, str] = field(default_factory=lambda: {ADMIN: "admin", ALICE: "alice"})
    projects: dict[str, str] = field(default_factory=lambda: {"default": "", "team-a": "Team A"})
    calls: list[Call] = field(default_factory=list)
    # CreateProject answers ABORTED this many times first.
    collisions: int = 0

    def _caller(self, method: str, request: Any, context: grpc.ServicerContext) -> str:
        metadata = dict(context.invocation_metadata())
        token = metadata.get("authorization", "").removeprefix("Bearer ")
        self.calls.append(Call(method, token, metadata.get("x-request-id", ""), request))
        user = self.tokens.get(token)
        if user is None:
            context.abort(grpc.StatusCode.UNAUTHENTICATED, "a valid bearer token is required")
            raise AssertionError("abort returns only by raising")
        return user

    def WhoAmI(self, request: Any, context: grpc.ServicerContext) -> access_api.WhoAmIResponse:
        user = self._caller("WhoAmI", request, context)
        return access_api.WhoAmIResponse(username=user, groups=["system:authenticated"])

    def DeleteToken(self, request: Any, context: grpc.ServicerContext) -> access_api.DeleteTokenResponse:
        self._caller("DeleteToken", request, context)
        self.tokens.pop(request.name, None)
        return access_api.DeleteTokenResponse(position=1)

    def CreateToken(self, request: Any, context: grpc.ServicerContext) -> access_api.CreateTokenResponse:
        self._caller("CreateToken", request, context)
        token = access_api.Token(name=token_name(ISSUED), subject=request.subject, username=request.subject.name)
        return access_api.CreateTokenResponse(token=token, secret=ISSUED, position=2)

    def AddRoleBinding(self, request: Any, context: grpc.ServicerContext) -> access_api.AddRoleBindingResponse:
        if self._caller("AddRoleBinding", request, context) != "admin":
            context.abort(
                grpc.StatusCode.PERMISSION_DENIED,
                f'user "alice" cannot create resource "rolebindings" in project "{request.namespace}"',
            )
        return access_api.AddRoleBindingResponse(position=3)

    def CheckAccess(self, request: Any, context: grpc.ServicerContext) -> access_api.CheckAccessResponse:
        self._caller("CheckAccess", request, context)
        if request.verb == "get":
            return access_api.CheckAccessResponse(allowed=True, reason='allowed by rolebinding "view"')
        return access_api.CheckAccessResponse(allowed=False, reason="no role binding allows it")

    def ListProjects(self, request: Any, context: grpc.ServicerContext) -> project_api.ListProjectsResponse:
        user = self._caller("ListProjects", request, context)
        names = sorted(self.projects) if user == "admin" else ["team-a"]
        return project_api.ListProjectsResponse(
            projects=[project_api.Project(name=n, display_name=self.projects[n], status="Active") for n in names]
        )

    def GetProject(self, request: Any, context: grpc.ServicerContext) -> project_api.GetProjectResponse:
        self._caller("GetProject", request, context)
        if request.name not in self.projects:
            context.abort(grpc.StatusCode.NOT_FOUND, f'project "{request.name}" not found')
        return project_api.GetProjectResponse(project=project_api.Project(name=request.name))

    def CreateProject(self, request: Any, context: grpc.ServicerContext) -> project_api.CreateProjectResponse:
        user = self._caller("CreateProject", request, context)
        if self.collisions:
            self.collisions -= 1
            context.abort(grpc.StatusCode.ABORTED, "the change collided with other writers; try again")
        self.projects[request.name] = request.display_name
        project = project_api.Project(name=request.name, display_name=request.display_name, requester=user)
        return project_api.CreateProjectResponse(project=project, position=4)


@dataclass
class Cli:
    address: str
    config: Path
    cluster: FakeCluster
    capsys: pytest.CaptureFixture[str]

    def run(self, *argv: str) -> tuple[int, str, str]:
        try:
            code = main(list(argv))
        except SystemExit as exit:  # usage errors
            code = int(exit.code or 0)
        captured = self.capsys.readouterr()
        return code, captured.out, captured.err

    def document(self) -> dict[str, Any]:
        loaded: dict[str, Any] = yaml.safe_load(self.config.read_text())
        return loaded


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Iterator[Cli]:
    cluster = FakeCluster()
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    access_grpc.add_AccessServiceServicer_to_server(cluster, server)  # type: ignore[no-untyped-call]
    project_grpc.add_ProjectServiceServicer_to_server(cluster, server)  # type: ignore[no-untyped-call]
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    for name in ("ISCTL_TOKEN", "ISCTL_NAMESPACE", "ISCTL_CONTEXT"):
        monkeypatch.delenv(name, raising=False)
    address = f"127.0.0.1:{port}"
    config = tmp_path / "home" / ".isctl" / "config"
    monkeypatch.setenv("ISCTL_SERVER", address)
    monkeypatch.setenv("ISCTL_CONFIG", str(config))
    yield Cli(address, config, cluster, capsys)
    server.stop(0)


def nick(namespace: str, cli: Cli, user: str) -> str:
    return f"{namespace}/{cli.address.replace('.', '-')}/{user}"


def test_login_checks_the_token_keeps_it_privately_and_later_commands_use_it(cli: Cli) -> None:
    code, out, err = cli.run("login", f"--token={ADMIN}")
    assert (code, err) == (0, "")
    assert out == (
        f'Logged into "{cli.address}" as "admin" using the token provided.\n\n'
        "You have access to the following projects and can switch between them with 'isctl project <projectname>':\n\n"
        "  * default\n"
        "    team-a\n\n"
        'Using project "default".\n'
    )
    assert cli.document() == {
        "current-context": nick("default", cli, "admin"),
        "contexts": [
            {"name": nick("default", cli, "admin"), "server": cli.address, "namespace": "default", "token": ADMIN}
        ],
    }
    assert stat.S_IMODE(cli.config.stat().st_mode) == 0o600
    assert stat.S_IMODE(cli.config.parent.stat().st_mode) == 0o700

    assert cli.run("whoami") == (0, "admin\n", "")
    assert cli.run("whoami", "-t") == (0, f"{ADMIN}\n", "")
    assert cli.run("whoami", "--show-token=true") == (0, f"{ADMIN}\n", "")
    assert cli.run("whoami", "--show-server") == (0, f"{cli.address}\n", "")
    assert cli.run("whoami", "--show-context") == (0, nick("default", cli, "admin") + "\n", "")
    code, out, _ = cli.run("whoami", "-o", "yaml")
    assert yaml.safe_load(out) == {"username": "admin", "groups": ["system:authenticated"]}
    # A flag beats the file, and the environment beats it too.
    assert cli.run("whoami", f"--token={ALICE}")[1] == "alice\n"


def test_the_token_is_printed_by_whoami_t_only(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISCTL_TOKEN", ALICE)
    outputs = [
        cli.run("login"),
        cli.run("whoami"),
        cli.run("whoami", "-o", "json"),
        cli.run("projects"),
        cli.run("policy", "add-role-to-user", "edit", "bob", "-n", "team-a"),
        cli.run("auth", "can-i", "update", "is"),
        cli.run("whoami", "--token=ist_bogus"),
        cli.run("logout"),
    ]
    for _, out, err in outputs:
        assert ALICE not in out + err


def test_login_picks_the_only_project_and_says_so(cli: Cli) -> None:
    code, out, _ = cli.run("login", "--token", ALICE)
    assert code == 0
    assert out.endswith('You have one project on this server: "team-a".\n\nUsing project "team-a".\n')
    assert cli.document()["current-context"] == nick("team-a", cli, "alice")


def test_login_with_a_bad_token_writes_nothing(cli: Cli) -> None:
    assert cli.run("login", "--token=ist_bogus") == (1, "", "error: The token provided is invalid or expired.\n")
    assert not cli.config.exists()
    code, _, err = cli.run("login")
    assert code == 2 and "give the token to log in with" in err


def test_login_without_a_token_checks_the_current_contexts_again(cli: Cli) -> None:
    cli.run("login", f"--token={ADMIN}")
    code, out, _ = cli.run("login")
    assert code == 0 and out.startswith(f'Logged into "{cli.address}" as "admin" using existing credentials.\n')
    # But never hands that token to another server.
    code, _, err = cli.run("login", "--server", "127.0.0.1:1")
    assert code == 2 and "give the token" in err
    assert [c.token for c in cli.cluster.calls if c.method == "WhoAmI"] == [ADMIN, ADMIN]


def test_login_with_an_unreadable_certificate_authority_writes_nothing(cli: Cli) -> None:
    code, _, err = cli.run("login", f"--token={ADMIN}", "--certificate-authority=/nonexistent/ca.crt")
    assert (code, err) == (
        1,
        "error: cannot read the certificate authority file /nonexistent/ca.crt: No such file or directory\n",
    )
    assert not cli.config.exists()


def test_a_login_context_keeps_tls_files_by_absolute_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings(
        server="is.example.com:443",
        certificate_authority="ca.crt",
        client_certificate="~/me.crt",
        client_key="keys/me.key",
    )
    context = Context.from_settings(settings, tmp_path / "config")
    entry = connection_entry(context, "n", "team", ADMIN)
    assert (entry.certificate_authority, entry.client_key) == (str(tmp_path / "ca.crt"), str(tmp_path / "keys/me.key"))
    assert entry.client_certificate == str(Path("~/me.crt").expanduser())
    assert (entry.server, entry.namespace, entry.token) == ("is.example.com:443", "team", ADMIN)


def test_every_call_of_one_command_has_the_same_request_id_and_each_command_a_new_one(cli: Cli) -> None:
    cli.run("login", f"--token={ADMIN}")  # WhoAmI, then ListProjects
    cli.run("whoami")
    ids = [c.request_id for c in cli.cluster.calls]
    assert len(ids) == 3 and all(len(i) == 32 and int(i, 16) >= 0 for i in ids)
    assert ids[0] == ids[1] != ids[2]


def test_each_write_has_its_own_request_id_under_the_command_s_and_keeps_it_when_retried(cli: Cli) -> None:
    cli.run("login", f"--token={ADMIN}")
    cli.cluster.collisions = 2
    before = len(cli.cluster.calls)
    assert cli.run("new-project", "team-b")[0] == 0
    creates = [c.request_id for c in cli.cluster.calls[before:] if c.method == "CreateProject"]
    # Tried three times (two ABORTED), always as the same write: the server answers a repeat once.
    assert len(creates) == 3 and len(set(creates)) == 1
    command, _, number = creates[0].rpartition("-")
    assert len(command) == 32 and int(command, 16) >= 0 and number == "1"
    reads = {c.request_id for c in cli.cluster.calls[before:] if c.method != "CreateProject"}
    assert reads <= {command}


def test_logout_revokes_the_token_and_removes_it_but_keeps_the_context(cli: Cli) -> None:
    cli.run("login", f"--token={ALICE}")
    assert cli.run("logout") == (0, f'Logged "alice" out on "{cli.address}"\n', "")
    revoked = [c for c in cli.cluster.calls if c.method == "DeleteToken"]
    assert [(c.token, c.request.name) for c in revoked] == [(ALICE, ALICE)]
    context = cli.document()["contexts"][0]
    assert "token" not in context and context["namespace"] == "team-a"
    assert cli.run("logout") == (1, "", "error: You must have a token in order to logout.\n")


def test_logout_removes_the_token_even_when_the_server_refuses_it(cli: Cli) -> None:
    cli.run("login", f"--token={ALICE}")
    cli.cluster.tokens.pop(ALICE)  # revoked meanwhile
    code, out, _ = cli.run("logout")
    assert (code, out) == (0, f'Logged out on "{cli.address}"\n')
    assert "token" not in cli.document()["contexts"][0]


def test_unauthenticated_and_forbidden_are_reported_as_oc_reports_them(cli: Cli) -> None:
    code, out, err = cli.run("whoami")
    assert (code, out) == (1, "")
    assert err == (
        "error: You must be logged in to the server (Unauthorized)\n"
        f"Log in with a token: isctl login --token=TOKEN --server={cli.address}\n"
    )
    code, _, err = cli.run("policy", "add-role-to-user", "edit", "bob", "-n", "team-a", f"--token={ALICE}")
    assert code == 1
    assert (
        err == 'Error from server (Forbidden): user "alice" cannot create resource "rolebindings" in project "team-a"\n'
    )


def test_new_project_switches_to_a_context_of_its_own_as_oc_does(cli: Cli) -> None:
    cli.run("login", f"--token={ADMIN}")
    code, out, _ = cli.run("new-project", "team-b", "--display-name=Team B", "--description=b")
    assert (code, out) == (0, f'Now using project "team-b" on server "{cli.address}".\n')
    created = next(c.request for c in cli.cluster.calls if c.method == "CreateProject")
    assert (created.name, created.display_name, created.description) == ("team-b", "Team B", "b")
    document = cli.document()
    assert document["current-context"] == nick("team-b", cli, "admin")
    assert [(c["name"], c["namespace"], c["token"]) for c in document["contexts"]] == [
        (nick("default", cli, "admin"), "default", ADMIN),
        (nick("team-b", cli, "admin"), "team-b", ADMIN),
    ]
    assert cli.run("project", "-q") == (0, "team-b\n", "")
    assert cli.run("project") == (0, f'Using project "team-b" on server "{cli.address}".\n', "")
    # Back, to the context that already exists.
    assert cli.run("project", "default") == (0, f'Now using project "default" on server "{cli.address}".\n', "")
    assert cli.document()["current-context"] == nick("default", cli, "admin")
    assert len(cli.document()["contexts"]) == 2
    assert cli.run("project", "default")[1] == f'Already on project "default" on server "{cli.address}".\n'
    code, _, err = cli.run("project", "nope")
    assert (code, err) == (1, f'error: A project named "nope" does not exist on "{cli.address}".\n')
    assert cli.run("new-project", "team-c", "--skip-config-write")[1] == (
        f'Created project "team-c" on server "{cli.address}".\n'
    )
    assert cli.document()["current-context"] == nick("default", cli, "admin")


def test_a_context_the_user_named_is_switched_in_place(cli: Cli) -> None:
    cli.config.parent.mkdir(parents=True)
    cli.config.write_text(
        yaml.safe_dump(
            {
                "current-context": "work",
                "contexts": [{"name": "work", "server": cli.address, "namespace": "default", "token": ADMIN}],
            }
        )
    )
    assert cli.run("project", "team-a")[0] == 0
    assert cli.document()["contexts"] == [
        {"name": "work", "server": cli.address, "namespace": "team-a", "token": ADMIN}
    ]


def test_switching_projects_with_a_token_from_the_environment_writes_no_token(
    cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ISCTL_TOKEN", ADMIN)
    assert cli.run("project", "team-a")[0] == 0
    assert cli.document()["contexts"] == [
        {"name": nick("team-a", cli, "admin"), "server": cli.address, "namespace": "team-a"}
    ]


def test_projects_lists_and_marks_the_current_one(cli: Cli) -> None:
    cli.run("login", f"--token={ADMIN}")
    code, out, _ = cli.run("projects")
    assert code == 0
    assert out == (
        "You have access to the following projects and can switch between them with 'isctl project <projectname>':\n\n"
        "  * default\n"
        "    team-a - Team A\n\n"
        f'Using project "default" on server "{cli.address}".\n'
    )
    assert cli.run("projects", "-q")[1] == "default\nteam-a\n"


def test_create_token_prints_the_token_alone(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISCTL_TOKEN", ADMIN)
    assert cli.run("create", "token", "sa/builder", "-n", "team-a", "--duration=1h30m", "--description=ci") == (
        0,
        f"{ISSUED}\n",
        "",
    )
    request = next(c.request for c in cli.cluster.calls if c.method == "CreateToken")
    assert (request.subject.kind, request.subject.namespace, request.subject.name) == (
        access_api.SUBJECT_KIND_SERVICE_ACCOUNT,
        "team-a",
        "builder",
    )
    assert (request.duration.seconds, request.description) == (5400, "ci")
    assert cli.run("sa", "get-token", "deployer", "-n", "team-a") == (0, f"{ISSUED}\n", "")
    code, _, err = cli.run("create", "token", "alice", "--duration=-1h")
    assert code == 1 and "must not be negative" in err


def test_delete_token_given_the_token_itself_prints_its_hash_only(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISCTL_TOKEN", ADMIN)
    code, out, _ = cli.run("delete", "token", ALICE)
    assert (code, out) == (0, f'useroauthaccesstoken.oauth.openshift.io "{token_name(ALICE)}" deleted\n')
    assert ALICE not in out
    assert cli.run("whoami", f"--token={ALICE}")[0] == 1


def test_can_i_answers_with_its_exit_status(cli: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ISCTL_TOKEN", ALICE)
    assert cli.run("auth", "can-i", "get", "is", "-n", "team-a") == (0, "yes\n", "")
    assert cli.run("auth", "can-i", "update", "imagestreams", "-n", "team-a") == (
        1,
        "no - no role binding allows it\n",
        "",
    )
    assert cli.run("auth", "can-i", "update", "imagestreams", "-q") == (1, "", "")
    cli.run("auth", "can-i", "create", "users", "-n", "team-a", "--as", "system:serviceaccount:team-a:builder")
    asked = [c.request for c in cli.cluster.calls if c.method == "CheckAccess"]
    assert [(r.verb, r.resource, r.namespace) for r in asked] == [
        ("get", "imagestreams", "team-a"),
        ("update", "imagestreams", "team-a"),
        ("update", "imagestreams", "default"),
        ("create", "users", ""),  # users belong to no project
    ]
    assert (asked[-1].subject.kind, asked[-1].subject.namespace) == (access_api.SUBJECT_KIND_SERVICE_ACCOUNT, "team-a")


def test_a_context_flag_naming_no_context_is_an_error(cli: Cli) -> None:
    assert cli.run("whoami", "--context=nope") == (1, "", 'error: context "nope" does not exist\n')


# -- output shapes, without a server ---------------------------------------------------------------------------


def test_oc_context_names() -> None:
    assert context_nickname("team-a", "is.example.com:443", "alice") == "team-a/is-example-com:443/alice"
    assert context_nickname("default", "https://10.0.0.1:8443", "system:serviceaccount:a:b") == (
        "default/10-0-0-1:8443/system:serviceaccount:a:b"
    )


def test_oc_names_its_targets_as_go_quotes_them() -> None:
    assert go_quoted(["alice"]) == '"alice"'
    assert go_quoted(["alice", "system:serviceaccount:a:b"]) == '["alice" "system:serviceaccount:a:b"]'


@pytest.mark.parametrize(
    ("current", "projects", "chosen"),
    [
        ("team-a", ["default", "team-a"], "team-a"),
        ("gone", ["team-a"], "team-a"),
        ("gone", ["default", "team-a"], "default"),
        ("gone", ["a", "b"], "a"),
        ("default", [], "default"),
        ("default", None, "default"),
    ],
)
def test_the_project_a_login_lands_in(current: str, projects: list[str] | None, chosen: str) -> None:
    assert choose_namespace(current, projects) == chosen


def test_who_can_text() -> None:
    assert who_can_text("update", "imagestreams", "team-a", ["bob", "alice"], []) == (
        "Namespace: team-a\n"
        "Verb:      update\n"
        "Resource:  imagestreams.image.openshift.io\n"
        "\n"
        "Users:  alice\n"
        "        bob\n"
        "\n"
        "Groups: none\n"
        "\n"
    )


def test_role_binding_columns() -> None:
    binding = access_api.RoleBinding(
        namespace="team-a",
        name="edit",
        role="edit",
        subjects=[
            access_api.Subject(kind=access_api.SUBJECT_KIND_USER, name="alice"),
            access_api.Subject(kind=access_api.SUBJECT_KIND_GROUP, name="devs"),
            access_api.Subject(kind=access_api.SUBJECT_KIND_SERVICE_ACCOUNT, namespace="team-a", name="builder"),
            access_api.Subject(kind=access_api.SUBJECT_KIND_SERVICE_ACCOUNT, namespace="team-b", name="default"),
            access_api.Subject(kind=access_api.SUBJECT_KIND_USER, name="bob"),
        ],
    )
    assert role_binding_row(binding) == ["edit", "ClusterRole/edit", "alice, bob", "devs", "builder, team-b/default"]


def test_describe_clusterrole_prints_a_policy_rule_table() -> None:
    role = access_api.Role(
        name="system:image-puller",
        description="Pull images.",
        rules=[access_api.PolicyRule(verbs=["get"], resources=["imagestreams/layers", "secrets"])],
    )
    assert describe_cluster_role(role) == (
        "Name:         system:image-puller\n"
        "Labels:       <none>\n"
        "Annotations:  openshift.io/description: Pull images.\n"
        "PolicyRule:\n"
        "  Resources                               Non-Resource URLs  Resource Names  Verbs\n"
        "  ---------                               -----------------  --------------  -----\n"
        "  imagestreams.image.openshift.io/layers  []                 []              [get]\n"
        "  secrets                                 []                 []              [get]\n"
    )


def test_token_expiry_column() -> None:
    assert expiry(Timestamp()) == "<never>"
    assert expiry(Timestamp(seconds=1_700_000_000)) == "2023-11-14T22:13:20Z"
