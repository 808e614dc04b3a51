"""The registry client against a real registry (distribution 2.8): no auth, Basic auth and token auth.

Faults a real registry will not produce on demand are in test_registry_faults.py.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from google.protobuf import json_format
from imagestreams.v1 import resources_pb2 as pb
from imagestreams_server.importer import (
    ImportedImage,
    InsecureRequired,
    NotFound,
    RegistryClient,
    Unauthorized,
    Unchanged,
)

from tests.support import registry as support
from tests.support.registry import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_INDEX,
    OCI_MANIFEST,
    PASSWORD,
    USERNAME,
    BuiltImage,
    RunningRegistry,
    build_attestation,
    build_image,
    make_client,
    sha256,
)

# Session-scoped registries (tests/support/registry.py), made visible to this module's tests.
plain_registry = support.plain_registry
basic_registry = support.basic_registry
token_registry = support.token_registry


@dataclass(frozen=True)
class Catalogue:
    """What the module pushed to the plain registry, by name."""

    rich: BuiltImage
    oci: BuiltImage
    amd64: BuiltImage
    arm64: BuiltImage
    s390x: BuiltImage
    multi: str  # Docker list digest: amd64, arm64/v8, s390x
    no_amd64: str  # Docker list digest: arm64, s390x
    index_image: BuiltImage
    attestation: BuiltImage
    index: str  # OCI index digest: attestation, arm64, amd64 (OCI)
    attested_arm: str  # OCI index digest: attestation, then arm64 only


RICH_SETTINGS = {
    "Env": ["PATH=/usr/bin", "GREETING=hello"],
    "Cmd": ["serve", "--port=8080"],
    "Entrypoint": ["/app/run"],
    "Labels": {"org.opencontainers.image.title": "demo", "io.k8s.display-name": "Demo"},
    "ExposedPorts": {"8080/tcp": {}, "53/udp": {}},
    "User": "1001",
    "WorkingDir": "/app",
}


@pytest.fixture(scope="module")
def catalogue(plain_registry: RunningRegistry) -> Catalogue:
    with plain_registry.pusher() as push:
        rich = push.image(
            "demo/app",
            "v1",
            build_image(
                layer_texts=["base layer\n", "app layer\n", "base layer\n"],
                settings=RICH_SETTINGS,
                created="2024-01-02T05:04:05.5+02:00",
                author="Demo Team <demo@example.com>",
            ),
        )
        oci = push.image("demo/app", "oci", build_image(oci=True, layer_texts=["oci layer\n"]))
        amd64 = push.image("demo/app", None, build_image("amd64"))
        arm64 = push.image("demo/app", None, build_image("arm64", variant="v8"))
        s390x = push.image("demo/app", None, build_image("s390x"))
        multi, _ = push.image_list("demo/app", "multi", [amd64.entry(), arm64.entry(), s390x.entry()])
        no_amd64, _ = push.image_list("demo/app", "no-amd64", [arm64.entry(), s390x.entry()])
        index_image = push.image("demo/app", None, build_image("amd64", oci=True, layer_texts=["index amd64\n"]))
        arm_oci = push.image("demo/app", None, build_image("arm64", oci=True, layer_texts=["index arm64\n"]))
        attestation, annotations = build_attestation(index_image)
        push.image("demo/app", None, attestation)
        index, _ = push.image_list(
            "demo/app", "index", [attestation.entry(annotations), arm_oci.entry(), index_image.entry()], oci=True
        )
        attested_arm, _ = push.image_list(
            "demo/app", "attested-arm", [attestation.entry(annotations), arm_oci.entry()], oci=True
        )
    return Catalogue(rich, oci, amd64, arm64, s390x, multi, no_amd64, index_image, attestation, index, attested_arm)


@pytest.fixture
def client() -> Iterator[RegistryClient]:
    with make_client() as c:
        yield c


# -- single images ---------------------------------------------------------------------------------------------


def test_imports_a_docker_schema2_image_with_its_metadata(plain_registry, catalogue, client):
    image = client.import_image(f"{plain_registry.host}/demo/app:v1", insecure=True)

    rich = catalogue.rich
    assert isinstance(image, ImportedImage)
    assert image.digest == rich.digest == sha256(rich.manifest)
    assert image.source_digest == rich.digest
    assert image.docker_image_reference == f"{plain_registry.host}/demo/app@{rich.digest}"
    assert image.media_type == DOCKER_MANIFEST
    assert image.children == ()
    assert image.manifest_size == len(rich.manifest)
    base, app, _ = rich.layers
    assert image.metadata == {
        "metadata": {
            "id": rich.config_digest,
            "created": "2024-01-02T03:04:05.500Z",
            "author": "Demo Team <demo@example.com>",
            "architecture": "amd64",
            "os": "linux",
            "env": ["PATH=/usr/bin", "GREETING=hello"],
            "cmd": ["serve", "--port=8080"],
            "entrypoint": ["/app/run"],
            "labels": {"org.opencontainers.image.title": "demo", "io.k8s.display-name": "Demo"},
            "exposed_ports": ["53/udp", "8080/tcp"],
            "user": "1001",
            "working_dir": "/app",
            # The config's bytes plus each distinct layer once: the repeated base layer counts once.
            "size": str(len(rich.config) + len(base) + len(app)),
        },
        # Base first, as the manifest lists them, duplicates included.
        "layers": [
            {
                "name": sha256(layer),
                "size": str(len(layer)),
                "media_type": "application/vnd.docker.image.rootfs.diff.tar.gzip",
            }
            for layer in rich.layers
        ],
        "manifest_media_type": DOCKER_MANIFEST,
        "annotations": {"image.openshift.io/dockerLayersOrder": "ascending"},
    }


def test_metadata_is_exactly_what_the_proto_image_gives_as_a_dict(plain_registry, catalogue, client):
    image = client.import_image(f"{plain_registry.host}/demo/app:v1", insecure=True)
    assert isinstance(image, ImportedImage)

    message = json_format.ParseDict(image.metadata, pb.Image())
    assert json_format.MessageToDict(message, preserving_proto_field_name=True) == image.metadata
    assert message.metadata.size == int(image.metadata["metadata"]["size"])
    assert message.metadata.created.ToJsonString() == "2024-01-02T03:04:05.500Z"


def test_imports_by_digest_and_keeps_the_repository_as_written(plain_registry, catalogue, client):
    spec = f"{plain_registry.host}/demo/app@{catalogue.rich.digest}"
    image = client.import_image(spec, insecure=True)

    assert isinstance(image, ImportedImage)
    assert image.digest == catalogue.rich.digest
    assert image.docker_image_reference == spec


def test_imports_an_oci_image_manifest(plain_registry, catalogue, client):
    image = client.import_image(f"{plain_registry.host}/demo/app:oci", insecure=True)

    assert isinstance(image, ImportedImage)
    assert image.digest == catalogue.oci.digest
    assert image.media_type == OCI_MANIFEST
    assert image.metadata["layers"] == [
        {
            "name": sha256(catalogue.oci.layers[0]),
            "size": str(len(catalogue.oci.layers[0])),
            "media_type": "application/vnd.oci.image.layer.v1.tar+gzip",
        }
    ]
    assert image.metadata["metadata"]["created"] == "2024-01-02T03:04:05.123456789Z"


# -- manifest lists and indexes ------------------------------------------------------------------------------


def test_legacy_mode_picks_linux_amd64_from_a_list_by_default(plain_registry, catalogue, client):
    image = client.import_image(f"{plain_registry.host}/demo/app:multi", insecure=True)

    assert isinstance(image, ImportedImage)
    assert image.digest == catalogue.amd64.digest
    assert image.source_digest == catalogue.multi
    assert image.docker_image_reference == f"{plain_registry.host}/demo/app@{catalogue.amd64.digest}"
    assert image.media_type == DOCKER_MANIFEST
    assert image.metadata["metadata"]["architecture"] == "amd64"
    assert image.children == ()


@pytest.mark.parametrize(
    ("arch", "os_name", "expected"),
    [("arm64", "linux", "arm64"), ("s390x", "", "s390x"), ("riscv64", "linux", "amd64"), ("arm64", "windows", "amd64")],
)
def test_legacy_mode_prefers_the_asked_platform_ignoring_variant(
    plain_registry,
    catalogue,
    client,
    arch,
    os_name,
    expected,
):
    image = client.import_image(
        f"{plain_registry.host}/demo/app:multi", insecure=True, prefer_arch=arch, prefer_os=os_name
    )

    assert isinstance(image, ImportedImage)
    assert image.digest == getattr(catalogue, expected).digest


def test_legacy_mode_takes_the_first_entry_when_nothing_matches(plain_registry, catalogue, client):
    image = client.import_image(f"{plain_registry.host}/demo/app:no-amd64", insecure=True)

    assert isinstance(image, ImportedImage)
    assert image.digest == catalogue.arm64.digest
    assert image.source_digest == catalogue.no_amd64


def test_legacy_mode_never_picks_an_attestation(plain_registry, catalogue, client):
    image = client.import_image(f"{plain_registry.host}/demo/app:index", insecure=True)
    assert isinstance(image, ImportedImage)
    assert image.digest == catalogue.index_image.digest
    assert image.source_digest == catalogue.index

    # The attestation is first and there is no amd64: the first runnable entry wins, not the attestation.
    image = client.import_image(f"{plain_registry.host}/demo/app:attested-arm", insecure=True)
    assert isinstance(image, ImportedImage)
    assert image.metadata["metadata"]["architecture"] == "arm64"
    assert image.digest != catalogue.attestation.digest


def test_preserve_original_returns_the_index_and_every_child(plain_registry, catalogue, client):
    image = client.import_image(f"{plain_registry.host}/demo/app:index", insecure=True, import_mode="PreserveOriginal")

    assert isinstance(image, ImportedImage)
    assert image.digest == image.source_digest == catalogue.index
    assert image.media_type == OCI_INDEX
    assert image.is_list
    assert image.docker_image_reference == f"{plain_registry.host}/demo/app@{catalogue.index}"
    entries = image.metadata["manifests"]
    assert [e["architecture"] for e in entries] == ["unknown", "arm64", "amd64"]
    assert entries[0] == {
        "digest": catalogue.attestation.digest,
        "media_type": OCI_MANIFEST,
        "manifest_size": str(catalogue.attestation.size),
        "architecture": "unknown",
        "os": "unknown",
    }
    assert "layers" not in image.metadata and "metadata" not in image.metadata
    # Every child, attestation included, in list order, each fully imported.
    assert [c.digest for c in image.children] == [e["digest"] for e in entries]
    for child in image.children:
        assert child.docker_image_reference == f"{plain_registry.host}/demo/app@{child.digest}"
        assert child.metadata["metadata"]["id"].startswith("sha256:")
        assert child.children == ()
    json_format.ParseDict(image.metadata, pb.Image())  # the list's metadata is a valid Image too


def test_preserve_original_on_a_single_image_is_just_the_image(plain_registry, catalogue, client):
    image = client.import_image(f"{plain_registry.host}/demo/app:v1", insecure=True, import_mode="PreserveOriginal")

    assert isinstance(image, ImportedImage)
    assert image.digest == catalogue.rich.digest
    assert image.children == ()


def test_preserve_original_of_a_docker_list(plain_registry, catalogue, client):
    image = client.import_image(f"{plain_registry.host}/demo/app:multi", insecure=True, import_mode="PreserveOriginal")

    assert isinstance(image, ImportedImage)
    assert image.media_type == DOCKER_LIST
    assert [c.digest for c in image.children] == [
        catalogue.amd64.digest,
        catalogue.arm64.digest,
        catalogue.s390x.digest,
    ]
    assert image.metadata["manifests"][1]["variant"] == "v8"


def test_every_sample_kind_imports_with_the_digest_it_was_pushed_with(plain_registry, client):
    with plain_registry.pusher() as push:
        samples = support.push_samples(push, "samples/all")
    spec = f"{plain_registry.host}/samples/all"

    def digest_of(tag: str, **options: str) -> str:
        result = client.import_image(f"{spec}:{tag}", insecure=True, **options)
        assert isinstance(result, ImportedImage)
        return result.digest

    assert digest_of("single") == samples.single
    assert digest_of("oci") == samples.oci
    assert digest_of("multi") == samples.amd64
    assert digest_of("multi", prefer_arch="arm64") == samples.arm64
    assert digest_of("multi", import_mode="PreserveOriginal") == samples.multi
    assert digest_of("index") == samples.oci_amd64
    preserved = client.import_image(f"{spec}:index", insecure=True, import_mode="PreserveOriginal")
    assert isinstance(preserved, ImportedImage)
    assert [c.digest for c in preserved.children] == [samples.attestation, samples.oci_amd64]
    assert preserved.digest == samples.index


# -- HEAD first ----------------------------------------------------------------------------------------------


def test_an_unchanged_tag_costs_one_head_and_no_get(plain_registry, catalogue, client):
    spec = f"{plain_registry.host}/demo/app:v1"
    first = client.import_image(spec, insecure=True)
    assert isinstance(first, ImportedImage)
    client.requests.reset()

    again = client.import_image(spec, insecure=True, last_digest=first.source_digest)

    assert again == Unchanged(first.digest, f"{plain_registry.host}/demo/app@{first.digest}")
    host = plain_registry.host
    assert client.requests.count(host, "HEAD", "manifest") == 1
    assert client.requests.count(host, "GET") == 0
    assert client.requests.count() == 1


def test_an_unchanged_multi_platform_tag_also_costs_one_head(plain_registry, catalogue, client):
    spec = f"{plain_registry.host}/demo/app:multi"
    first = client.import_image(spec, insecure=True)
    assert isinstance(first, ImportedImage)
    client.requests.reset()

    again = client.import_image(spec, insecure=True, last_digest=first.source_digest)

    assert isinstance(again, Unchanged)
    assert again.digest == catalogue.multi
    assert client.requests.count(method="GET") == 0
    assert client.requests.count(method="HEAD") == 1


def test_check_is_a_single_head(plain_registry, catalogue, client):
    spec = f"{plain_registry.host}/demo/app:v1"
    client.check(spec, insecure=True)  # ping once
    client.requests.reset()

    same = client.check(spec, catalogue.rich.digest, insecure=True)
    other = client.check(spec, catalogue.oci.digest, insecure=True)

    assert same.unchanged and same.digest == catalogue.rich.digest
    assert same.media_type == DOCKER_MANIFEST and same.size == catalogue.rich.size
    assert same.docker_image_reference == f"{plain_registry.host}/demo/app@{catalogue.rich.digest}"
    assert not other.unchanged and other.digest == catalogue.rich.digest
    assert client.requests.count(method="HEAD", kind="manifest") == 2
    assert client.requests.count(method="GET") == 0


def test_a_moved_tag_is_fetched_again(plain_registry, client):
    spec = f"{plain_registry.host}/demo/moving:latest"
    with plain_registry.pusher() as push:
        before = push.image("demo/moving", "latest", build_image(layer_texts=["before\n"]))
    first = client.import_image(spec, insecure=True)
    assert isinstance(first, ImportedImage) and first.digest == before.digest
    with plain_registry.pusher() as push:
        after = push.image("demo/moving", "latest", build_image(layer_texts=["after\n"]))
    client.requests.reset()

    assert not client.check(spec, first.digest, insecure=True).unchanged
    second = client.import_image(spec, insecure=True, last_digest=first.source_digest)

    assert isinstance(second, ImportedImage)
    assert second.digest == after.digest
    assert client.requests.count(method="HEAD") == 2
    assert client.requests.count(method="GET", kind="manifest") == 1
    assert client.requests.count(method="GET", kind="blob") == 1


def test_a_digest_reference_already_seen_needs_no_request_at_all(plain_registry, catalogue, client):
    digest = catalogue.rich.digest
    result = client.import_image(f"{plain_registry.host}/demo/app@{digest}", insecure=True, last_digest=digest)

    assert result == Unchanged(digest, f"{plain_registry.host}/demo/app@{digest}")
    assert client.requests.count() == 0


# -- tags and failures ------------------------------------------------------------------------------------------


def test_lists_the_tags_of_a_repository(plain_registry, catalogue, client):
    tags = client.list_tags(f"{plain_registry.host}/demo/app", insecure=True)

    assert sorted(tags) == ["attested-arm", "index", "multi", "no-amd64", "oci", "v1"]
    assert client.requests.count(kind="tags") == 1


def test_an_unknown_tag_or_repository_is_not_found(plain_registry, catalogue, client):
    host = plain_registry.host
    with pytest.raises(NotFound) as missing_tag:
        client.import_image(f"{host}/demo/app:nope", insecure=True)
    assert missing_tag.value.reason == "NotFound"
    assert missing_tag.value.message == f'dockerimage.image.openshift.io "{host}/demo/app:nope" not found'

    with pytest.raises(NotFound):
        client.check(f"{host}/demo/app:nope", insecure=True)
    with pytest.raises(NotFound) as missing_repo:
        client.list_tags(f"{host}/demo/nothing-here", insecure=True)
    assert missing_repo.value.message == f'dockerimage.image.openshift.io "{host}/demo/nothing-here" not found'


def test_a_plain_http_registry_needs_the_insecure_flag(plain_registry, catalogue, client):
    with pytest.raises(InsecureRequired) as failure:
        client.import_image(f"{plain_registry.host}/demo/app:v1")

    assert failure.value.reason == "BadRequest"
    assert failure.value.message == (
        f"the repository {plain_registry.host}/demo/app is HTTP only and requires the insecure flag to import"
    )


# -- Basic auth ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def basic_image(basic_registry: RunningRegistry) -> BuiltImage:
    with basic_registry.pusher() as push:
        return push.image("team/private", "1.0", build_image(layer_texts=["basic\n"]))


def test_basic_auth_with_credentials_from_a_mapping_or_a_function(basic_registry, basic_image):
    spec = f"{basic_registry.host}/team/private:1.0"
    with make_client(credentials={basic_registry.host: (USERNAME, PASSWORD)}) as client:
        image = client.import_image(spec, insecure=True)
        assert isinstance(image, ImportedImage) and image.digest == basic_image.digest
        assert client.requests.count(kind="token") == 0

    asked: list[str] = []

    def lookup(host: str) -> tuple[str, str] | None:
        asked.append(host)
        return (USERNAME, PASSWORD) if host == basic_registry.host else None

    with make_client() as client:
        # Credentials given to a call win over the client's (none here).
        image = client.import_image(spec, insecure=True, credentials=lookup)
        assert isinstance(image, ImportedImage) and image.digest == basic_image.digest
    assert asked == [basic_registry.host]


def test_basic_auth_without_credentials_is_unauthorized(basic_registry, basic_image):
    with make_client() as client, pytest.raises(Unauthorized) as failure:
        client.import_image(f"{basic_registry.host}/team/private:1.0", insecure=True)

    assert failure.value.message == (
        f'you may not have access to the container image "{basic_registry.host}/team/private:1.0" and did not '
        "have credentials to the repository"
    )


def test_basic_auth_with_a_wrong_password_says_so_and_never_shows_it(
    basic_registry,
    basic_image,
    caplog,
):
    caplog.set_level(logging.DEBUG)
    wrong = "Wr0ng-Secret-Value"
    with make_client(credentials={basic_registry.host: (USERNAME, wrong)}) as client:
        with pytest.raises(Unauthorized) as failure:
            client.import_image(f"{basic_registry.host}/team/private:1.0", insecure=True)
        with pytest.raises(Unauthorized) as tags_failure:
            client.list_tags(f"{basic_registry.host}/team/private", insecure=True)

    assert failure.value.message == (
        f'incorrect username or password for image "{basic_registry.host}/team/private:1.0"'
    )
    _assert_no_secret(
        [failure.value.message, tags_failure.value.message, repr(failure.value)],
        caplog,
        [wrong, f"{USERNAME}:{wrong}", base64.b64encode(f"{USERNAME}:{wrong}".encode()).decode()],
    )


# -- token auth ------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def token_images(token_registry: RunningRegistry) -> dict[str, BuiltImage]:
    with token_registry.pusher() as push:
        return {
            "private": push.image("private/app", "1.0", build_image(layer_texts=["private\n"])),
            "public": push.image("public/app", "1.0", build_image(layer_texts=["public\n"])),
        }


def test_token_auth_with_credentials_fetches_one_token_and_reuses_it(token_registry, token_images):
    server = token_registry.token_server
    assert server is not None
    spec = f"{token_registry.host}/private/app:1.0"
    with make_client(credentials={token_registry.host: (USERNAME, PASSWORD)}) as client:
        before = len(server.requests)
        first = client.import_image(spec, insecure=True)
        second = client.import_image(spec, insecure=True)
        unchanged = client.check(spec, token_images["private"].digest, insecure=True)

    assert isinstance(first, ImportedImage) and first.digest == token_images["private"].digest
    assert second == first
    assert unchanged.unchanged
    fetched = server.requests[before:]
    assert [(r.username, r.scope) for r in fetched] == [(USERNAME, "repository:private/app:pull")]
    assert client.requests.count(kind="token") == 1


def test_anonymous_tokens_reach_public_repositories_only(token_registry, token_images):
    with make_client() as client:
        image = client.import_image(f"{token_registry.host}/public/app:1.0", insecure=True)
        assert isinstance(image, ImportedImage) and image.digest == token_images["public"].digest
        with pytest.raises(Unauthorized) as failure:
            client.import_image(f"{token_registry.host}/private/app:1.0", insecure=True)

    assert failure.value.message == (
        f'you may not have access to the container image "{token_registry.host}/private/app:1.0"'
    )


def test_a_wrong_password_falls_back_to_anonymous_as_openshift_does(token_registry, token_images):
    with make_client(credentials={token_registry.host: (USERNAME, "not-the-password")}) as client:
        image = client.import_image(f"{token_registry.host}/public/app:1.0", insecure=True)
        assert isinstance(image, ImportedImage) and image.digest == token_images["public"].digest
        with pytest.raises(Unauthorized) as failure:
            client.import_image(f"{token_registry.host}/private/app:1.0", insecure=True)

    assert failure.value.message == (
        f'incorrect username or password for image "{token_registry.host}/private/app:1.0"'
    )


def test_a_token_is_never_reused_for_other_credentials(token_registry, token_images):
    spec = f"{token_registry.host}/private/app:1.0"
    with make_client(credentials={token_registry.host: (USERNAME, PASSWORD)}) as client:
        assert isinstance(client.import_image(spec, insecure=True), ImportedImage)
        # The same client, the same scope, but this call brings no credentials: alice's token must not serve.
        with pytest.raises(Unauthorized):
            client.import_image(spec, insecure=True, credentials={})


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_cached_token_is_fetched_again_after_it_expires(token_registry, token_images):
    server = token_registry.token_server
    assert server is not None
    clock = FakeClock()
    spec = f"{token_registry.host}/private/app:1.0"
    with make_client(credentials={token_registry.host: (USERNAME, PASSWORD)}, clock=clock) as client:
        client.check(spec, insecure=True)
        clock.now += 200  # within the token's 300 s
        client.check(spec, insecure=True)
        assert client.requests.count(kind="token") == 1
        clock.now += 200  # past it
        client.check(spec, insecure=True)
        assert client.requests.count(kind="token") == 2


def test_no_credential_or_token_appears_in_failures_or_logs(token_registry, basic_registry, token_images, caplog):
    caplog.set_level(logging.DEBUG)
    token_host, basic_host = token_registry.host, basic_registry.host
    good, bad = (USERNAME, PASSWORD), (USERNAME, "bad-" + PASSWORD)
    cases = [
        # (credentials, pull spec, insecure)
        ({token_host: good}, f"{token_host}/private/app:1.0", True),  # succeeds: a token is in play
        ({token_host: good}, f"{token_host}/private/nothing:1", True),  # not found, with a token
        ({token_host: good}, f"{token_host}/private/app:1.0", False),  # HTTP only
        ({token_host: bad}, f"{token_host}/private/app:1.0", True),  # wrong password
        ({basic_host: good}, f"{basic_host}/team/nothing:1", True),  # not found, with Basic auth
        ({basic_host: bad}, f"{basic_host}/team/nothing:1", True),  # wrong password
    ]
    messages: list[str] = []
    for credentials, spec, insecure in cases:
        with make_client(credentials=credentials) as client:
            try:
                client.import_image(spec, insecure=insecure)
                client.list_tags(spec.rsplit(":", 1)[0], insecure=insecure)
            except Exception as e:  # every failure message is inspected
                messages += [str(e), repr(e)]
    assert len(messages) == 2 * 5
    server = token_registry.token_server
    assert server is not None and server.issued
    secrets = [PASSWORD, "bad-" + PASSWORD]
    secrets += [base64.b64encode(f"{user}:{password}".encode()).decode() for user, password in (good, bad)]
    _assert_no_secret(messages, caplog, secrets + server.issued)


def _assert_no_secret(messages: list[str], caplog: pytest.LogCaptureFixture, secrets: list[str]) -> None:
    texts = messages + [record.getMessage() for record in caplog.records]
    for secret in secrets:
        for text in texts:
            assert secret not in text
