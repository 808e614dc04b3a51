"""A loopback HTTP proxy in front of a real registry that counts what is asked of it.

What the server sends on the wire, counted outside the server: by method and path. Every request is passed on
to the registry as it came (method, path, query, headers, body) and its answer returned as it is.

    with counting_proxy(plain_registry.url) as proxy:
        ... import from f"{proxy.host}/team/app:v1" ...
        proxy.count("GET", "/v2/team/app/manifests/")
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

# Hop-by-hop headers (RFC 9110 7.6.1) and what httpx sets itself: never passed on.
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host"}
)


class CountingProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.requests: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._client = httpx.Client(base_url=self.upstream, timeout=30.0)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="counting-proxy", daemon=True)

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> CountingProxy:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    def reset(self) -> None:
        with self._lock:
            self.requests.clear()

    def count(self, method: str, path_prefix: str = "") -> int:
        """Requests with this method whose path (without the query) starts with `path_prefix`."""
        with self._lock:
            return sum(n for (m, p), n in self.requests.items() if m == method and p.startswith(path_prefix))

    def _record(self, method: str, path: str) -> None:
        with self._lock:
            self.requests[(method, path.split("?", 1)[0])] += 1

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _forward(self) -> None:
                proxy._record(self.command, self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                headers = [(k, v) for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP]
                reply = proxy._client.request(self.command, self.path, headers=headers, content=body)
                self.send_response(reply.status_code)
                for key, value in reply.headers.multi_items():
                    if key.lower() not in _HOP_BY_HOP and key.lower() not in ("content-length", "content-encoding"):
                        self.send_header(key, value)
                content = reply.content
                # A HEAD answer keeps the length the registry announced; its body is empty.
                length_header = reply.headers.get("content-length") if self.command == "HEAD" else None
                self.send_header("Content-Length", length_header or str(len(content)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(content)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _forward

        return Handler


@contextmanager
def counting_proxy(upstream: str) -> Iterator[CountingProxy]:
    proxy = CountingProxy(upstream).start()
    try:
        yield proxy
    finally:
        proxy.stop()
