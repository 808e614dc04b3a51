"""`isctl` end to end: a real server process, the command line run as a user types it.

The first test replays the quickstart; the others pin one behaviour each. Every test uses streams of its
own, so they share one server per module.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from imagestreams.v1 import resources_pb2 as pb
from imagestreams_client import Client

from tests.e2e.conftest import ServeProcess
from tests.e2e.support import REGISTRY, Isctl, digest, push

A, B, C, D = digest("a"), digest("b"), digest("c"), digest("d")
AGE = re.compile(r"(Less than a second|1 second|\d+ seconds|About a minute|\d+ minutes) ago")


def istag_image(isctl: Isctl, name: str, *flags: str) -> str:
    """The digest a tag points at now, read through `isctl get istag -o json`."""
    return str(json.loads(isctl.ok("get", "istag", name, "-o", "json", *flags))["image"]["metadata"]["name"])


def ages_hidden(text: str) -> str:
    return AGE.sub("<age>", text)


def test_quickstart(isctl: Isctl, client: Client, serve_process: ServeProcess, tmp_path: Path) -> None:
    # As the README starts: log in once with the administrator token the first start wrote, then no token.
    isctl = isctl.as_(token="", config=tmp_path / "config")
    token = (serve_process.data_dir / "admin.token").read_text().strip()
    assert isctl.ok("login", f"--token={token}").startswith(f'Logged into "{isctl.address}" as "admin"')
    assert isctl.ok("whoami") == "admin\n"
    assert isctl.ok("create", "is", "ruby") == "imagestream/ruby created\n"
    push(client, "ruby", "2.0", A)
    push(client, "ruby", "2.1", B)

    # A plain tag copies the image 2.0 points at now, by digest ...
    assert isctl.ok("tag", "ruby:2.0", "ruby:latest") == f"Tag ruby:latest set to ruby@{A}.\n"
    assert istag_image(isctl, "ruby:latest") == A
    # ... so moving 2.0 later leaves latest where it was.
    push(client, "ruby", "2.0", C)
    assert istag_image(isctl, "ruby:2.0") == C
    assert istag_image(isctl, "ruby:latest") == A

    # An alias tracks its source: moving latest moves prod.
    assert isctl.ok("tag", "--alias", "ruby:latest", "ruby:prod") == "Tag ruby:prod set up to track ruby:latest.\n"
    assert istag_image(isctl, "ruby:prod") == A
    isctl.ok("tag", "ruby:2.1", "ruby:latest")
    assert istag_image(isctl, "ruby:latest") == B
    assert istag_image(isctl, "ruby:prod") == B

    # The oc layout: aliases on the tag they track, `*` on the current image, older images below it.
    assert ages_hidden(isctl.ok("describe", "is", "ruby")) == (
        "Name:\t\t\truby\n"
        "Namespace:\t\tdefault\n"
        "Created:\t\t<age>\n"
        "Labels:\t\t\t<none>\n"
        "Annotations:\t\t<none>\n"
        "Image Repository:\t<none>\n"
        "Image Lookup:\t\tlocal=false\n"
        "Unique Images:\t\t3\n"
        "Tags:\t\t\t4\n"
        "\n"
        "latest (prod)\n"
        f"  tagged from ruby@{B}\n"
        "\n"
        f"  * {REGISTRY}/ruby@{B}\n"
        "      <age>\n"
        f"    {REGISTRY}/ruby@{A}\n"
        "      <age>\n"
        "\n"
        "2.1\n"
        "  no spec tag\n"
        "\n"
        f"  * {REGISTRY}/ruby@{B}\n"
        "      <age>\n"
        "\n"
        "2.0\n"
        "  no spec tag\n"
        "\n"
        f"  * {REGISTRY}/ruby@{C}\n"
        "      <age>\n"
        f"    {REGISTRY}/ruby@{A}\n"
        "      <age>\n"
    )

    assert isctl.ok("tag", "-d", "ruby:prod") == "Deleted tag default/ruby:prod.\n"
    assert 'imagestreamtag "default/ruby:prod" not found' in isctl.fails("get", "istag", "ruby:prod")
    described = isctl.ok("describe", "is", "ruby")
    assert "\nlatest\n" in described
    assert "prod" not in described
    assert "Tags:\t\t\t3\n" in described

    # An image of the stream by a short prefix of its digest.
    prefix = A[len("sha256:") : len("sha256:") + 12]
    exported = yaml.safe_load(isctl.ok("export", "isimage", f"ruby@{prefix}"))
    assert exported["kind"] == "ImageStreamImage"
    assert exported["metadata"]["name"] == f"ruby@{A}"
    assert exported["image"]["metadata"]["name"] == A
    assert exported["image"]["dockerImageReference"] == f"{REGISTRY}/ruby@{A}"
    message = yaml.safe_load(isctl.ok("export", "isimage", f"ruby@{prefix}", "-o", "proto-yaml"))
    assert (message["stream"], message["id"]) == ("ruby", prefix)
    assert message["image"]["docker_image_reference"] == f"{REGISTRY}/ruby@{A}"


def test_get_istag_json_is_openshifts_image_stream_tag(isctl: Isctl, client: Client) -> None:
    push(client, "jsontag", "1.0", A)
    isctl.ok("tag", "jsontag:1.0", "jsontag:latest")
    data = json.loads(isctl.ok("get", "istag", "jsontag:latest", "-o", "json"))
    assert (data["apiVersion"], data["kind"]) == ("image.openshift.io/v1", "ImageStreamTag")
    assert data["metadata"]["name"] == "jsontag:latest" and data["metadata"]["namespace"] == "default"
    assert data["tag"]["from"] == {"kind": "ImageStreamImage", "name": f"jsontag@{A}"}
    assert data["tag"]["referencePolicy"] == {"type": "Source"}
    assert data["lookupPolicy"] == {"local": False}
    assert isinstance(data["generation"], int) and data["generation"] >= 1
    assert data["image"]["metadata"]["name"] == A
    assert data["image"]["dockerImageReference"] == f"{REGISTRY}/jsontag@{A}"
    assert "null" not in isctl.ok("get", "istag", "jsontag:latest", "-o", "yaml")


def test_get_istag_proto_json_is_the_tag_as_the_api_returns_it(isctl: Isctl, client: Client) -> None:
    push(client, "jsontag", "1.0", A)
    isctl.ok("tag", "jsontag:1.0", "jsontag:latest")
    data = json.loads(isctl.ok("get", "istag", "jsontag:latest", "-o", "proto-json"))
    assert data["namespace"] == "default"
    assert data["stream"] == "jsontag"
    assert data["tag"] == "latest"
    assert data["pull_spec"] == f"{REGISTRY}/jsontag@{A}"
    assert data["spec"]["from"] == {"kind": "SOURCE_KIND_IMAGE_STREAM_IMAGE", "name": f"jsontag@{A}"}
    assert data["image"]["name"] == A
    assert data["image_pull_policy"] == "Always"


def test_tag_a_registry_image_pinned_by_digest_needs_no_registry(isctl: Isctl) -> None:
    source = f"{REGISTRY}/pinned@{D}"
    assert isctl.ok("tag", source, "pinned:1.0") == f"Tag pinned:1.0 set to {source}.\n"
    assert istag_image(isctl, "pinned:1.0") == D
    table = isctl.ok("get", "istag", "pinned:1.0")
    header, row = table.splitlines()
    assert re.split(r"\s{3,}", header) == ["NAME", "IMAGE REFERENCE", "UPDATED"]
    assert re.split(r"\s{3,}", row)[:2] == ["pinned:1.0", source]
    assert AGE.fullmatch(re.split(r"\s{3,}", row)[2])


def test_describe_shows_sources_import_state_and_image_ids(isctl: Isctl, client: Client) -> None:
    # Pushed by tag: the pull spec does not name the digest, so describe prints the image id after the age.
    push(client, "node", "18", D, pull_spec=f"{REGISTRY}/node:18")
    client.update_image_stream(
        pb.ImageStream(namespace="default", name="node", annotations={"description": "Node.js", "team": "web"}),
        update_mask=["annotations"],
    )
    out = isctl.ok("tag", "--scheduled", "--insecure", "--reference-policy=local", f"{REGISTRY}/node:20", "node:20")
    assert out == f"Tag node:20 set to import {REGISTRY}/node:20 periodically.\n"
    described = ages_hidden(isctl.ok("describe", "is", "node"))
    assert "Description:\t\tNode.js\nAnnotations:\t\t" in described and "team=web" in described
    assert (
        "20\n"
        f"  updates automatically from registry {REGISTRY}/node:20\n"
        "    will use insecure HTTPS or HTTP connections\n"
        "    prefer registry pullthrough when referencing this tag\n"
        "\n"
    ) in described
    # The server tries the first import of a new scheduled tag at once: describe may come before it (pending)
    # or after it (failed: the registry does not exist; the failed import also records the repository check).
    pending = "  ~ importing latest image ...\n" in described
    failed = "  ! error: Import failed (" in described and "registry.example.com" in described
    assert pending or failed, described
    assert f"18\n  no spec tag\n\n  * {REGISTRY}/node:18\n      <age>\t{D}\n" in described


def test_describe_as_data(isctl: Isctl, client: Client) -> None:
    push(client, "descdata", "latest", A)
    isctl.ok("tag", "--alias", "descdata:latest", "descdata:stable")
    data = yaml.safe_load(isctl.ok("describe", "is", "descdata", "-o", "yaml"))
    assert data["unique_images"] == 1
    assert [(t["tag"], t.get("aliases")) for t in data["tags"]] == [("latest", ["stable"])]


def test_get_image_streams_in_every_format(isctl: Isctl, client: Client) -> None:
    assert isctl.ok("create", "is", "formats") == "imagestream/formats created\n"
    assert isctl.ok("get", "is", "formats", "-o", "name") == "imagestream/formats\n"
    # json and yaml write OpenShift's ImageStream shape; proto-json and proto-yaml the gRPC message.
    assert json.loads(isctl.ok("get", "is", "formats", "-o", "json"))["metadata"]["name"] == "formats"
    assert yaml.safe_load(isctl.ok("get", "is", "formats", "-o", "yaml"))["metadata"]["namespace"] == "default"
    listed = json.loads(isctl.ok("get", "is", "-o", "json"))
    assert listed["kind"] == "List" and "formats" in [s["metadata"]["name"] for s in listed["items"]]
    assert json.loads(isctl.ok("get", "is", "formats", "-o", "proto-json"))["name"] == "formats"
    assert yaml.safe_load(isctl.ok("get", "is", "formats", "-o", "proto-yaml"))["namespace"] == "default"

    push(client, "formats", "v1", A)
    header, row = isctl.ok("get", "is", "formats").splitlines()
    assert re.split(r"\s{3,}", header) == ["NAME", "IMAGE REPOSITORY", "TAGS", "UPDATED"]
    assert row.split()[:2] == ["formats", "v1"]
    assert AGE.search(row)
    assert "already exists" in isctl.fails("create", "is", "formats")


def test_lists_follow_every_page_and_truncate_tags(isctl: Isctl, client: Client) -> None:
    # More tags than one page of ListImageStreamTags (100).
    for i in range(105):
        push(client, "many", f"t{i:03d}", A, namespace="paging")
    names = isctl.ok("get", "istag", "-n", "paging", "-o", "name").splitlines()
    assert len(names) == 105
    assert names[0] == "imagestreamtag/many:t000"
    assert names[-1] == "imagestreamtag/many:t104"
    # Eight 4-character tags fill the 40-character TAGS column; the rest are counted.
    row = isctl.ok("get", "is", "-n", "paging").splitlines()[1]
    assert re.search(r"\s(t\d{3},){7}t\d{3} \+ 97 more\.\.\.\s", row)


def test_namespaces_from_flag_and_environment(isctl: Isctl, client: Client) -> None:
    assert isctl.ok("-n", "team", "create", "is", "app") == "imagestream/app created\n"
    assert isctl.ok("get", "is", "-n", "team", "-o", "name") == "imagestream/app\n"
    assert isctl.run("get", "is", "-o", "name", env={"ISCTL_NAMESPACE": "team"}).out == "imagestream/app\n"
    assert 'imagestream "default/app" not found' in isctl.fails("get", "is", "app")
    assert 'imagestream "team/nope" not found' in isctl.fails("get", "is", "nope", "-n", "team")

    # `ns/stream:tag` names a tag of another namespace as the source.
    push(client, "app", "1", B, namespace="team")
    assert isctl.ok("tag", "team/app:1", "app:copy") == f"Tag app:copy set to team/app@{B}.\n"
    assert istag_image(isctl, "app:copy") == B


def test_history_lists_every_move(isctl: Isctl, client: Client) -> None:
    push(client, "hist", "latest", A)
    push(client, "hist", "latest", B)
    isctl.ok("tag", "-d", "hist:latest")
    header, *rows = isctl.ok("history", "hist:latest").splitlines()
    assert re.split(r"\s{3,}", header) == ["POSITION", "CHANGE", "IMAGE", "PULL SPEC", "ACTOR", "CAUSE", "AGE"]
    assert [re.split(r"\s{3,}", r)[1:3] for r in rows] == [["moved", A], ["moved", B], ["deleted", "<none>"]]
    assert [re.split(r"\s{3,}", r)[5] for r in rows] == ["push", "push", "<none>"]
    entries = json.loads(isctl.ok("history", "hist:latest", "-o", "json"))["items"]
    assert [e["change"] for e in entries] == ["moved", "moved", "deleted"]
    newest = isctl.ok("history", "hist:latest", "--newest-first", "--cause=push", "-o", "json")
    assert [e["event"]["image"] for e in json.loads(newest)["items"]] == [B, A]


def test_rollback_puts_a_tag_back(isctl: Isctl, client: Client) -> None:
    push(client, "back", "2.0", A)
    isctl.ok("tag", "--alias", "back:2.0", "back:prod")
    push(client, "back", "2.0", B)
    assert isctl.ok("rollback", "istag/back:prod") == (
        f"Tag back:prod no longer tracks back:2.0; it is a permanent tag now, rolled back to revision 1 ({A}).\n"
    )
    assert istag_image(isctl, "back:prod") == A
    result = isctl.run("rollback", "back:prod", "--to-revision=9")
    assert result.code == 1 and "there is no revision 9" in result.err
    moves = json.loads(isctl.ok("history", "back:prod", "-o", "json"))["items"]
    assert isctl.ok("rollback", "back:prod", f"--as-of={moves[1]['position']}").endswith(f"revision 2 ({B}).\n")


def test_pin_holds_a_tag_and_describe_says_so(isctl: Isctl, client: Client) -> None:
    push(client, "held", "prod", A)
    assert isctl.ok("tag", "--pin", "held:prod", "--reason=incident 42") == "Tag held:prod pinned.\n"
    push(client, "held", "prod", B)
    assert istag_image(isctl, "held:prod") == A
    described = isctl.ok("describe", "is", "held")
    assert "pinned by " in described and ": incident 42" in described
    assert f"1 move left alone, the last by push to {REGISTRY}/held@{B}" in described
    skipped = json.loads(isctl.ok("history", "held:prod", "--cause=push", "-o", "json"))["items"]
    assert [e["change"] for e in skipped] == ["moved", "skipped"]
    assert isctl.ok("tag", "--unpin", "held:prod") == "Tag held:prod unpinned.\n"
    assert isctl.run("tag", "--pin", "held:prod", "--alias").code == 1


def test_as_of_reads_the_past(isctl: Isctl, client: Client) -> None:
    push(client, "past", "prod", A)
    position = json.loads(isctl.ok("history", "past:prod", "-o", "json"))["items"][0]["position"]
    push(client, "past", "prod", B)
    assert istag_image(isctl, "past:prod", f"--as-of={position}") == A
    described = isctl.ok("describe", "is", "past", f"--as-of={position}")
    assert A in described and B not in described
    assert isctl.run("get", "istag", "--as-of=yesterday").code != 0


def test_delete_streams_and_tags(isctl: Isctl, client: Client) -> None:
    push(client, "gone", "1", A)
    push(client, "gone", "2", B)
    assert isctl.ok("delete", "istag", "gone:1") == 'imagestreamtag "gone:1" deleted\n'
    assert isctl.ok("get", "istag", "-o", "name").count("imagestreamtag/gone:") == 1
    result = isctl.run("delete", "istag", "gone:nope", "gone:2")
    assert result.code == 1
    assert result.out == 'imagestreamtag "gone:2" deleted\n'  # one failure does not stop the others
    assert 'imagestreamtag "default/gone:nope" not found' in result.err
    assert isctl.ok("delete", "is", "gone") == 'imagestream "gone" deleted\n'
    assert 'imagestream "default/gone" not found' in isctl.fails("get", "is", "gone")


# -- errors -------------------------------------------------------------------------------------------------


def test_a_bad_tag_name_names_the_field(isctl: Isctl) -> None:
    err = isctl.fails("tag", "badtag:1", "badtag:-bad")
    assert err.startswith("error: destinations[0].tag: ")
    assert 'invalid tag "-bad" format' in err


def test_an_ambiguous_prefix_says_how_many_images_match(isctl: Isctl, client: Client) -> None:
    first, second = "sha256:ab" + "0" * 62, "sha256:ac" + "0" * 62
    push(client, "amb", "1", first)
    push(client, "amb", "2", second)
    err = isctl.fails("get", "isimage", "amb@a")
    assert '2 images of imagestream "default/amb" match the prefix "a"' in err
    assert isctl.ok("get", "isimage", "amb@ab", "-o", "name") == "imagestreamimage/amb@ab\n"


def test_a_missing_stream_is_not_found(isctl: Isctl) -> None:
    assert isctl.fails("get", "is", "nope") == 'error: imagestream "default/nope" not found\n'
    assert 'imagestream "default/nope" not found' in isctl.fails("describe", "is", "nope")


def test_an_unreachable_server_is_one_line(isctl: Isctl) -> None:
    err = isctl.fails("--server", "127.0.0.1:1", "get", "is")
    assert err.startswith("error: cannot reach the image streams server at 127.0.0.1:1: ")
    assert len(err.splitlines()) == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tag", "--alias", "-d", "x:y"], "--alias and --delete may not be both specified"),
        (["tag", "--source=istag", "-d", "x:y"], "cannot specify a source kind when deleting"),
        (["tag", "ruby:2.0", "nocolon"], '"nocolon" must be of the form <stream_name>:<tag>'),
        (["tag", "ruby:2.0", "a/b/c:d"], 'invalid image stream "a/b/c:d"'),
        (["tag", "--scheduled", "ruby:2.0", "ruby:x"], "only container images can have importing flags set"),
        (["tag", "--alias", "ruby:latest", "other:prod"], "cannot set alias across different Image Streams"),
        (["tag", "--reference-policy=remote", "ruby:2.0", "ruby:x"], "reference policy must be set to 'source' or"),
        (["tag", "--source=istag", "ruby", "ruby:x"], "--source=ImageStreamTag requires a valid <name>:<tag>"),
        (["tag", "--source=isimage", "quay.io/x@" + A, "x:y"], "server in SOURCE is only allowed when providing"),
        (["get", "istag", "ruby"], 'expected exactly one : delimiter in the istag "ruby"'),
    ],
)
def test_flag_errors_are_worded_like_oc(isctl: Isctl, args: list[str], message: str) -> None:
    err = isctl.fails(*args)
    assert err.startswith("error: ")
    assert message in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["tag", "ruby:2.0"], "you must specify a source and at least one destination"),
        (["tag", "--source=bogus", "x", "y:z"], 'invalid source "bogus"'),
        (["get", "things"], 'unknown resource type "things"'),
        (["get"], "the following arguments are required"),
        (["get", "is", "-o", "xml"], "invalid choice"),
    ],
)
def test_usage_errors_exit_2_with_usage(isctl: Isctl, args: list[str], message: str) -> None:
    err = isctl.fails(*args, code=2)
    assert err.startswith("usage: isctl")
    assert message in err


def test_help_lists_every_verb(isctl: Isctl) -> None:
    out = isctl.ok("--help")
    for verb in ("create", "get", "describe", "tag", "delete", "history", "export", "serve"):
        assert re.search(rf"^    {verb}\s", out, re.MULTILINE), verb
    assert "--alias" in isctl.ok("tag", "--help")
