"""The hosts the service reads pushed images from, and deletes pruned manifests at, without TLS verification:
the registry it fronts and loopback; every other host is verified HTTPS only."""

from __future__ import annotations

import pytest
from imagestreams_server.application.fronted_registry import may_skip_tls


@pytest.mark.parametrize(
    "host",
    ["registry.internal:5000", "localhost", "localhost:5000", "127.0.0.1:5000", "127.0.0.2", "[::1]", "[::1]:5000"],
)
def test_the_fronted_registry_and_loopback_may_skip_tls(host: str) -> None:
    assert may_skip_tls(host, "registry.internal:5000")


@pytest.mark.parametrize(
    "host", ["registry.internal", "registry.internal:5001", "quay.io", "10.0.0.1:5000", "[2001:db8::1]:5000", ""]
)
def test_other_hosts_get_verified_https(host: str) -> None:
    assert not may_skip_tls(host, "registry.internal:5000")


def test_no_fronted_registry_means_only_loopback() -> None:
    assert not may_skip_tls("", "")
    assert not may_skip_tls("registry.internal:5000", "")
