"""The registry client against a misbehaving registry (tests/support/faulty_registry.py): what a real
registry will not do on demand, such as hanging, failing and recovering, lying about digests, paging tags."""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
from collections.abc import Iterator

import pytest
from imagestreams_server.importer import (
    ContentIntegrityError,
    Forbidden,
    HostLimits,
    ImportedImage,
    InternalError,
    NotFound,
    NotV2Registry,
    RateLimited,
    RegistryTimeout,
    RegistryUnavailable,
    RetryPolicy,
    Unauthorized,
    Unchanged,
    UnsupportedManifest,
)

from tests.support.faulty_registry import FaultyRegistry, closed_port
from tests.support.registry import (
    DOCKER_LIST,
    DOCKER_MANIFEST,
    OCI_MANIFEST,
    PASSWORD,
    USERNAME,
    BuiltImage,
    build_image,
    list_body,
    make_client,
    sha256,
)


@pytest.fixture
def registry() -> Iterator[FaultyRegistry]:
    with FaultyRegistry() as r:
        yield r


@pytest.fixture
def image(registry: FaultyRegistry) -> BuiltImage:
    return registry.add_image("demo/app", "v1", build_image(layer_texts=["faulty\n"]))


def manifest_path(ref: str = "v1") -> str:
    return f"/v2/demo/app/manifests/{ref}"


# -- down, hanging, failing and recovering ------------------------------------------------------------------


def test_a_registry_that_is_down_is_unavailable_after_bounded_retries():
    host = closed_port()
    started = time.monotonic()
    with make_client() as client, pytest.raises(RegistryUnavailable) as failure:
        client.import_image(f"{host}/demo/app:v1", insecure=True)

    assert failure.value.reason == "Unavailable"
    assert failure.value.message.startswith(f"{host}/demo/app:v1: cannot connect to {host}")
    assert "after 3 attempts" in failure.value.message
    assert time.monotonic() - started < 3
    # One HTTPS probe, then three plain-HTTP attempts.
    assert client.requests.count(host, "GET", "ping") == 4


def test_a_hanging_registry_times_out_within_the_attempts_allowed(registry, image):
    registry.fail("GET", manifest_path(), delay=5, status=0, times=None)
    retry = RetryPolicy(max_attempts=2, backoff=0.01, total_timeout=10)
    started = time.monotonic()
    with make_client(timeout=0.3, retry=retry) as client, pytest.raises(RegistryTimeout) as failure:
        client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert failure.value.reason == "Timeout"
    assert (
        failure.value.message == f"{registry.host}/demo/app:v1: timed out talking to {registry.host} (after 2 attempts)"
    )
    assert time.monotonic() - started < 3
    assert registry.count("GET", manifest_path()) == 2


def test_the_whole_call_stops_at_its_deadline(registry, image):
    registry.fail("GET", manifest_path(), delay=5, status=0, times=None)
    retry = RetryPolicy(max_attempts=10, backoff=0.01, total_timeout=0.8)
    started = time.monotonic()
    with make_client(timeout=5, retry=retry) as client, pytest.raises(RegistryTimeout):
        client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert time.monotonic() - started < 2


def test_429_with_retry_after_is_waited_out_then_succeeds(registry, image):
    registry.fail(
        "GET",
        manifest_path(),
        status=429,
        headers={"Retry-After": "1"},
        body={"errors": [{"code": "TOOMANYREQUESTS", "message": "slow down"}]},
    )
    started = time.monotonic()
    with make_client() as client:
        result = client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert isinstance(result, ImportedImage) and result.digest == image.digest
    assert time.monotonic() - started >= 0.95  # Retry-After honoured, not the 10 ms backoff
    assert registry.count("GET", manifest_path()) == 2
    assert client.requests.count(registry.host, "GET", "manifest") == 2


def test_a_retry_after_beyond_what_we_would_wait_fails_at_once(registry, image):
    registry.fail(
        "GET",
        manifest_path(),
        status=429,
        headers={"Retry-After": "3600"},
        body={"errors": [{"code": "TOOMANYREQUESTS", "message": "You have reached your pull rate limit."}]},
    )
    started = time.monotonic()
    with make_client() as client, pytest.raises(RateLimited) as failure:
        client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert failure.value.reason == "RateLimited"
    assert failure.value.message == (
        f"{registry.host}/demo/app:v1: toomanyrequests: You have reached your pull rate limit."
    )
    assert time.monotonic() - started < 1
    assert registry.count("GET", manifest_path()) == 1


def test_429_for_ever_is_rate_limited_after_the_attempts_allowed(registry, image):
    registry.fail("GET", manifest_path(), status=429, headers={"Retry-After": "0"}, times=None)
    with make_client() as client, pytest.raises(RateLimited) as failure:
        client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert failure.value.message.endswith("(after 3 attempts)")
    assert registry.count("GET", manifest_path()) == 3


@pytest.mark.parametrize("status", [500, 502, 503, 504])
def test_a_5xx_then_success_is_retried(registry, image, status):
    registry.fail("GET", manifest_path(), status=status)
    registry.fail("GET", f"/v2/demo/app/blobs/{image.config_digest}", status=status)
    with make_client() as client:
        result = client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert isinstance(result, ImportedImage) and result.digest == image.digest
    assert registry.count("GET", manifest_path()) == 2


def test_5xx_for_ever_is_unavailable(registry, image):
    registry.fail("GET", manifest_path(), status=503, times=None)
    with make_client() as client, pytest.raises(RegistryUnavailable) as failure:
        client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert failure.value.message == (
        f"{registry.host}/demo/app:v1: received unexpected HTTP status: 503 Service Unavailable (after 3 attempts)"
    )


def test_failures_that_are_not_transient_are_not_retried(registry, image):
    registry.fail(
        "GET",
        manifest_path(),
        status=400,
        body={"errors": [{"code": "TAG_INVALID", "message": "manifest tag did not match URI"}]},
    )
    with make_client() as client, pytest.raises(InternalError) as failure:
        client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert failure.value.reason == "InternalError"
    assert failure.value.message == (
        f"Internal error occurred: {registry.host}/demo/app:v1: tag invalid: manifest tag did not match URI"
    )
    assert registry.count("GET", manifest_path()) == 1


# -- what the registry answers ------------------------------------------------------------------------------


def test_unknown_tag_and_unknown_repository_are_not_found(registry, image):
    with make_client() as client:
        with pytest.raises(NotFound) as tag:
            client.import_image(f"{registry.host}/demo/app:missing", insecure=True)
        with pytest.raises(NotFound) as repository:
            client.import_image(f"{registry.host}/demo/other:v1", insecure=True)
        with pytest.raises(NotFound):
            client.list_tags(f"{registry.host}/demo/other", insecure=True)

    assert tag.value.message == f'dockerimage.image.openshift.io "{registry.host}/demo/app:missing" not found'
    assert repository.value.message == f'dockerimage.image.openshift.io "{registry.host}/demo/other:v1" not found'


def test_401_without_a_challenge_is_unauthorized(registry, image):
    registry.fail("GET", manifest_path(), status=401, body={"errors": [{"code": "UNAUTHORIZED", "message": "no"}]})
    with make_client() as client, pytest.raises(Unauthorized) as failure:
        client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert failure.value.reason == "Unauthorized"
    assert failure.value.message.startswith(
        f'you may not have access to the container image "{registry.host}/demo/app:v1"'
    )


def test_403_is_forbidden(registry, image):
    registry.fail(
        "GET",
        manifest_path(),
        status=403,
        body={"errors": [{"code": "DENIED", "message": "requested access to the resource is denied"}]},
    )
    with make_client() as client, pytest.raises(Forbidden) as failure:
        client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert failure.value.message == (f"{registry.host}/demo/app:v1: denied: requested access to the resource is denied")


def test_a_server_that_is_not_a_v2_registry(registry, image):
    registry.ping_status = 404
    with make_client() as client, pytest.raises(NotV2Registry) as failure:
        client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert failure.value.reason == "NotV2Registry"
    assert failure.value.message == f'registry "{registry.host}" does not support the v2 Registry API'


def test_a_malformed_manifest_is_an_internal_error(registry):
    registry.add_manifest("demo/app", b'{"schemaVersion": 2, "mediaType": ', DOCKER_MANIFEST, tag="v1")
    with make_client() as client, pytest.raises(InternalError) as failure:
        client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert failure.value.message.startswith(
        f"Internal error occurred: {registry.host}/demo/app:v1: the manifest is not valid JSON"
    )


def test_a_manifest_whose_type_contradicts_its_content_type_is_refused(registry, image):
    body = json.loads(image.manifest)
    body["mediaType"] = OCI_MANIFEST
    registry.add_manifest("demo/app", json.dumps(body).encode(), DOCKER_MANIFEST, tag="mixed")
    with make_client() as client, pytest.raises(InternalError):
        client.import_image(f"{registry.host}/demo/app:mixed", insecure=True)


@pytest.mark.parametrize(
    ("media_type", "body"),
    [
        (
            "application/vnd.docker.distribution.manifest.v1+prettyjws",
            {"schemaVersion": 1, "name": "demo/app", "tag": "old", "fsLayers": [], "history": [], "signatures": []},
        ),
        ("application/vnd.example.unknown+json", {"schemaVersion": 2, "something": "else"}),
    ],
)
def test_manifest_types_we_do_not_read_are_unsupported(registry, media_type, body):
    registry.add_manifest("demo/app", json.dumps(body).encode(), media_type, tag="old")
    with make_client() as client, pytest.raises(UnsupportedManifest) as failure:
        client.import_image(f"{registry.host}/demo/app:old", insecure=True)

    assert failure.value.reason == "UnsupportedManifest"
    assert failure.value.message == f"{registry.host}/demo/app:old: unsupported image manifest type: {media_type}"


def test_a_manifest_served_with_a_generic_content_type_is_read_by_its_fields(registry, image):
    registry.add_manifest("demo/app", image.manifest, "application/json", tag="generic")
    with make_client() as client:
        result = client.import_image(f"{registry.host}/demo/app:generic", insecure=True)

    assert isinstance(result, ImportedImage) and result.media_type == DOCKER_MANIFEST


# -- integrity -------------------------------------------------------------------------------------------------


def test_a_digest_header_that_does_not_match_the_bytes_is_an_integrity_error(registry, image):
    lie = sha256(b"something else")
    registry.add_manifest("demo/app", image.manifest, image.media_type, tag="lying", digest_header=lie)
    with make_client() as client, pytest.raises(ContentIntegrityError) as failure:
        client.import_image(f"{registry.host}/demo/app:lying", insecure=True)

    assert failure.value.reason == "ContentIntegrity"
    assert failure.value.message == (
        f"{registry.host}/demo/app:lying: content integrity error: the manifest retrieved with digest {lie} does not "
        f"match the digest calculated from the content {image.digest}"
    )


def test_content_fetched_by_digest_must_hash_to_that_digest(registry, image):
    other = build_image(layer_texts=["other\n"])
    registry.manifests[("demo/app", other.digest)] = registry.manifests[("demo/app", "v1")]
    with make_client() as client, pytest.raises(ContentIntegrityError):
        client.import_image(f"{registry.host}/demo/app@{other.digest}", insecure=True)


def test_a_config_blob_that_does_not_match_its_digest_is_an_integrity_error(registry, image):
    registry.blobs[image.config_digest] = image.config.replace(b"amd64", b"arm64")
    with make_client() as client, pytest.raises(ContentIntegrityError) as failure:
        client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert "config blob" in failure.value.message


def test_a_list_child_whose_size_differs_from_its_descriptor_is_an_integrity_error(registry, image):
    entry = image.entry()
    body = json.loads(list_body([entry]))
    body["manifests"][0]["size"] += 1
    registry.add_manifest("demo/app", json.dumps(body).encode(), DOCKER_LIST, tag="multi")
    with make_client() as client, pytest.raises(ContentIntegrityError) as failure:
        client.import_image(f"{registry.host}/demo/app:multi", insecure=True)

    assert (
        f"the manifest {image.digest} is {image.size} bytes but the list says {image.size + 1}" in failure.value.message
    )


# -- tags pagination -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("absolute", [False, True])
def test_tag_lists_are_followed_across_link_pages(registry, absolute):
    registry.tags["demo/app"] = ["", "1.0", "1.1", "2.0", "latest", "v3"]
    registry.tags_page_size = 2
    registry.absolute_links = absolute
    with make_client() as client:
        tags = client.list_tags(f"{registry.host}/demo/app", insecure=True)

    # The empty tag is latest (once), order as the registry gave it.
    assert tags == ["latest", "1.0", "1.1", "2.0", "v3"]
    assert registry.count("GET", "/v2/demo/app/tags/list") == 3
    assert client.requests.count(kind="tags") == 3


def test_a_tag_list_link_to_another_host_is_not_followed(registry):
    registry.tags["demo/app"] = ["a", "b", "c"]
    registry.tags_page_size = 1
    registry.fail(
        "GET",
        "/v2/demo/app/tags/list",
        status=200,
        body={"name": "demo/app", "tags": ["a"]},
        headers={"Link": '<http://127.0.0.2:1/v2/demo/app/tags/list?last=a>; rel="next"'},
    )
    with make_client() as client, pytest.raises(InternalError) as failure:
        client.list_tags(f"{registry.host}/demo/app", insecure=True)

    assert "the next page of tags is not on" in failure.value.message


def test_page_size_is_sent_when_asked(registry):
    registry.tags["demo/app"] = ["a", "b", "c"]
    with make_client() as client:
        assert client.list_tags(f"{registry.host}/demo/app", insecure=True, page_size=2) == ["a", "b", "c"]

    assert any(r.path == "/v2/demo/app/tags/list?n=2" for r in registry.requests)


# -- auth on the faulty server -------------------------------------------------------------------------------


def test_config_blobs_follow_redirects_without_taking_credentials_along():
    with FaultyRegistry("basic") as registry, FaultyRegistry() as cdn:
        image = registry.add_image("demo/app", "v1", build_image())
        cdn.add_blob(image.config)
        registry.blob_redirect = cdn.url
        with make_client(credentials={registry.host: (USERNAME, PASSWORD)}) as client:
            result = client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

        assert isinstance(result, ImportedImage) and result.digest == image.digest
        blob_requests = [r for r in registry.requests if "/blobs/" in r.path]
        cdn_requests = [r for r in cdn.requests if r.path.startswith("/cdn/")]
        assert len(blob_requests) == 1 and "Authorization" in blob_requests[0].headers
        assert len(cdn_requests) == 1 and "Authorization" not in cdn_requests[0].headers
        assert client.requests.count(cdn.host, "GET", "blob") == 1


def test_a_token_refused_by_the_registry_is_fetched_again_once():
    with FaultyRegistry("bearer") as registry:
        image = registry.add_image("demo/app", "v1", build_image())
        with make_client(credentials={registry.host: (USERNAME, PASSWORD)}) as client:
            client.import_image(f"{registry.host}/demo/app:v1", insecure=True)
            assert len(registry.token_requests) == 1
            registry.revoke_tokens()  # as if the token had expired early
            result = client.check(f"{registry.host}/demo/app:v1", image.digest, insecure=True)

        assert result.unchanged
        assert [scope for _, scope in registry.token_requests] == ["repository:demo/app:pull"] * 2


def test_a_registry_that_keeps_refusing_a_fresh_token_is_unauthorized_without_looping():
    with FaultyRegistry("bearer") as registry:
        registry.add_image("demo/app", "v1", build_image())
        with make_client() as client, pytest.raises(Unauthorized):
            client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

        # One proactive token, one refresh after the 401; then we give up.
        assert len(registry.token_requests) == 2
        assert registry.count("GET", manifest_path()) == 2


def test_head_not_allowed_falls_back_to_get_and_still_sees_unchanged(registry, image):
    registry.head_allowed = False
    with make_client() as client:
        result = client.import_image(f"{registry.host}/demo/app:v1", insecure=True, last_digest=image.digest)

    assert result == Unchanged(image.digest, f"{registry.host}/demo/app@{image.digest}")
    assert registry.count("HEAD", manifest_path()) == 1
    assert registry.count("GET", manifest_path()) == 1
    assert registry.count("GET", "/v2/demo/app/blobs/") == 0


# -- limits ------------------------------------------------------------------------------------------------------


def test_requests_to_one_host_never_exceed_the_concurrency_limit(registry, image):
    registry.fail("GET", manifest_path(), delay=0.15, status=0, times=None)
    errors: list[BaseException] = []
    with make_client(limits=HostLimits(max_concurrency=2)) as client:
        client.check(f"{registry.host}/demo/app:v1", insecure=True)  # ping once, outside the measurement

        def work() -> None:
            try:
                client.import_image(f"{registry.host}/demo/app:v1", insecure=True)
            except BaseException as e:
                errors.append(e)

        registry.max_in_flight = 0
        threads = [threading.Thread(target=work) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)

    assert not errors
    assert registry.max_in_flight == 2


def test_a_spent_request_budget_fails_rate_limited_without_asking_the_registry(registry, image):
    limits = HostLimits(requests_per_second=1, burst=3)
    retry = RetryPolicy(max_attempts=3, backoff=0.01, total_timeout=0.5)
    with make_client(limits=limits, retry=retry) as client, pytest.raises(RateLimited) as failure:
        # The HTTPS probe, the ping and the manifest spend the budget; the config blob would have to wait a
        # second for it, past the call's deadline.
        client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert failure.value.message == (
        f"{registry.host}/demo/app:v1: the request budget for registry {registry.host} is used up; try again later"
    )
    assert len([r for r in registry.requests if r.path.startswith("/v2/")]) == 2


def test_a_budget_that_refills_in_time_only_slows_requests_down(registry, image):
    limits = HostLimits(requests_per_second=20, burst=1)
    started = time.monotonic()
    with make_client(limits=limits) as client:
        result = client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert isinstance(result, ImportedImage)
    assert time.monotonic() - started >= 0.09  # three requests, two of them waited ~50 ms each


def test_retries_are_logged_without_secrets(registry, image, caplog):
    caplog.set_level(logging.DEBUG)
    registry.fail("GET", manifest_path(), status=503)
    with make_client(credentials={registry.host: (USERNAME, PASSWORD)}) as client:
        client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    retries = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    assert retries and f"GET http://{registry.host}/v2/demo/app/manifests/v1 answered 503" in retries[0]
    basic = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
    assert not any(PASSWORD in r.getMessage() or basic in r.getMessage() for r in caplog.records)
