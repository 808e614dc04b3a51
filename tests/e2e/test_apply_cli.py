"""`isctl create -f` and `isctl apply -f` end to end: image streams defined in OpenShift's shape, read from
files and stdin, and `isctl get is -o yaml` writing that same shape back."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import yaml
from imagestreams_client import Client

from tests.e2e.support import REGISTRY, Isctl, digest, isctl_command, push

A, B = digest("a"), digest("b")


def write(path: Path, data: Any) -> str:
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return str(path)


def stream_doc(name: str, tags: list[dict[str, Any]], **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": "image.openshift.io/v1",
        "kind": "ImageStream",
        "metadata": {"name": name, "annotations": {"openshift.io/display-name": name.title()}},
        "spec": {"tags": tags, **spec},
    }


def docker_tag(name: str, pull_spec: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "from": {"kind": "DockerImage", "name": pull_spec}, **fields}


def get_yaml(isctl: Isctl, name: str, *flags: str) -> dict[str, Any]:
    return dict(yaml.safe_load(isctl.ok("get", "is", name, "-o", "yaml", *flags)))


def run_with_stdin(isctl: Isctl, text: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*isctl_command(), *args],
        input=text,
        capture_output=True,
        text=True,
        env=isctl.environment(),
        timeout=60,
        check=False,
    )


def spec_tags(data: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in data["spec"]["tags"]}


def test_create_from_a_file_and_get_writes_the_same_shape(isctl: Isctl, tmp_path: Path) -> None:
    definition = stream_doc(
        "ruby",
        [
            docker_tag(
                "2.7",
                f"{REGISTRY}/ruby@{A}",
                annotations={"description": "Ruby 2.7", "tags": "builder,ruby"},
                referencePolicy={"type": "Local"},
            ),
            {"name": "latest", "from": {"kind": "ImageStreamTag", "name": "2.7"}},
            docker_tag("ref", "quay.io/team/ruby:3", reference=True),
        ],
        lookupPolicy={"local": True},
    )
    path = write(tmp_path / "ruby.yaml", definition)
    assert isctl.ok("create", "-f", path) == "imagestream/ruby created\n"

    data = get_yaml(isctl, "ruby")
    assert (data["apiVersion"], data["kind"]) == ("image.openshift.io/v1", "ImageStream")
    assert data["metadata"]["name"] == "ruby" and data["metadata"]["namespace"] == "default"
    assert data["metadata"]["annotations"] == {"openshift.io/display-name": "Ruby"}
    assert int(data["metadata"]["resourceVersion"]) > 0 and data["metadata"]["uid"]
    assert data["spec"]["lookupPolicy"] == {"local": True}
    tags = spec_tags(data)
    assert tags["2.7"]["from"] == {"kind": "DockerImage", "name": f"{REGISTRY}/ruby@{A}"}
    assert tags["2.7"]["annotations"] == {"description": "Ruby 2.7", "tags": "builder,ruby"}
    assert tags["2.7"]["referencePolicy"] == {"type": "Local"}
    assert tags["2.7"]["importPolicy"] == {"importMode": "Legacy"}
    assert tags["latest"]["from"] == {"kind": "ImageStreamTag", "name": "2.7"}
    assert tags["ref"]["reference"] is True
    # The status: the pinned image is there at once, and the alias follows it.
    status = {t["tag"]: t for t in data["status"]["tags"]}
    assert status["2.7"]["items"][0]["image"] == A
    assert status["latest"]["items"][0]["dockerImageReference"] == f"{REGISTRY}/ruby@{A}"
    assert status["ref"]["items"][0]["dockerImageReference"] == "quay.io/team/ruby:3"
    assert {"created", "generation"} <= set(status["2.7"]["items"][0])

    # JSON is the same object, in the order of OpenShift's types.
    as_json = json.loads(isctl.ok("get", "is", "ruby", "-o", "json"))
    assert list(as_json) == ["apiVersion", "kind", "metadata", "spec", "status"]
    assert as_json["spec"] == data["spec"]

    # Creating it again is an error, as with oc.
    err = isctl.fails("create", "-f", path)
    assert err == f'error: {path}: imagestream "default/ruby" already exists\n'


def test_what_get_writes_round_trips_through_create_and_apply(isctl: Isctl, tmp_path: Path) -> None:
    isctl.ok("create", "-f", write(tmp_path / "src.yaml", stream_doc("trip", [docker_tag("1", f"{REGISTRY}/a@{A}")])))
    written = isctl.ok("get", "is", "trip", "-o", "yaml")
    # Applying what get wrote changes nothing.
    assert run_with_stdin(isctl, written, "apply", "-f", "-").stdout == "imagestream/trip unchanged\n"
    # And under another name it creates an equal stream.
    copy = yaml.safe_load(written)
    copy["metadata"]["name"] = "trip-copy"
    done = run_with_stdin(isctl, yaml.safe_dump(copy), "create", "-f", "-")
    assert (done.returncode, done.stdout, done.stderr) == (0, "imagestream/trip-copy created\n", "")
    original, created = get_yaml(isctl, "trip"), get_yaml(isctl, "trip-copy")
    assert spec_tags(original)["1"]["from"] == spec_tags(created)["1"]["from"]
    assert original["metadata"]["annotations"] == created["metadata"]["annotations"]


def test_apply_creates_then_changes_only_what_differs(isctl: Isctl, client: Client, tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    first = stream_doc(
        "applied",
        [
            docker_tag("1.0", f"{REGISTRY}/app@{A}"),
            {"name": "stable", "from": {"kind": "ImageStreamTag", "name": "applied:1.0"}},
        ],
    )
    assert isctl.ok("apply", "-f", write(path, first)) == "imagestream/applied created\n"
    assert isctl.ok("apply", "-f", str(path)) == "imagestream/applied unchanged\n"
    before = get_yaml(isctl, "applied")

    changed = stream_doc(
        "applied",
        [
            docker_tag("1.0", f"{REGISTRY}/app@{B}", annotations={"description": "moved"}),
            {"name": "stable", "from": {"kind": "ImageStreamTag", "name": "1.0"}},  # the same alias, spelled short
            docker_tag("2.0", f"{REGISTRY}/app@{A}"),
        ],
        lookupPolicy={"local": True},
    )
    changed["metadata"]["annotations"] = {"team": "web"}
    assert isctl.ok("apply", "-f", write(path, changed)) == "imagestream/applied configured\n"
    after = get_yaml(isctl, "applied")
    assert after["metadata"]["annotations"] == {"team": "web"}
    assert after["spec"]["lookupPolicy"] == {"local": True}
    tags = spec_tags(after)
    assert tags["1.0"]["from"]["name"] == f"{REGISTRY}/app@{B}" and tags["1.0"]["annotations"] == {
        "description": "moved"
    }
    assert tags["2.0"]["from"]["name"] == f"{REGISTRY}/app@{A}"
    # The alias was not touched, and still follows 1.0 to its new image.
    assert tags["stable"] == spec_tags(before)["stable"]
    status = {t["tag"]: t for t in after["status"]["tags"]}
    assert status["stable"]["items"][0]["image"] == B
    assert isctl.ok("apply", "-f", str(path)) == "imagestream/applied unchanged\n"

    # Tags and fields the file leaves out are kept.
    push(client, "applied", "pushed", A)
    trimmed = {"apiVersion": "v1", "kind": "ImageStream", "metadata": {"name": "applied"}}
    assert isctl.ok("apply", "-f", write(path, trimmed)) == "imagestream/applied unchanged\n"
    kept = get_yaml(isctl, "applied")
    assert kept["metadata"]["annotations"] == {"team": "web"} and set(spec_tags(kept)) == {"1.0", "2.0", "stable"}


def test_a_list_in_json_goes_to_the_namespaces_it_names(isctl: Isctl, tmp_path: Path) -> None:
    document = {
        "apiVersion": "v1",
        "kind": "List",
        "items": [
            {"apiVersion": "v1", "kind": "ImageStream", "metadata": {"name": "listed-a"}},
            {"apiVersion": "v1", "kind": "ImageStream", "metadata": {"name": "listed-b", "namespace": "listing"}},
        ],
    }
    path = tmp_path / "streams.json"
    path.write_text(json.dumps(document))
    assert isctl.ok("apply", "-f", str(path), "-o", "name") == "imagestream/listed-a\nimagestream/listed-b\n"
    assert get_yaml(isctl, "listed-a")["metadata"]["namespace"] == "default"
    assert get_yaml(isctl, "listed-b", "-n", "listing")["metadata"]["namespace"] == "listing"
    listed = yaml.safe_load(isctl.ok("get", "is", "-n", "listing", "-o", "yaml"))
    assert listed["kind"] == "List" and [i["metadata"]["name"] for i in listed["items"]] == ["listed-b"]
    # -n naming another namespace than the file does is refused, in kubectl's words, before any write.
    err = isctl.fails("apply", "-f", str(path), "-n", "elsewhere")
    assert err == (
        'error: the namespace from the provided object "listing" does not match the namespace "elsewhere". '
        "You must pass '--namespace=listing' to perform this operation.\n"
    )
    assert "not found" in isctl.fails("get", "is", "listed-a", "-n", "elsewhere")


def test_problems_in_a_file_are_reported_at_their_path_and_nothing_is_written(isctl: Isctl, tmp_path: Path) -> None:
    bad = stream_doc(
        "broken",
        [docker_tag("ok", "quay.io/a/b:1"), {"name": "bad", "from": {"kind": "Foo", "name": "x"}}],
    )
    bad["spec"]["tagz"] = []
    path = write(tmp_path / "broken.yaml", bad)
    for verb in ("create", "apply"):
        err = isctl.fails(verb, "-f", path)
        assert err == (
            f"error: {path}: spec.tagz: unknown field\n"
            f'error: {path}: spec.tags[1].from.kind: unknown value "Foo"; valid values are "DockerImage", '
            '"ImageStreamTag", "ImageStreamImage"\n'
        )
    assert 'imagestream "default/broken" not found' in isctl.fails("get", "is", "broken")

    # What only the server can tell is placed in the file too.
    bad_spec = stream_doc("broken", [docker_tag("ok", "quay.io/a/b:1"), docker_tag("bad", "Not A Pull Spec")])
    err = isctl.fails("create", "-f", write(tmp_path / "server.yaml", bad_spec))
    assert err.startswith(f"error: {tmp_path / 'server.yaml'}: spec.tags[1].from.name: invalid pull spec")

    unparsable = tmp_path / "broken.json"
    unparsable.write_text('{"kind": ')
    assert isctl.fails("apply", "-f", str(unparsable)).startswith(f"error: {unparsable}: invalid JSON")
    assert "No such file" in isctl.fails("create", "-f", str(tmp_path / "missing.yaml"))


def test_apply_refuses_what_no_call_can_do_before_writing_anything(isctl: Isctl, tmp_path: Path) -> None:
    isctl.ok("create", "is", "bare-target")
    document = stream_doc("bare-target", [docker_tag("fine", "quay.io/a/b:1"), {"name": "bare"}])
    err = isctl.fails("apply", "-f", write(tmp_path / "bare.yaml", document))
    assert "spec.tags[1].from: required to add or change a tag of an existing image stream" in err
    assert "spec" not in get_yaml(isctl, "bare-target") or "tags" not in get_yaml(isctl, "bare-target")["spec"]


def test_create_usage(isctl: Isctl, tmp_path: Path) -> None:
    err = isctl.fails("create", "is", "x", "-f", str(tmp_path / "x.yaml"), code=2)
    assert "give no TYPE, NAME or --lookup-local" in err
    assert "give the TYPE and NAME" in isctl.fails("create", code=2)
    assert "the following arguments are required: -f/--filename" in isctl.fails("apply", code=2)
    assert "-f FILE" in isctl.ok("create", "--help") and "configured" in isctl.ok("apply", "--help")
