"""`isctl import-image` end to end: a real `isctl serve`, a real registry (plain HTTP on loopback, hence
--insecure), and the command line as users type it."""

from __future__ import annotations

import os
import pty
import re
import subprocess
import threading
import uuid

import yaml

from tests.e2e.support import Isctl, isctl_command
from tests.support import registry as registry_support
from tests.support.registry import RunningRegistry, build_image

plain_registry = registry_support.plain_registry

# OpenShift's stream annotation for when an import last checked the registry (RFC 3339, UTC).
CHECKED = re.compile(r"openshift\.io/image\.dockerRepositoryCheck=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
AGE = re.compile(
    r"(Less than a second|1 second|\d+ seconds|About a minute|\d+ minutes|\d+ (days|weeks|months|years)) ago"
)


def repository(registry: RunningRegistry) -> tuple[str, str]:
    """A repository of our own: (its name in the registry, its pull spec without tag)."""
    name = f"cli/{uuid.uuid4().hex[:8]}"
    return name, f"{registry.host}/{name}"


def push(registry: RunningRegistry, repo: str, *tags: str, text: str = "", settings: dict | None = None) -> str:  # type: ignore[type-arg]
    image = build_image(layer_texts=[text or f"{repo} {tags}"], settings=settings)
    with registry.pusher() as pusher:
        pusher.image(repo, tags[0], image)
        for tag in tags[1:]:
            pusher.manifest(repo, tag, image.manifest, image.media_type)
    return image.digest


def test_importing_into_a_new_stream_needs_confirm_then_prints_the_stream_and_the_image(
    isctl: Isctl, plain_registry: RunningRegistry
) -> None:
    repo, spec = repository(plain_registry)
    settings = {"Env": ["PATH=/bin"], "Entrypoint": ["/entry"], "ExposedPorts": {"8080/tcp": {}}, "User": "1001"}
    image = push(plain_registry, repo, "1.0", settings=settings)

    err = isctl.fails("import-image", "fresh:1.0", f"--from={spec}:1.0", "--insecure")
    assert err == 'error: no image stream named "fresh" exists, pass --confirm to create and import\n'
    assert "not found" in isctl.fails("get", "is", "fresh")

    out = isctl.ok("import-image", "fresh:1.0", f"--from={spec}:1.0", "--insecure", "--confirm")
    stream_part, image_part = out.split("\n\nImage Name:")
    assert CHECKED.sub("<checked>", AGE.sub("<age>", stream_part)) == (
        "imagestream/fresh imported\n"
        "\n"
        "Name:\t\t\tfresh\n"
        "Namespace:\t\tdefault\n"
        "Created:\t\t<age>\n"
        "Labels:\t\t\t<none>\n"
        "Annotations:\t\t<checked>\n"
        "Image Repository:\t<none>\n"
        "Image Lookup:\t\tlocal=false\n"
        "Unique Images:\t\t1\n"
        "Tags:\t\t\t1\n"
        "\n"
        "1.0\n"
        f"  tagged from {spec}:1.0\n"
        "    will use insecure HTTPS or HTTP connections\n"
        "\n"
        f"  * {spec}@{image}\n"
        "      <age>"
    )
    lines = ("Image Name:" + image_part).splitlines()
    fields = {line.split(":\t")[0]: line.split(":\t", 1)[1].strip() for line in lines if ":\t" in line}
    assert fields["Image Name"] == "fresh:1.0"
    assert fields["Docker Image"] == f"{spec}@{image}"
    assert fields["Name"] == image
    assert re.fullmatch(r"\d+(\.\d+)?[kM]?B in 1 layers", fields["Image Size"])
    assert (fields["Arch"], fields["OS"]) == ("amd64", "linux")
    assert (fields["Entrypoint"], fields["Command"]) == ("/entry", "/hello")
    assert (fields["User"], fields["Exposes Ports"], fields["Environment"]) == ("1001", "8080/tcp", "PATH=/bin")
    assert AGE.fullmatch(fields["Image Created"])

    # Again: the same image, nothing new in the history.
    assert isctl.ok("import-image", "fresh:1.0").startswith("imagestream/fresh imported\n")
    moves = yaml.safe_load(isctl.ok("history", "fresh:1.0", "-o", "yaml"))["items"]
    assert [m["event"]["image"] for m in moves] == [image]


def test_the_tag_comes_from_the_target_never_from_from(isctl: Isctl, plain_registry: RunningRegistry) -> None:
    repo, spec = repository(plain_registry)
    image = push(plain_registry, repo, "1.0")
    isctl.ok("import-image", "named", f"--from={spec}:1.0", "--confirm", "--insecure")
    data = yaml.safe_load(isctl.ok("get", "is", "named", "-o", "yaml"))
    assert [t["name"] for t in data["spec"]["tags"]] == ["latest"]
    assert data["spec"]["tags"][0]["from"] == {"kind": "DockerImage", "name": f"{spec}:1.0"}
    assert data["status"]["tags"][0]["items"][0]["image"] == image


def test_a_failed_tag_is_reported_and_the_exit_code_says_so(isctl: Isctl, plain_registry: RunningRegistry) -> None:
    repo, spec = repository(plain_registry)
    push(plain_registry, repo, "1.0")
    isctl.ok("import-image", "failing:1.0", f"--from={spec}:1.0", "--confirm", "--insecure")
    result = isctl.run("import-image", "failing:2.0", f"--from={spec}:2.0", "--insecure")
    assert result.code == 1
    assert result.out.startswith("imagestream/failing imported with errors\n\nName:")
    assert f'! error: Import failed (NotFound): dockerimage.image.openshift.io "{spec}:2.0" not found' in result.out
    assert result.err == (
        f'error: tag 2.0 failed: dockerimage.image.openshift.io "{spec}:2.0" not found\n'
        "error: imported completed with errors\n"
    )


def test_a_dry_run_reads_the_registry_and_writes_nothing(isctl: Isctl, plain_registry: RunningRegistry) -> None:
    repo, spec = repository(plain_registry)
    image = push(plain_registry, repo, "3.0")
    out = isctl.ok("import-image", "dry:3.0", f"--from={spec}:3.0", "--confirm", "--insecure", "--dry-run")
    assert out.startswith("imagestream/dry imported (dry run)\n\nImage Name:\tdry:3.0\n")
    assert f"Name:\t\t{image}\n" in out
    assert "not found" in isctl.fails("get", "is", "dry")
    data = yaml.safe_load(
        isctl.ok("import-image", "dry:3.0", f"--from={spec}:3.0", "--confirm", "--insecure", "--dry-run", "-o", "yaml")
    )
    assert data["kind"] == "ImageStream" and data["spec"]["tags"][0]["from"]["name"] == f"{spec}:3.0"


def test_all_imports_the_repository_and_lists_the_tags_left_over(isctl: Isctl, plain_registry: RunningRegistry) -> None:
    repo, spec = repository(plain_registry)
    # The server imports 50 tags at most: two more are left over (the lowest in priority order).
    tags = ["latest", *(f"1.{i}" for i in range(51))]
    push(plain_registry, repo, *tags)
    out = isctl.ok("import-image", "everything", f"--from={spec}", "--all", "--confirm", "--insecure")
    assert out.startswith("imagestream/everything imported\n\nName:\t\t\teverything\n")
    assert f"Image Repository:\t{spec}\n" in out
    assert out.count("Image Name:\teverything:") == 50
    assert out.endswith("\ninfo: The remote repository contained 2 additional tags which were not imported: 1.1, 1.0\n")
    data = yaml.safe_load(isctl.ok("get", "is", "everything", "-o", "yaml"))
    assert data["spec"]["dockerImageRepository"] == spec and len(data["spec"]["tags"]) == 50

    # Following another repository needs --confirm.
    err = isctl.fails("import-image", "everything", "--all", f"--from={spec}-other")
    assert err == f'error: the image stream has a different import spec "{spec}", pass --confirm to update\n'


def test_targets_and_flags_oc_refuses(isctl: Isctl, plain_registry: RunningRegistry) -> None:
    repo, spec = repository(plain_registry)
    push(plain_registry, repo, "1.0")
    isctl.ok("import-image", "checked:1.0", f"--from={spec}:1.0", "--confirm", "--insecure")
    digest = "sha256:" + "d" * 64
    cases = [
        (["checked@" + digest], "error: to import images by ID, use the 'tag' command\n"),
        (["checked:1.0", "--all"], 'error: cannot specify a tag "checked:1.0" as well as --all\n'),
        (
            ["checked:1.0", f"--from={spec}:9"],
            f'error: the tag "1.0" points to "{spec}:1.0" - use the \'tag\' command if you want to change the source '
            f'to "{spec}:9"\n',
        ),
        (
            ["checked:2.0"],
            'error: the tag "2.0" does not exist on the image stream - choose an existing tag to import or use the '
            "'tag' command to create a new tag\n",
        ),
        (["checked", "--reference-policy=remote"], "error: reference policy must be set to 'source' or 'local'\n"),
        (["checked", "--import-mode=All"], "error: valid ImportMode values are Legacy or PreserveOriginal\n"),
    ]
    for args, message in cases:
        assert isctl.fails("import-image", *args) == message, args
    isctl.ok("tag", "checked:1.0", "checked:copy")
    assert "it cannot be re-imported" in isctl.fails("import-image", "checked:copy")


def run_on_terminal(isctl: Isctl, *args: str) -> tuple[int, str, str]:
    """Runs isctl with stderr on a pseudo-terminal (stdout stays a pipe); returns (code, stdout, terminal)."""
    controller, terminal = pty.openpty()
    environment = isctl.environment()
    seen: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                chunk = os.read(controller, 4096)
            except OSError:  # the terminal closed
                return
            if not chunk:
                return
            seen.append(chunk)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        done = subprocess.run(
            [*isctl_command(), *args],
            stdout=subprocess.PIPE,
            stderr=terminal,
            env=environment,
            timeout=120,
            check=False,
        )
    finally:
        os.close(terminal)
        reader.join(10)
        os.close(controller)
    return done.returncode, done.stdout.decode(), b"".join(seen).decode(errors="replace")


def test_all_shows_progress_only_on_a_terminal(isctl: Isctl, plain_registry: RunningRegistry) -> None:
    repo, spec = repository(plain_registry)
    push(plain_registry, repo, "1", "2")
    args = ("import-image", "progress", f"--from={spec}", "--all", "--confirm", "--insecure")
    code, out, terminal = run_on_terminal(isctl, *args)
    assert code == 0 and out.startswith("imagestream/progress imported\n")
    assert f"Importing every tag of {spec} into progress ..." in terminal
    assert terminal.endswith("\r\033[K")  # the line is cleared afterwards
    # Not a terminal: no spinner in the captured stderr. And --all alone re-imports the repository the stream
    # follows (insecure is not remembered for a whole repository: as on OpenShift, only the stream's
    # insecureRepository annotation would be).
    piped = isctl.run("import-image", "progress", "--all", "--insecure")
    assert (piped.code, piped.err) == (0, "")
    assert piped.out.startswith("imagestream/progress imported\n") and piped.out.count("Image Name:") == 2
    # Nor for a single tag, even on a terminal.
    code, _, terminal = run_on_terminal(isctl, "import-image", "progress:1", "--insecure")
    assert code == 0 and terminal == ""
