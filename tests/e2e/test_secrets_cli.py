"""`isctl secrets` end to end: a real `isctl serve` (SQLite, its key generated on first start), the command
line as a user types it, and an import from a registry that needs the secret."""

from __future__ import annotations

import base64
import json
import subprocess
import uuid
from pathlib import Path

import pytest

from tests.e2e.support import Isctl, isctl_command
from tests.support import registry as support
from tests.support.registry import PASSWORD, USERNAME, RunningRegistry, build_image

basic_registry = support.basic_registry

SECRET_PASSWORD = "Kx7-e2e-not-in-output"


def no_password(*texts: str) -> None:
    for text in texts:
        for secret in (SECRET_PASSWORD, PASSWORD):
            assert secret not in text
            assert base64.b64encode(f"{USERNAME}:{secret}".encode()).decode() not in text


def test_new_dockercfg_list_and_delete(isctl: Isctl) -> None:
    ns = "-n", "cli-basic"
    out = isctl.ok(
        "secrets", "new-dockercfg", "quay", "--docker-server=quay.io", "--docker-username=alice",
        f"--docker-password={SECRET_PASSWORD}", "--docker-email=alice@example.com", *ns,
    )  # fmt: skip
    assert out == "secret/quay created\n"
    table = isctl.ok("secrets", "list", *ns)
    header, row = table.splitlines()
    assert header.split() == ["NAME", "TYPE", "REGISTRIES", "IMPORTS", "AGE"]
    assert row.split()[:4] == ["quay", "kubernetes.io/dockercfg", "quay.io", "yes"]
    listed = json.loads(isctl.ok("secrets", "get", "quay", "-o", "json", *ns))
    assert listed["registries"] == [{"server": "quay.io", "username": "alice", "email": "alice@example.com"}]
    assert isctl.ok("secrets", "list", "-o", "name", *ns) == "secret/quay\n"
    no_password(table, json.dumps(listed), isctl.ok("secrets", "list", "-o", "yaml", *ns))

    err = isctl.fails(
        "secrets", "new-dockercfg", "quay", "--docker-server=quay.io", "--docker-username=alice",
        f"--docker-password={SECRET_PASSWORD}", *ns,
    )  # fmt: skip
    assert err == 'error: secret "cli-basic/quay" already exists\n'
    assert isctl.ok("secrets", "delete", "quay", *ns) == 'secret "quay" deleted\n'
    assert isctl.fails("secrets", "delete", "quay", *ns) == 'error: secret "cli-basic/quay" not found\n'
    empty = isctl.run("secrets", "list", *ns)
    assert (empty.code, empty.out, empty.err) == (0, "", "No resources found in cli-basic namespace.\n")


def test_password_from_stdin(isctl: Isctl) -> None:
    done = subprocess.run(
        [*isctl_command(), "secrets", "new-dockercfg", "ghcr", "--docker-server=ghcr.io", "--docker-username=bob",
         "--docker-password-stdin", "-n", "cli-stdin", "--server", isctl.address],
        input=SECRET_PASSWORD + "\n", capture_output=True, text=True, timeout=60, check=False,
        env=isctl.environment(),
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "secret/ghcr created\n"), done.stderr
    assert "ghcr.io" in isctl.ok("secrets", "list", "-n", "cli-stdin")


def test_new_from_files(isctl: Isctl, tmp_path: Path) -> None:
    ns = "-n", "cli-files"
    auth = base64.b64encode(f"carol:{SECRET_PASSWORD}".encode()).decode()
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"auths": {"https://index.docker.io/v1/": {"auth": auth}, "ghcr.io": {"auth": auth}}}))
    legacy = tmp_path / "dockercfg"
    legacy.write_text(json.dumps({"registry.example.com:5000": {"auth": auth, "email": "c@example.com"}}))

    assert isctl.ok("secrets", "new", "hub", f".dockerconfigjson={config}", *ns) == "secret/hub created\n"
    assert isctl.ok("secrets", "new", "legacy", f".dockercfg={legacy}", *ns) == "secret/legacy created\n"
    assert isctl.ok("secrets", "new", "bare", str(config), *ns) == "secret/bare created\n"  # the name says it
    rows = [line.split()[:4] for line in isctl.ok("secrets", "list", *ns).splitlines()[1:]]
    assert rows == [
        ["bare", "kubernetes.io/dockerconfigjson", "docker.io,ghcr.io", "yes"],
        ["hub", "kubernetes.io/dockerconfigjson", "docker.io,ghcr.io", "yes"],
        ["legacy", "kubernetes.io/dockercfg", "registry.example.com:5000", "yes"],
    ]

    assert "unknown key" in isctl.fails("secrets", "new", "x", f".netrc={config}", *ns, code=2)
    assert "cannot tell what" in isctl.fails("secrets", "new", "x", str(legacy), *ns, code=2)
    assert f"cannot read {tmp_path / 'missing'}" in isctl.fails(
        "secrets", "new", "x", f".dockercfg={tmp_path / 'missing'}", *ns
    )
    # A config.json given as .dockercfg, and a broken document: the server says what is wrong, never the content.
    wrong = isctl.fails("secrets", "new", "x", f".dockercfg={config}", *ns)
    assert "give it as .dockerconfigjson" in wrong
    broken = tmp_path / "broken.json"
    broken.write_text('{"auths": {"ghcr.io": {"auth": "' + SECRET_PASSWORD)
    err = isctl.fails("secrets", "new", "x", f".dockerconfigjson={broken}", *ns)
    assert err.startswith("error: dockerconfigjson: invalid JSON")
    no_password(wrong, err)


def test_link_and_unlink(isctl: Isctl) -> None:
    ns = "-n", "cli-link"
    isctl.ok("secrets", "new-dockercfg", "quay", "--docker-server=quay.io", "--docker-username=a",
             f"--docker-password={SECRET_PASSWORD}", *ns)  # fmt: skip
    assert isctl.ok("secrets", "unlink", "default", "quay", *ns) == (
        "secret/quay unlinked from serviceaccount/default: imports no longer use it\n"
    )
    assert isctl.ok("secrets", "list", *ns).splitlines()[1].split()[3] == "unlinked"
    assert isctl.ok("secrets", "link", "default", "quay", "--for=pull", *ns) == (
        "secret/quay linked to serviceaccount/default for pull: imports use it\n"
    )
    assert isctl.ok("secrets", "list", *ns).splitlines()[1].split()[3] == "yes"
    # Any account of the project may be linked (imports run as `default`, so only its link counts).
    assert isctl.ok("secrets", "link", "builder", "quay", *ns).startswith(
        "secret/quay linked to serviceaccount/builder"
    )
    assert 'serviceaccount "robot" not found' in isctl.fails("secrets", "link", "robot", "quay", *ns)
    assert "only linked for pull" in isctl.fails("secrets", "link", "default", "quay", "--for=pull,mount", *ns)
    assert "--for takes pull" in isctl.fails("secrets", "link", "default", "quay", "--for=push", *ns, code=2)
    # One missing name does not stop the others.
    mixed = isctl.run("secrets", "unlink", "default", "nope", "quay", *ns)
    assert mixed.code == 1 and "quay unlinked" in mixed.out and 'secret "cli-link/nope" not found' in mixed.err


def test_import_with_a_pull_secret(isctl: Isctl, basic_registry: RunningRegistry) -> None:
    ns = "-n", "cli-import"
    repo = f"private/{uuid.uuid4().hex[:8]}"
    with basic_registry.pusher() as pusher:
        digest = pusher.image(repo, "1.0", build_image(layer_texts=[repo])).digest
    source = f"{basic_registry.host}/{repo}:1.0"
    denied = isctl.run("import-image", "app:1.0", f"--from={source}", "--confirm", "--insecure", *ns)
    assert denied.code == 1 and "Import failed (Unauthorized)" in denied.out
    isctl.ok("secrets", "new-dockercfg", "reg", f"--docker-server={basic_registry.host}",
             f"--docker-username={USERNAME}", f"--docker-password={PASSWORD}", *ns)  # fmt: skip
    imported = isctl.ok("import-image", "app:1.0", f"--from={source}", "--confirm", "--insecure", *ns)
    assert digest in imported
    no_password(imported, denied.out, denied.err)


def test_serve_refuses_an_unusable_key_file(tmp_path: Path) -> None:
    key = tmp_path / "key"
    key.write_text("not a key\n")
    done = subprocess.run(
        [*isctl_command(), "serve", "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path / "data"),
         "--secret-key-file", str(key)],
        capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode != 0
    assert f"error: the secret key file {key} is not base64" in done.stderr
    assert "Traceback" not in done.stderr and "not a key" not in done.stderr


@pytest.mark.usefixtures("server_address")
def test_serve_generated_its_key_in_the_data_dir_with_mode_0600(tmp_path_factory: pytest.TempPathFactory) -> None:
    # The module's server runs on SQLite in a directory of tmp_path_factory's base ("isctl-serve<N>").
    keys = list(tmp_path_factory.getbasetemp().glob("isctl-serve*/data/secret.key"))
    assert keys, "the module's server wrote no key"
    for path in keys:
        assert path.stat().st_mode & 0o777 == 0o600
        assert len(base64.b64decode(path.read_text().strip())) == 32


def test_new_reads_a_bounded_file_or_standard_input(isctl: Isctl, tmp_path: Path) -> None:
    """`secrets new` reads its file as `create secret generic` does: at most 1 MiB, and `-` for standard input."""
    ns = "-n", "cli-bounded"
    huge = tmp_path / "huge.json"
    huge.write_bytes(b" " * (2 << 20))
    for argv in (("secrets", "new", "x", f".dockerconfigjson={huge}"),
                 ("create", "secret", "generic", "x", f"--from-file=.dockerconfigjson={huge}",
                  "--type=kubernetes.io/dockerconfigjson")):  # fmt: skip
        assert f"{huge} is larger than 1048576 bytes: not a docker configuration" in isctl.fails(*argv, *ns)
    assert isctl.ok("secrets", "list", *ns).splitlines()[1:] == []

    auth = base64.b64encode(f"dave:{SECRET_PASSWORD}".encode()).decode()
    done = subprocess.run(
        [*isctl_command(), "secrets", "new", "piped", ".dockerconfigjson=-", *ns, "--server", isctl.address],
        input=json.dumps({"auths": {"quay.io": {"auth": auth}}}), capture_output=True, text=True, timeout=60,
        check=False, env=isctl.environment(),
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (0, "secret/piped created\n"), done.stderr
    assert "quay.io" in isctl.ok("secrets", "list", *ns)
