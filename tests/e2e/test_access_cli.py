"""Access control end to end: a real `isctl serve`, its first administrator's token (DATA_DIR/admin.token),
and the sessions of users and service accounts as they would type them: log in, create projects, grant
roles, ask what they may do, pull across projects, revoke tokens.

The module's `isctl` fixture is the administrator (ISCTL_TOKEN); each user session gets a configuration file
of the test's own (`session`), so logins never mix. Each test uses names of its own.
"""

from __future__ import annotations

import json
import re
import stat
from pathlib import Path

import pytest
import yaml
from imagestreams_client import Client
from imagestreams_client.access import token_name

from tests.e2e.support import REGISTRY, Isctl, digest, push

A = digest("a")
TOKEN = re.compile(r"ist_[A-Za-z0-9_-]{43}")
UNAUTHORIZED = "error: You must be logged in to the server (Unauthorized)\n"


def session(isctl: Isctl, directory: Path) -> Isctl:
    """`isctl` with no token of its own and a configuration file in `directory`: a user at a fresh shell."""
    return isctl.as_(token="", config=directory / ".isctl" / "config")


def nick(namespace: str, isctl: Isctl, user: str) -> str:
    """oc's context name: NAMESPACE/SERVER (dots as dashes)/USER."""
    return f"{namespace}/{isctl.address.replace('.', '-')}/{user}"


def new_token(isctl: Isctl, *args: str) -> str:
    token = isctl.ok("create", "token", *args).strip()
    assert TOKEN.fullmatch(token), "create token prints the token alone"
    return token


def test_login_whoami_and_the_configuration_file(isctl: Isctl, admin_token: str, tmp_path: Path) -> None:
    assert TOKEN.fullmatch(admin_token)
    user = session(isctl, tmp_path)
    assert user.fails("whoami").startswith(UNAUTHORIZED)

    out = user.ok("login", f"--token={admin_token}")
    assert out.startswith(f'Logged into "{isctl.address}" as "admin" using the token provided.\n\n')
    assert out.endswith('Using project "default".\n')
    assert user.ok("whoami") == "admin\n"
    assert user.ok("whoami", "-t") == f"{admin_token}\n"
    assert user.ok("whoami", "--show-server") == f"{isctl.address}\n"
    assert yaml.safe_load(user.ok("whoami", "-o", "yaml"))["token_name"] == token_name(admin_token)

    assert user.config is not None
    assert stat.S_IMODE(user.config.stat().st_mode) == 0o600
    assert stat.S_IMODE(user.config.parent.stat().st_mode) == 0o700
    document = yaml.safe_load(user.config.read_text())
    assert document == {
        "current-context": nick("default", isctl, "admin"),
        "contexts": [
            {
                "name": nick("default", isctl, "admin"),
                "server": isctl.address,
                "namespace": "default",
                "token": admin_token,
            }
        ],
    }
    # Another user's login adds a context and makes it current; the first stays, token and all.
    alice_token = _user_with_token(isctl, "cfg-alice")
    user.ok("login", f"--token={alice_token}")
    contexts = user.ok("config", "get-contexts", "-o", "name").split()
    assert contexts == [nick("default", isctl, "admin"), nick("default", isctl, "cfg-alice")]
    assert user.ok("whoami") == "cfg-alice\n"
    assert user.ok("whoami", "--context", nick("default", isctl, "admin")) == "admin\n"
    assert user.ok("config", "use-context", nick("default", isctl, "admin")) == (
        f'Switched to context "{nick("default", isctl, "admin")}".\n'
    )
    assert user.ok("whoami") == "admin\n"
    # No listing ever shows a token.
    assert admin_token not in user.ok("config", "get-contexts") + user.ok("get", "tokens")


def _user_with_token(isctl: Isctl, name: str) -> str:
    assert isctl.ok("create", "user", name) == f"user.user.openshift.io/{name} created\n"
    return new_token(isctl, name)


def test_new_project_switches_the_namespace(isctl: Isctl, admin_token: str, tmp_path: Path) -> None:
    user = session(isctl, tmp_path)
    user.ok("login", f"--token={admin_token}")
    out = user.ok("new-project", "np-team", "--display-name=NP Team", "--description=for the test")
    assert out == f'Now using project "np-team" on server "{isctl.address}".\n'
    assert user.ok("project", "-q") == "np-team\n"
    # Commands without -n now work in it.
    assert user.ok("create", "is", "app") == "imagestream/app created\n"
    assert user.ok("get", "is", "-o", "name") == "imagestream/app\n"
    assert user.ok("get", "is", "app", "-n", "np-team", "-o", "name") == "imagestream/app\n"
    assert "app" not in user.ok("get", "is", "-n", "default", "-o", "name").split("/")
    rows = [line.split() for line in user.ok("get", "projects").splitlines()]
    assert rows[0] == ["NAME", "DISPLAY", "NAME", "STATUS"]
    assert ["np-team", "NP", "Team", "Active"] in rows
    assert "  * np-team - NP Team" in user.ok("projects")
    assert yaml.safe_load(user.ok("get", "project", "np-team", "-o", "yaml"))["requester"] == "admin"
    # Back to default, by the context login made.
    assert user.ok("project", "default") == f'Now using project "default" on server "{isctl.address}".\n'
    assert user.ok("config", "current-context") == nick("default", isctl, "admin") + "\n"
    # A write into a namespace that is no project is refused.
    assert "not found" in user.fails("create", "is", "app", "-n", "np-nowhere")


def test_a_user_needs_a_role_to_write_into_a_project(isctl: Isctl, tmp_path: Path) -> None:
    isctl.ok("new-project", "rb-team", "--skip-config-write")
    token = _user_with_token(isctl, "rb-alice")
    alice = session(isctl, tmp_path)
    out = alice.ok("login", f"--token={token}")
    assert 'as "rb-alice" using the token provided' in out
    assert alice.ok("whoami") == "rb-alice\n"

    err = alice.fails("create", "is", "app", "-n", "rb-team")
    assert err == (
        'Error from server (Forbidden): user "rb-alice" cannot create resource "imagestreams" in project "rb-team"\n'
    )
    assert alice.fails("auth", "can-i", "create", "imagestreams", "-n", "rb-team") == ""
    assert alice.run("auth", "can-i", "create", "imagestreams", "-n", "rb-team").out.startswith("no")

    assert isctl.ok("policy", "add-role-to-user", "edit", "rb-alice", "-n", "rb-team") == (
        'clusterrole.rbac.authorization.k8s.io/edit added: "rb-alice"\n'
    )
    assert alice.ok("auth", "can-i", "create", "imagestreams", "-n", "rb-team") == "yes\n"
    assert alice.ok("create", "is", "app", "-n", "rb-team") == "imagestream/app created\n"
    # edit does not manage role bindings.
    assert alice.fails("policy", "add-role-to-user", "admin", "rb-alice", "-n", "rb-team").startswith(
        "Error from server (Forbidden): "
    )

    bindings = [line.split() for line in isctl.ok("get", "rolebindings", "-n", "rb-team").splitlines()]
    assert bindings[0] == ["NAME", "ROLE", "USERS", "GROUPS", "SERVICE", "ACCOUNTS"]
    assert ["edit", "ClusterRole/edit", "rb-alice"] in bindings

    assert isctl.ok("policy", "remove-role-from-user", "edit", "rb-alice", "-n", "rb-team") == (
        'clusterrole.rbac.authorization.k8s.io/edit removed: "rb-alice"\n'
    )
    assert alice.fails("create", "is", "app2", "-n", "rb-team").startswith("Error from server (Forbidden): ")


def test_can_i_and_who_can(isctl: Isctl, tmp_path: Path) -> None:
    isctl.ok("new-project", "ci-team", "--skip-config-write")
    token = _user_with_token(isctl, "ci-bob")
    isctl.ok("policy", "add-role-to-user", "view", "ci-bob", "-n", "ci-team")
    bob = isctl.as_(token=token, config=tmp_path / "config")

    assert bob.ok("auth", "can-i", "get", "imagestreams", "-n", "ci-team") == "yes\n"
    assert bob.ok("auth", "can-i", "list", "is", "-n", "ci-team") == "yes\n"
    assert bob.run("auth", "can-i", "update", "imagestreams", "-n", "ci-team").code == 1
    assert bob.run("auth", "can-i", "create", "users").code == 1
    assert isctl.ok("auth", "can-i", "create", "users") == "yes\n"
    # Asking about someone else, as an administrator.
    assert isctl.ok("auth", "can-i", "get", "imagestreams", "-n", "ci-team", "--as", "ci-bob") == "yes\n"
    assert isctl.run("auth", "can-i", "delete", "imagestreams", "-n", "ci-team", "--as", "ci-bob").code == 1

    text = isctl.ok("policy", "who-can", "get", "imagestreams", "-n", "ci-team")
    assert text.startswith("Namespace: ci-team\nVerb:      get\nResource:  imagestreams.image.openshift.io\n\n")
    users = text.split("Users:", 1)[1].split("Groups:", 1)[0].split()
    assert "ci-bob" in users and "admin" in users
    data = json.loads(isctl.ok("policy", "who-can", "update", "imagestreams", "-n", "ci-team", "-o", "json"))
    assert "ci-bob" not in data.get("users", [])


def test_service_account_tokens_and_revoking_them(isctl: Isctl, tmp_path: Path) -> None:
    isctl.ok("new-project", "sa-team", "--skip-config-write")
    assert isctl.ok("create", "sa", "robot", "-n", "sa-team") == "serviceaccount/robot created\n"
    names = isctl.ok("get", "sa", "-n", "sa-team", "-o", "name").split()
    assert {
        "serviceaccount/default",
        "serviceaccount/builder",
        "serviceaccount/deployer",
        "serviceaccount/robot",
    } <= set(names)
    token = isctl.ok("sa", "get-token", "robot", "-n", "sa-team").strip()
    assert TOKEN.fullmatch(token)
    robot = isctl.as_(token=token, config=tmp_path / "config")
    assert robot.ok("whoami") == "system:serviceaccount:sa-team:robot\n"

    listed = [line.split() for line in isctl.ok("get", "tokens", "--sa=robot", "-n", "sa-team").splitlines()]
    assert listed[0] == ["NAME", "USER", "EXPIRES", "AGE"]
    assert listed[1][:3] == [token_name(token), "system:serviceaccount:sa-team:robot", "<never>"]

    # Deleting a token given as itself prints its hash only.
    assert (
        isctl.ok("delete", "token", token) == f'useroauthaccesstoken.oauth.openshift.io "{token_name(token)}" deleted\n'
    )
    assert robot.fails("whoami").startswith(UNAUTHORIZED)

    # By its hash, as get tokens names it; with an expiry.
    second = new_token(isctl, "sa/robot", "-n", "sa-team", "--duration=1h30m", "--description=ci")
    row = isctl.ok("get", "tokens", "--sa", "robot", "-n", "sa-team").splitlines()[1].split()
    assert row[0] == token_name(second) and row[2] != "<never>"
    assert robot.as_(token=second).ok("whoami") == "system:serviceaccount:sa-team:robot\n"
    assert isctl.ok("delete", "token", token_name(second)).startswith("useroauthaccesstoken.oauth.openshift.io")
    assert robot.as_(token=second).fails("get", "is", "-n", "sa-team").startswith(UNAUTHORIZED)

    # Deleting the service account revokes its tokens.
    third = isctl.ok("sa", "get-token", "robot", "-n", "sa-team").strip()
    assert isctl.ok("delete", "sa", "robot", "-n", "sa-team") == 'serviceaccount "robot" deleted\n'
    assert robot.as_(token=third).fails("whoami").startswith(UNAUTHORIZED)


def test_logout_revokes_the_token(isctl: Isctl, tmp_path: Path) -> None:
    token = _user_with_token(isctl, "lo-carol")
    carol = session(isctl, tmp_path)
    carol.ok("login", f"--token={token}")
    assert carol.ok("logout") == f'Logged "lo-carol" out on "{isctl.address}"\n'
    assert carol.fails("whoami").startswith(UNAUTHORIZED)
    assert carol.as_(token=token).fails("whoami").startswith(UNAUTHORIZED)  # revoked on the server too
    assert "token" not in yaml.safe_load(carol.config.read_text())["contexts"][0]  # type: ignore[union-attr]


def test_a_service_account_pulls_from_another_project_once_granted(
    isctl: Isctl, client: Client, tmp_path: Path
) -> None:
    for project in ("pull-a", "pull-b"):
        isctl.ok("new-project", project, "--skip-config-write")
    push(client, "src", "1", A, namespace="pull-b")
    builder = isctl.as_(token=isctl.ok("sa", "get-token", "default", "-n", "pull-a").strip(), config=tmp_path / "c")
    assert builder.ok("whoami") == "system:serviceaccount:pull-a:default\n"

    # Its own project first: tagging writes there.
    assert builder.fails("tag", "pull-b/src:1", "app:1", "-n", "pull-a").startswith("Error from server (Forbidden)")
    isctl.ok("policy", "add-role-to-user", "edit", "-z", "default", "-n", "pull-a")
    # Still no pulling from pull-b.
    err = builder.fails("tag", "pull-b/src:1", "app:1", "-n", "pull-a")
    assert err.startswith("Error from server (Forbidden): ") and '"pull-b"' in err

    granted = isctl.ok(
        "policy", "add-role-to-user", "system:image-puller", "system:serviceaccount:pull-a:default", "-n", "pull-b"
    )
    assert granted == (
        'clusterrole.rbac.authorization.k8s.io/system:image-puller added: "system:serviceaccount:pull-a:default"\n'
    )
    assert builder.ok("auth", "can-i", "get", "imagestreams/layers", "-n", "pull-b") == "yes\n"
    assert builder.ok("tag", "pull-b/src:1", "app:1", "-n", "pull-a") == f"Tag app:1 set to pull-b/src@{A}.\n"
    assert (
        json.loads(builder.ok("get", "istag", "app:1", "-n", "pull-a", "-o", "json"))["image"]["metadata"]["name"] == A
    )
    # Pulling is not writing: pull-b stays read-only to it.
    assert builder.fails("tag", f"{REGISTRY}/x@{A}", "pull-b/src:2").startswith("Error from server (Forbidden)")


def test_groups_and_cluster_roles(isctl: Isctl, tmp_path: Path) -> None:
    token = _user_with_token(isctl, "grp-dave")
    assert isctl.ok("adm", "groups", "new", "grp-auditors") == "group.user.openshift.io/grp-auditors created\n"
    assert isctl.ok("adm", "groups", "add-users", "grp-auditors", "grp-dave") == (
        'group.user.openshift.io/grp-auditors added: "grp-dave"\n'
    )
    assert ["grp-auditors", "grp-dave"] in [line.split() for line in isctl.ok("get", "groups").splitlines()]
    assert isctl.ok("adm", "policy", "add-cluster-role-to-group", "view", "grp-auditors") == (
        'clusterrole.rbac.authorization.k8s.io/view added: "grp-auditors"\n'
    )
    dave = isctl.as_(token=token, config=tmp_path / "config")
    assert dave.ok("auth", "can-i", "get", "imagestreams", "-n", "default") == "yes\n"
    assert "grp-auditors" in isctl.ok("get", "clusterrolebindings")
    assert isctl.ok("adm", "policy", "remove-cluster-role-from-group", "view", "grp-auditors").endswith(
        'removed: "grp-auditors"\n'
    )
    assert dave.run("auth", "can-i", "get", "imagestreams", "-n", "default").code == 1
    assert isctl.ok("delete", "group", "grp-auditors") == 'group.user.openshift.io "grp-auditors" deleted\n'
    assert isctl.ok("delete", "user", "grp-dave") == 'user.user.openshift.io "grp-dave" deleted\n'
    assert dave.fails("whoami").startswith(UNAUTHORIZED)  # a deleted user's tokens go with it


def test_cluster_roles_are_listed_and_described(isctl: Isctl) -> None:
    names = [line.split()[0] for line in isctl.ok("get", "clusterroles").splitlines()[1:]]
    assert {"cluster-admin", "admin", "edit", "view", "system:image-puller"} <= set(names)
    described = isctl.ok("describe", "clusterrole", "system:image-puller")
    assert described.startswith("Name:         system:image-puller\nLabels:       <none>\n")
    assert "PolicyRule:\n  Resources " in described
    assert "imagestreams.image.openshift.io/layers" in described


@pytest.mark.usefixtures("server_address")
def test_the_admin_token_file_is_0600(tmp_path_factory: pytest.TempPathFactory) -> None:
    files = list(tmp_path_factory.getbasetemp().glob("isctl-serve*/data/admin.token"))
    assert files
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
