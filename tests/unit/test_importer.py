"""The importer's pure parts: challenges, Retry-After, timestamps, platform choice, references, budgets."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from google.protobuf.timestamp_pb2 import Timestamp
from imagestreams_server.importer import (
    HostLimits,
    InternalError,
    InvalidReference,
    NotFound,
    RateLimited,
    RetryPolicy,
    Unauthorized,
    api_host,
)
from imagestreams_server.importer._auth import lookup_credential
from imagestreams_server.importer._challenge import parse_challenges, preferred
from imagestreams_server.importer._client import next_link
from imagestreams_server.importer._limits import HostGate, RequestCounter
from imagestreams_server.importer._manifest import (
    Descriptor,
    ImageManifest,
    ManifestList,
    Platform,
    choose_platform,
    parse_manifest,
)
from imagestreams_server.importer._metadata import rfc3339
from imagestreams_server.importer._problems import (
    BudgetExhausted,
    HTTPProblem,
    ManifestProblem,
    Secrets,
    Subject,
    to_failure,
)
from imagestreams_server.importer._retry import Deadline, parse_retry_after
from imagestreams_server.importer._target import resolve

DIGEST = "sha256:" + "a" * 64


def digest(n: int) -> str:
    return f"sha256:{n:064x}"


# -- references --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "host", "repository", "reference", "shown"),
    [
        ("busybox", "registry-1.docker.io", "library/busybox", "latest", "docker.io/library/busybox:latest"),
        ("docker.io/team/app:1.0", "registry-1.docker.io", "team/app", "1.0", "docker.io/team/app:1.0"),
        ("index.docker.io/team/app", "registry-1.docker.io", "team/app", "latest", "index.docker.io/team/app:latest"),
        ("quay.io/a/b/c:v1", "quay.io", "a/b/c", "v1", "quay.io/a/b/c:v1"),
        (f"localhost:5000/app:1@{DIGEST}", "localhost:5000", "app", DIGEST, f"localhost:5000/app@{DIGEST}"),
    ],
)
def test_a_pull_spec_becomes_a_registry_request(spec, host, repository, reference, shown):
    target = resolve(spec)
    assert (target.host, target.repository, target.reference, target.subject().reference) == (
        host,
        repository,
        reference,
        shown,
    )
    assert target.scope == f"repository:{repository}:pull"


def test_the_pull_spec_keeps_the_repository_as_written():
    assert resolve("busybox:1").pull_spec(DIGEST) == f"busybox@{DIGEST}"
    assert resolve("docker.io/busybox").pull_spec(DIGEST) == f"docker.io/busybox@{DIGEST}"


def test_docker_hub_names_map_to_its_api_host():
    assert api_host("docker.io") == api_host("index.docker.io") == "registry-1.docker.io"
    assert api_host("quay.io") == "quay.io"


@pytest.mark.parametrize("spec", ["", "Upper/Case", "quay.io", "a b"])
def test_a_spec_that_names_no_image_is_invalid(spec):
    with pytest.raises(InvalidReference) as failure:
        resolve(spec)
    assert failure.value.reason == "Invalid"


# -- credentials ----------------------------------------------------------------------------------------------


def test_credentials_are_looked_up_by_registry_then_docker_hub_aliases():
    hub = ("u", "p")
    assert lookup_credential({"https://index.docker.io/v1/": hub}, "docker.io") == hub
    assert lookup_credential({"registry-1.docker.io": hub}, "docker.io") == hub
    assert lookup_credential({"quay.io": hub}, "docker.io") is None
    assert lookup_credential(lambda host: hub if host == "quay.io" else None, "quay.io") == hub
    assert lookup_credential(None, "quay.io") is None


# -- challenges -----------------------------------------------------------------------------------------------


def test_challenges_parse_with_quoted_commas_and_several_schemes():
    challenges = parse_challenges(
        'Bearer realm="https://auth.example/token",service="registry.example",'
        'scope="repository:team/app:pull,push", Basic realm="fallback"'
    )
    assert [c.scheme for c in challenges] == ["bearer", "basic"]
    assert challenges[0].realm == "https://auth.example/token"
    assert challenges[0].scope == "repository:team/app:pull,push"
    assert preferred(challenges) is challenges[0]
    assert preferred(parse_challenges('Basic realm="x"')).scheme == "basic"  # type: ignore[union-attr]
    assert preferred(parse_challenges("Negotiate abc")) is None
    assert parse_challenges("") == []


# -- retries and limits ---------------------------------------------------------------------------------------


def test_retry_after_reads_seconds_and_http_dates():
    now = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:30 GMT", lambda: now) == 30.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", lambda: now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    assert parse_retry_after("-5") == 0.0


def test_backoff_doubles_with_bounded_jitter():
    policy = RetryPolicy(backoff=0.5, max_backoff=3, jitter=0.2)
    assert policy.backoff_for(1, lambda: 0.5) == 0.5
    assert policy.backoff_for(2, lambda: 0.5) == 1.0
    assert policy.backoff_for(5, lambda: 0.5) == 3.0
    assert 0.4 <= policy.backoff_for(1, lambda: 0.0) <= policy.backoff_for(1, lambda: 1.0) <= 0.6
    with pytest.raises(ValueError):
        RetryPolicy(max_attempts=0)


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_the_request_budget_queues_requests_and_refuses_past_the_deadline():
    time = FakeTime()
    gate = HostGate("h", HostLimits(max_concurrency=10, requests_per_second=2, burst=2), time.clock, time.sleep)
    deadline = Deadline(1.2, time.clock)
    for _ in range(4):  # two from the burst, then one every half second
        gate.enter(deadline)
        gate.leave()
    assert time.slept == [0.5, 0.5]
    # The next would have to wait 0.5 s, and only 0.2 s are left.
    with pytest.raises(BudgetExhausted):
        gate.enter(deadline)


def test_the_request_counter_counts_by_host_method_and_kind():
    counter = RequestCounter()
    counter.record("a", "HEAD", "manifest")
    counter.record("a", "GET", "manifest")
    counter.record("b", "GET", "blob")
    assert counter.count() == 3
    assert counter.count("a") == 2
    assert counter.count(method="GET") == 2
    assert counter.count("a", "HEAD", "manifest") == 1
    counter.reset()
    assert counter.snapshot() == {}


# -- manifests ------------------------------------------------------------------------------------------------


def entry(arch: str, os_name: str = "linux", n: int = 0, **annotations: str) -> Descriptor:
    return Descriptor(
        "application/vnd.oci.image.manifest.v1+json", digest(n), 100, Platform(arch, os_name), dict(annotations)
    )


ATTESTATION = {"vnd.docker.reference.type": "attestation-manifest"}


@pytest.mark.parametrize(
    ("entries", "arch", "os_name", "expected"),
    [
        ([entry("arm64", n=1), entry("amd64", n=2)], "", "", 2),
        ([entry("arm64", n=1), entry("amd64", n=2)], "arm64", "", 1),
        ([entry("arm64", n=1), entry("amd64", n=2)], "ppc64le", "linux", 2),
        ([entry("arm64", n=1), entry("s390x", n=2)], "", "", 1),
        ([entry("amd64", "windows", n=1), entry("amd64", n=2)], "amd64", "windows", 1),
        ([entry("unknown", "unknown", n=1), entry("arm64", n=2)], "", "", 2),
        ([entry("amd64", n=1, **ATTESTATION), entry("arm64", n=2)], "", "", 2),
    ],
)
def test_legacy_platform_choice(entries, arch, os_name, expected):
    chosen = choose_platform(ManifestList("application/vnd.oci.image.index.v1+json", tuple(entries)), arch, os_name)
    assert chosen.digest == digest(expected)


def test_a_list_of_attestations_only_has_nothing_to_import():
    with pytest.raises(ManifestProblem):
        choose_platform(ManifestList("x", (entry("unknown", "unknown", **ATTESTATION),)))
    with pytest.raises(ManifestProblem):
        choose_platform(ManifestList("x", ()))


def test_manifest_type_comes_from_content_type_then_media_type_then_fields():
    config = {"mediaType": "c", "digest": digest(1), "size": 2}
    image = json.dumps({"schemaVersion": 2, "config": config, "layers": []}).encode()
    assert isinstance(parse_manifest(image, "application/octet-stream"), ImageManifest)
    assert parse_manifest(image, None).media_type == "application/vnd.oci.image.manifest.v1+json"
    index = json.dumps({"schemaVersion": 2, "manifests": []}).encode()
    assert isinstance(parse_manifest(index, "application/json"), ManifestList)
    docker = json.dumps(
        {"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json", "config": config}
    ).encode()
    assert parse_manifest(docker, "text/plain").media_type == "application/vnd.docker.distribution.manifest.v2+json"


@pytest.mark.parametrize(
    "body",
    [
        b"[]",
        b'{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": []}',
        b'{"schemaVersion": 2, "manifests": [{"digest": "sha256:nothex", "size": 1}]}',
        b'{"schemaVersion": 2, "manifests": [{"digest": "' + digest(1).encode() + b'", "size": -1}]}',
    ],
)
def test_malformed_manifests_are_refused(body):
    with pytest.raises(ManifestProblem) as problem:
        parse_manifest(body, "")
    assert problem.value.unsupported_type is None


# -- metadata -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-01-02T03:04:05Z", "2024-01-02T03:04:05Z"),
        ("2024-01-02T03:04:05.1Z", "2024-01-02T03:04:05.100Z"),
        ("2024-01-02T03:04:05.123456Z", "2024-01-02T03:04:05.123456Z"),
        ("2024-01-02T03:04:05.123456789Z", "2024-01-02T03:04:05.123456789Z"),
        ("2024-01-02T03:04:05.000001000Z", "2024-01-02T03:04:05.000001Z"),
        ("2024-01-02T05:04:05+02:00", "2024-01-02T03:04:05Z"),
        ("2024-01-01T23:30:00-01:00", "2024-01-02T00:30:00Z"),
        ("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"),
        ("1970-01-01T00:00:00Z", "1970-01-01T00:00:00Z"),
    ],
)
def test_created_is_written_as_protobuf_writes_a_timestamp(value, expected):
    assert rfc3339(value) == expected
    timestamp = Timestamp()
    timestamp.FromJsonString(value)
    assert timestamp.ToJsonString() == expected


@pytest.mark.parametrize("value", [None, 5, "", "yesterday", "2024-13-01T00:00:00Z", "2024-01-01"])
def test_an_unreadable_created_is_left_out(value):
    assert rfc3339(value) == ""


# -- wording --------------------------------------------------------------------------------------------------

SUBJECT = Subject("docker.io/library/busybox:latest", "docker.io/library/busybox", "registry-1.docker.io")


@pytest.mark.parametrize(
    ("problem", "kind", "message"),
    [
        (
            HTTPProblem(404, "manifest", (("MANIFEST_UNKNOWN", "manifest unknown"),)),
            NotFound,
            'dockerimage.image.openshift.io "docker.io/library/busybox:latest" not found',
        ),
        (
            HTTPProblem(401, "manifest", credentials="accepted"),
            Unauthorized,
            'you may not have access to the container image "docker.io/library/busybox:latest"',
        ),
        (
            HTTPProblem(401, "token", credentials="rejected"),
            Unauthorized,
            'incorrect username or password for image "docker.io/library/busybox:latest"',
        ),
        (
            HTTPProblem(418, "manifest"),
            InternalError,
            "Internal error occurred: docker.io/library/busybox:latest: received unexpected HTTP status: 418 "
            "I'm a Teapot",
        ),
        (
            BudgetExhausted("registry-1.docker.io"),
            RateLimited,
            "docker.io/library/busybox:latest: the request budget for registry registry-1.docker.io is used up; try "
            "again later",
        ),
    ],
)
def test_problems_are_worded_as_openshift_words_them(problem, kind, message):
    failure = to_failure(problem, SUBJECT, Secrets())
    assert type(failure) is kind
    assert failure.message == message == str(failure)


def test_secrets_are_scrubbed_from_any_message():
    secrets = Secrets()
    secrets.add_credential("alice", "hunter22")
    secrets.add("tok-en-value")
    problem = HTTPProblem(400, "manifest", (("DENIED", "alice:hunter22 used tok-en-value"),))
    failure = to_failure(problem, SUBJECT, secrets)
    assert "hunter22" not in failure.message and "tok-en-value" not in failure.message
    assert "<redacted>" in failure.message


# -- links ----------------------------------------------------------------------------------------------------


def test_next_link_reads_rfc8288_headers():
    assert next_link(['</v2/a/tags/list?last=b&n=2>; rel="next"']) == "/v2/a/tags/list?last=b&n=2"
    assert next_link(['<http://x/prev>; rel="prev", <http://x/next>; rel=next']) == "http://x/next"
    assert next_link(['<http://x/a>; rel="first last"']) == ""
    assert next_link([]) == ""
