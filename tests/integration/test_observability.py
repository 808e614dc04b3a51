"""What operators see of a running server: one log line per RPC (never a token or a secret) with the request id
the client gets back, and the Prometheus metrics at /metrics after a known workload."""

from __future__ import annotations

import io
import json
import logging
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams.v1 import secret_service_pb2 as secret_api
from imagestreams.v1 import secret_service_pb2_grpc as secret_grpc
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams_server.api.observability import logs
from prometheus_client.parser import text_string_to_metric_families

from tests.support import registry as registry_support
from tests.support.builders import docker, failure, istag, pinned, push, tag
from tests.support.registry import RunningRegistry, build_image
from tests.support.server import TestServer, channel_for, postgres_store, running_server, sqlite_store
from tests.support.watch import Watcher

plain_registry = registry_support.plain_registry
ISS = "imagestreams.v1.ImageStreamService"


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything logged while the test runs, down to debug, in the JSON format."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logs.formatter("json"))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield out
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def rpc_lines(out: io.StringIO) -> list[dict]:
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    return [line for line in lines if line["logger"] == "imagestreams_server.rpc"]


def test_one_line_per_rpc_with_the_request_id_the_client_sees_and_never_a_token_or_secret(
    tmp_path: Path, captured: io.StringIO
) -> None:
    password = f"pw-{uuid.uuid4().hex}"
    wrong_token = f"not-a-token-{uuid.uuid4().hex}"
    with running_server(sqlite_store(tmp_path / "data")) as server:
        captured.truncate(0)
        captured.seek(0)
        secrets = secret_grpc.SecretServiceStub(server.channel)
        credential = secret_api.RegistryCredential(server="quay.io", username="robot", password=password)
        secrets.CreateSecret(secret_api.CreateSecretRequest(namespace="team", name="quay", credential=credential))
        # An error: the client's request id comes back with it, and is the log line's.
        missing = api.GetImageStreamRequest(namespace="team", name="nope")
        with pytest.raises(grpc.RpcError) as sent:
            server.stub.GetImageStream(missing, metadata=(("x-request-id", "client-id-1"),))
        assert dict(sent.value.trailing_metadata())["x-request-id"] == "client-id-1"
        # No request id sent: one is made, and the client gets that one.
        with pytest.raises(grpc.RpcError) as made:
            server.stub.GetImageStream(missing)
        made_id = dict(made.value.trailing_metadata())["x-request-id"]
        # A token that is not one: refused before any servicer runs, still logged (with no caller).
        with channel_for(server.address, wrong_token) as channel, pytest.raises(grpc.RpcError) as refused:
            api_grpc.ImageStreamServiceStub(channel).ListImageStreams(api.ListImageStreamsRequest(namespace="team"))
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED
        # A success carries its request id too.
        _, call = server.stub.ListImageStreams.with_call(api.ListImageStreamsRequest(namespace="team"))
        ok_id = dict(call.trailing_metadata())["x-request-id"]
    text = captured.getvalue()
    for secret in (password, wrong_token, server.admin_token):
        assert secret not in text
    lines = rpc_lines(captured)
    assert [(line["method"], line["code"]) for line in lines] == [
        ("CreateSecret", "OK"),
        ("GetImageStream", "NOT_FOUND"),
        ("GetImageStream", "NOT_FOUND"),
        ("ListImageStreams", "UNAUTHENTICATED"),
        ("ListImageStreams", "OK"),
    ]
    assert [line["request_id"] for line in lines[1:3]] == ["client-id-1", made_id]
    assert lines[4]["request_id"] == ok_id
    assert [line["caller"] for line in lines] == ["admin", "admin", "admin", "-", "admin"]
    for line in lines:
        assert line["level"] == "INFO" and line["service"].startswith("imagestreams.v1.")
        assert line["peer"].startswith("ipv4:127.0.0.1:") and line["duration_ms"] >= 0


def test_text_format_appends_the_fields_as_key_value() -> None:
    record = logging.LogRecord("imagestreams_server.rpc", logging.INFO, "", 0, "ISS/Get OK 1.0 ms", (), None)
    record.code, record.request_id = "OK", "r-1"
    assert logs.formatter("text").format(record).endswith("ISS/Get OK 1.0 ms code=OK request_id=r-1")


def samples(server: TestServer) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """One scrape of /metrics: each sample's value by name and labels."""
    response = httpx.get(f"http://127.0.0.1:{server.http_port}/metrics", timeout=10)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(scrape: dict, name: str, **labels: str) -> float:
    return scrape.get((name, tuple(sorted(labels.items()))), 0.0)


def test_metrics_count_a_known_workload(tmp_path: Path, plain_registry: RunningRegistry) -> None:
    repo = f"demo/{uuid.uuid4().hex[:8]}"
    with plain_registry.pusher() as pusher:
        pusher.image(repo, "1.0", build_image("amd64", layer_texts=["one"]))
    with running_server(sqlite_store(tmp_path / "data"), http_listen="127.0.0.1:0") as server:
        before = samples(server)
        watcher = Watcher(server.channel, namespace="team")
        for n in range(3):
            push(server.stub, "app", f"v{n}", n)
        tag(server.stub, istag("app:v0"), "app:stable")
        received = watcher.changes(4) + [r for r in watcher.quiet(0.5) if r.marker != watch_api.MARKER_PROGRESS]
        failure(lambda: server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="nope")))
        importer = import_grpc.ImportServiceStub(server.channel)
        request = import_api.ImportImageRequest(namespace="team", name="imported", tag="1.0", insecure=True)
        setattr(request, "from", f"{plain_registry.host}/{repo}:1.0")
        importer.ImportImage(request)  # a dry run: asks the registry, records nothing
        after = samples(server)
        watcher.cancel()

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    mapping = {"service": ISS, "method": "CreateImageStreamMapping"}
    assert delta("imagestreams_rpcs_total", code="OK", **mapping) == 3
    assert delta("imagestreams_rpcs_total", code="OK", service=ISS, method="Tag") == 1
    assert delta("imagestreams_rpcs_total", code="NOT_FOUND", service=ISS, method="GetImageStream") == 1
    assert delta("imagestreams_rpc_duration_seconds_count", **mapping) == 3
    assert value(after, "imagestreams_rpc_duration_seconds_bucket", le="+Inf", **mapping) == 3
    head = value(after, "imagestreams_log_head_position")
    appended = delta("imagestreams_events_appended_total")
    assert appended >= 4 and head - value(before, "imagestreams_log_head_position") == appended
    assert ("imagestreams_read_model_lag_events", ()) in after
    assert value(after, "imagestreams_read_model_lag_events") == 0
    assert value(after, "imagestreams_watch_hub_lag_events") == 0
    assert value(after, "imagestreams_watchers") == 1
    assert delta("imagestreams_watch_changes_delivered_total") == len(received)
    assert value(after, "imagestreams_watches_ended_slow_total") == 0
    assert delta("imagestreams_imports_total", registry=plain_registry.host, outcome="imported") == 1
    assert delta("imagestreams_registry_requests_total", registry=plain_registry.host, method="GET", kind="manifest")


def test_group_commit_batch_sizes_add_up_to_the_appends(postgres_url: str) -> None:
    clients, calls = 4, 6
    with running_server(postgres_store(postgres_url), http_listen="127.0.0.1:0") as server:
        before = samples(server)

        def client(index: int) -> None:
            with server.open_channel(server.admin_token) as channel:
                stub = api_grpc.ImageStreamServiceStub(channel)
                for call in range(calls):
                    tag(stub, docker(pinned(f"{index}e{call}")), f"own{index}:t{call}")

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        after = samples(server)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    # Each Tag is one append; the histogram has one observation per committed transaction, of its appends.
    assert delta("imagestreams_group_commit_batch_size_sum") == clients * calls
    assert 1 <= delta("imagestreams_group_commit_batch_size_count") <= clients * calls
    assert value(after, "imagestreams_group_commit_batch_size_bucket", le="64.0") == value(
        after, "imagestreams_group_commit_batch_size_count"
    )
