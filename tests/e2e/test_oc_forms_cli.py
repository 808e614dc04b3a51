"""What an OpenShift user types works as written: `--flag=true|false` on every verb, `TYPE/NAME` and several
names, flags anywhere on the line, `--version`, server addresses as `oc` takes them, and the same NOT_FOUND
for a typo'd name on every verb."""

from __future__ import annotations

import json
import socket
import time

import pytest
import yaml
from imagestreams_client import Client

from tests.e2e.support import Isctl, digest, push

A, B = digest("a"), digest("b")
SOURCE = f"registry.example.com/team/forms@{A}"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def spec_tag(isctl: Isctl, stream: str, tag: str, *flags: str) -> dict:
    document = json.loads(isctl.ok("get", "is", stream, "-o", "json", *flags))
    return next(t for t in document["spec"]["tags"] if t["name"] == tag)


# -- 1. booleans in OpenShift's form ---------------------------------------------------------------------------


def test_tag_takes_boolean_flags_with_values(isctl: Isctl) -> None:
    isctl.ok("tag", SOURCE, "fbool:2.0")
    isctl.ok("tag", "fbool:2.0", "fbool:latest")
    assert "set up to track fbool:latest" in isctl.ok("tag", "--alias=true", "fbool:latest", "fbool:prod")
    assert spec_tag(isctl, "fbool", "prod")["from"]["kind"] == "ImageStreamTag"
    # --alias=false is a plain tag: a copy by image.
    isctl.ok("tag", "--alias=false", "fbool:latest", "fbool:copy")
    assert spec_tag(isctl, "fbool", "copy")["from"]["kind"] == "ImageStreamImage"
    isctl.ok("tag", "--scheduled=true", "--insecure=true", "registry.example.com/team/forms:1", "fbool:sched")
    policy = spec_tag(isctl, "fbool", "sched")["importPolicy"]
    assert policy.get("scheduled") is True and policy.get("insecure") is True
    isctl.ok("tag", "--scheduled=false", "--insecure=false", "registry.example.com/team/forms:2", "fbool:plain")
    policy = spec_tag(isctl, "fbool", "plain").get("importPolicy", {})
    assert not policy.get("scheduled") and not policy.get("insecure")
    isctl.ok("tag", "--delete=true", "fbool:plain")
    assert "plain" not in isctl.ok("get", "istag")


@pytest.mark.parametrize(
    "args",
    [
        ["get", "is", "--all-namespaces=false"],
        ["get", "is", "--all-namespaces=true"],
        ["import-image", "fbool-missing", "--from=registry.example.com/x/y:1", "--confirm=false"],
        ["create", "is", "fbool-local", "--lookup-local=true"],
        ["watch", "--snapshot=false", "--from=0", "--help"],
        ["secrets", "new-dockercfg", "x", "--docker-username=u", "--docker-password-stdin=false", "--help"],
    ],
)
def test_every_verb_takes_flag_equals_value(isctl: Isctl, args: list[str]) -> None:
    result = isctl.run(*args)
    assert "ignored explicit argument" not in result.err
    assert "unknown flag" not in result.err and "unrecognized arguments" not in result.err


def test_a_bad_boolean_value_is_a_usage_error(isctl: Isctl) -> None:
    err = isctl.fails("tag", "--alias=maybe", "fbool:latest", "fbool:x", code=2)
    assert 'invalid boolean value "maybe"' in err


# -- 2. resource forms -----------------------------------------------------------------------------------------


def test_type_slash_name_on_every_reading_verb(isctl: Isctl, client: Client) -> None:
    push(client, "fslash", "latest", A)
    assert json.loads(isctl.ok("get", "is/fslash", "-o", "json"))["metadata"]["name"] == "fslash"
    assert json.loads(isctl.ok("get", "imagestream/fslash", "-o", "json"))["metadata"]["name"] == "fslash"
    assert isctl.ok("get", "istag/fslash:latest", "-o", "name") == "imagestreamtag/fslash:latest\n"
    assert isctl.ok("get", "imagestreamtags/fslash:latest", "-o", "name") == "imagestreamtag/fslash:latest\n"
    assert isctl.ok("get", "isimage/fslash@" + A[7:19], "-o", "name").startswith("imagestreamimage/fslash@")
    assert "Name:\t\t\tfslash" in isctl.ok("describe", "is/fslash")
    described = isctl.ok("describe", "istag/fslash:latest")
    assert "Image Name:" in described and "fslash:latest" in described and A in described
    assert A in isctl.ok("describe", "imagestreamimage", "fslash@" + A[7:19])
    assert A in isctl.ok("export", "isimage/fslash@" + A[7:19])
    # Several types at once, as kubectl takes them.
    both = isctl.ok("get", "is/fslash", "istag/fslash:latest", "-o", "name")
    assert both == "imagestream/fslash\nimagestreamtag/fslash:latest\n"


def test_delete_type_slash_name(isctl: Isctl, client: Client) -> None:
    push(client, "fdel", "a", A)
    push(client, "fdel", "b", B)
    assert isctl.ok("delete", "istag/fdel:a", "imagestreamtag/fdel:b") == (
        'imagestreamtag "fdel:a" deleted\nimagestreamtag "fdel:b" deleted\n'
    )
    assert isctl.ok("delete", "imagestreams/fdel") == 'imagestream "fdel" deleted\n'


def test_names_after_flags_and_n_anywhere(isctl: Isctl, client: Client) -> None:
    push(client, "fapp", "latest", A, namespace="cli-forms")
    push(client, "fweb", "latest", B, namespace="cli-forms")
    out = isctl.ok("get", "is", "-n", "cli-forms", "fapp", "-o", "name")
    assert out == "imagestream/fapp\n"
    out = isctl.ok("get", "-o", "name", "is", "fapp", "-n", "cli-forms", "fweb")
    assert out == "imagestream/fapp\nimagestream/fweb\n"
    assert isctl.ok("delete", "is", "-n", "cli-forms", "fweb") == 'imagestream "fweb" deleted\n'


def test_mixing_type_slash_name_with_a_bare_name_is_refused(isctl: Isctl) -> None:
    err = isctl.fails("get", "is/fslash", "other", code=2)
    assert '"other" is not TYPE/NAME' in err


# -- 5. version, unknown flags, server addresses, NOT_FOUND, typed field names -------------------------------


def test_version_names_the_client_and_reaches_the_server(isctl: Isctl) -> None:
    result = isctl.run("--version")
    assert result.code == 0
    assert result.out.startswith("Client Version: ")
    assert "Server Version: unknown" in result.out


def test_version_without_a_server_still_prints_the_client(isctl: Isctl) -> None:
    result = isctl.run("--server", "127.0.0.1:1", "--version")
    assert result.code == 0
    assert result.out.startswith("Client Version: ")
    assert "Server Version: unknown: cannot reach the image streams server at 127.0.0.1:1" in result.err


def test_an_unknown_flag_is_named_with_the_verbs_usage(isctl: Isctl) -> None:
    err = isctl.fails("get", "is", "--bogus=1", code=2)
    assert err.startswith("usage: isctl get")
    assert "unknown flag: --bogus" in err


def test_server_addresses_as_oc_takes_them(isctl: Isctl, server_address: str) -> None:
    host, port = server_address.rsplit(":", 1)
    assert isctl.run("--server", f"http://{host}:{port}", "get", "is").code == 0
    # A bare host is the service's port, 50051 (nothing listens there in the tests).
    assert "127.0.0.1:50051" in isctl.fails("--server", "127.0.0.1", "get", "is")
    err = isctl.fails("--server", "ftp://x", "get", "is")
    assert 'unsupported scheme "ftp"' in err
    assert "has no path" in isctl.fails("--server", f"http://{host}:{port}/api", "get", "is")


@pytest.mark.parametrize(
    "args",
    [
        ["history", "frubby:latest"],
        ["history", "frubby"],
        ["get", "is", "frubby"],
        ["get", "istag", "frubby:latest"],
        ["get", "isimage", "frubby@abc"],
        ["describe", "is", "frubby"],
        ["describe", "istag/frubby:latest"],
        ["export", "isimage", "frubby@abc"],
        ["delete", "is", "frubby"],
        ["delete", "istag/frubby:latest"],
        ["tag", "frubby:latest", "fother:latest"],
        ["tag", "-d", "frubby:latest"],
    ],
)
def test_a_typod_stream_is_not_found_on_every_verb(isctl: Isctl, args: list[str]) -> None:
    assert isctl.fails(*args) == 'error: imagestream "default/frubby" not found\n'


def test_errors_name_fields_as_typed(isctl: Isctl) -> None:
    err = isctl.fails("create", "is", "Bad_Name")
    assert err.startswith('error: name: invalid image stream name "Bad_Name"')
    assert isctl.fails("get", "istag", "Bad:x").startswith('error: name: invalid image stream name "Bad"')


# -- 4. output in OpenShift's shapes ---------------------------------------------------------------------------


def test_istag_isimage_and_lists_in_openshifts_shapes(isctl: Isctl, client: Client) -> None:
    push(client, "fshape", "latest", A)
    isctl.ok("tag", "--reference-policy=local", "fshape:latest", "fshape:local")
    tag = yaml.safe_load(isctl.ok("get", "istag", "fshape:local", "-o", "yaml"))
    assert tag["kind"] == "ImageStreamTag"
    assert tag["tag"]["referencePolicy"] == {"type": "Local"}
    assert tag["tag"]["importPolicy"]["importMode"] == "Legacy"
    assert isinstance(tag["generation"], int) and isinstance(tag["tag"]["generation"], int)
    assert tag["lookupPolicy"] == {"local": False}
    listed = json.loads(isctl.ok("get", "istag", "-o", "json"))
    assert listed["kind"] == "List" and {"ImageStreamTag"} == {i["kind"] for i in listed["items"]}
    image = yaml.safe_load(isctl.ok("get", "isimage", "fshape@" + A[7:19], "-o", "yaml"))
    assert (image["kind"], image["metadata"]["name"]) == ("ImageStreamImage", f"fshape@{A}")
    stream = isctl.ok("get", "is", "fshape", "-o", "yaml")
    assert "REFERENCE_POLICY_TYPE" not in stream and "generation: '" not in stream
    message = json.loads(isctl.ok("get", "istag", "fshape:local", "-o", "proto-json"))
    assert message["spec"]["reference_policy"]["type"] == "REFERENCE_POLICY_TYPE_LOCAL"


def test_output_name_wide_jsonpath_and_custom_columns(isctl: Isctl, client: Client) -> None:
    push(client, "fout", "1.0", A)
    push(client, "fout", "2.0", B)
    assert isctl.ok("get", "istag", "fout:1.0", "-o", "name") == "imagestreamtag/fout:1.0\n"
    header = isctl.ok("get", "is", "fout", "-o", "wide").splitlines()[0]
    assert header.split("   ")[0] == "NAME" and "GENERATION" in header
    assert len(header.split()) > len(isctl.ok("get", "is", "fout").splitlines()[0].split())
    assert "IMAGE NAME" in isctl.ok("get", "istag", "fout:1.0", "-o", "wide")
    out = isctl.ok("get", "istag", "fout:1.0", "-o", "jsonpath={.image.metadata.name}")
    assert out == A
    template = 'jsonpath={range .items[*]}{.metadata.name}{"\\n"}{end}'
    assert isctl.ok("get", "istag", "fout:1.0", "fout:2.0", "-o", template) == "fout:1.0\nfout:2.0\n"
    assert isctl.ok("get", "is", "fout", "-o", "jsonpath={.spec.lookupPolicy.local}") == "false"
    columns = isctl.ok(
        "get", "istag", "fout:2.0", "-o", "custom-columns=NAME:.metadata.name,IMAGE:.image.metadata.name"
    )
    assert columns.splitlines()[0].split() == ["NAME", "IMAGE"]
    assert columns.splitlines()[1].split() == ["fout:2.0", B]
    missing = isctl.ok("get", "is", "fout", "-o", "custom-columns=NAME:.metadata.name,REPO:.spec.nothing")
    assert missing.splitlines()[1].split() == ["fout", "<none>"]
    assert "invalid choice" in isctl.fails("get", "is", "-o", "xml", code=2)


# -- 3. tag by short image id, --source ------------------------------------------------------------------------


def test_tag_by_a_short_image_id(isctl: Isctl, client: Client) -> None:
    push(client, "fbyid", "latest", A)
    assert isctl.ok("tag", "fbyid@" + A[7:14], "fbyid:byid") == f"Tag fbyid:byid set to fbyid@{A}.\n"
    assert spec_tag(isctl, "fbyid", "byid")["from"] == {"kind": "ImageStreamImage", "name": f"fbyid@{A}"}
    isctl.ok("tag", "--source=isimage", "fbyid@sha256:" + A[7:14], "fbyid:byid2")
    assert spec_tag(isctl, "fbyid", "byid2")["from"]["name"] == f"fbyid@{A}"
    assert 'imagestreamimage "default/fbyid@bbb" not found' in isctl.fails("tag", "fbyid@bbb", "fbyid:x")


@pytest.mark.parametrize(
    ("source", "kind"),
    [("docker", "DockerImage"), ("imagestreamtag", "ImageStreamImage"), ("istag", "ImageStreamImage")],
)
def test_source_says_which_kind_a_source_is(isctl: Isctl, client: Client, source: str, kind: str) -> None:
    push(client, "fsrc", "latest", A)
    isctl.ok("tag", f"--source={source}", "fsrc:latest", f"fsrc:{source}")
    # A copy of a stream tag is recorded by image, as `oc tag` does; a docker source as typed.
    assert spec_tag(isctl, "fsrc", source)["from"]["kind"] == kind


# -- 6. a watch of a server that never answers gives up ---------------------------------------------------------


def test_watch_gives_up_on_a_server_that_never_answered(isctl: Isctl) -> None:
    started = time.monotonic()
    err = isctl.fails("--server", f"127.0.0.1:{free_port()}", "watch", "--connect-timeout=2s")
    assert time.monotonic() - started < 30
    assert "no answer in 2s, giving up" in err.splitlines()[-1]
    assert err.splitlines()[-1].startswith("error: cannot reach the image streams server at 127.0.0.1:")


def test_watch_connect_timeout_takes_a_duration(isctl: Isctl) -> None:
    assert "--connect-timeout" in isctl.fails("watch", "--connect-timeout=soon")
