"""The HTTP side: one address for registry notifications, the token service and health, with bounded bodies."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.support.server import running_server, sqlite_store

SECRET = "s3cret-for-notifications"


def test_one_address_serves_health_and_notifications_and_bounds_bodies(tmp_path: Path) -> None:
    settings = {"http_listen": "127.0.0.1:0", "notifications_secret": SECRET, "import_interval": 0}
    with running_server(sqlite_store(tmp_path), **settings) as server:
        base = f"http://127.0.0.1:{server.http_port}"
        assert httpx.get(f"{base}/healthz").text == "ok"
        headers = {"Authorization": f"Bearer {SECRET}"}
        too_large = b"{" + b" " * (1 << 20) + b"}"
        assert httpx.post(f"{base}/registry/notifications", content=too_large, headers=headers).status_code == 413
        # Without Content-Length (chunked), the body is counted as it arrives.
        chunks = iter([b"{", b" " * (1 << 20), b"}"])
        assert httpx.post(f"{base}/registry/notifications", content=chunks, headers=headers).status_code == 413
        assert httpx.post(f"{base}/registry/notifications", json={"events": []}, headers=headers).status_code == 200
        assert httpx.get(f"{base}/nothing-here").status_code == 404


def test_without_a_secret_there_is_no_notifications_route(tmp_path: Path) -> None:
    with running_server(sqlite_store(tmp_path), http_listen="127.0.0.1:0", import_interval=0) as server:
        base = f"http://127.0.0.1:{server.http_port}"
        assert httpx.get(f"{base}/healthz").status_code == 200
        assert httpx.post(f"{base}/registry/notifications", json={"events": []}).status_code == 404
