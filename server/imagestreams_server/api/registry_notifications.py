"""The push path: an HTTP endpoint for a registry's notifications (distribution's `notifications.endpoints`).

A registry posts an envelope of events after each push. For every manifest pushed by tag to
`<registry>/<namespace>/<name>:<tag>`, the image is recorded at tag `<tag>` of image stream `<namespace>/<name>`
(created if needed), exactly as an image stream mapping does. The registry authenticates with a shared
secret in its configured `Authorization: Bearer <secret>` header; anything else is 401. Pushing the same
digest again, or importing it later from the same pull spec, records nothing new.

A push that names no stream here is ignored with a warning, and the envelope is still answered 200: a
repository that is not `<project>/<stream>` (nested, `team/a/b`, or not a valid name), and a push into a
project that does not exist (projects are made by an administrator, never by a push). The image is in the
registry either way; an error answer would only make the registry send the envelope again, for ever, and
hold up the notifications queued behind it.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from ..application.commands import Commands, MappingInput
from ..domain.errors import DomainError
from ..domain.names import NAMESPACE_RE, STREAM_NAME_RE

log = logging.getLogger(__name__)

PATH = "/registry/notifications"
MANIFEST_TYPES = frozenset(
    {
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.oci.image.index.v1+json",
    }
)
MAX_BODY = 1 << 20
# Names from the registry are quoted in logs only this far.
MAX_LOGGED = 300


@dataclass(frozen=True)
class Push:
    namespace: str
    stream: str
    tag: str
    digest: str
    docker_image_reference: str
    # Who pushed, as the registry authenticated it (the user name), or `registry` when anonymous.
    actor: str


def pushes(envelope: dict[str, Any]) -> tuple[list[Push], int]:
    """The manifest pushes by tag in an envelope, and how many events were not ones (blobs, pulls, pushes
    by digest, repositories that are not `namespace/name`)."""
    found: list[Push] = []
    ignored = 0
    for event in envelope.get("events", []):
        target = event.get("target") or {}
        request = event.get("request") or {}
        repository, tag, digest = target.get("repository", ""), target.get("tag", ""), target.get("digest", "")
        namespace, _, name = repository.partition("/")
        if event.get("action") != "push" or target.get("mediaType") not in MANIFEST_TYPES or not tag or not digest:
            ignored += 1
            continue
        if not NAMESPACE_RE.fullmatch(namespace) or not STREAM_NAME_RE.fullmatch(name):
            # A manifest push we cannot follow: say so, since the pusher expects a stream to move.
            log.warning(
                "push of %s:%s ignored: repositories are followed as <project>/<stream>, one level deep",
                repository[:MAX_LOGGED],
                tag[:MAX_LOGGED],
            )
            ignored += 1
            continue
        host = request.get("host", "")
        reference = f"{host}/{repository}@{digest}" if host else f"{repository}@{digest}"
        user = (event.get("actor") or {}).get("name", "")
        found.append(Push(namespace, name, tag, digest, reference, user or "registry"))
    return found, ignored


class NotificationsEndpoint:
    """A small threaded HTTP server beside the gRPC one (registries speak HTTP/1.1 JSON, not gRPC)."""

    def __init__(
        self, listen: str, secret: str, commands: Commands, project_exists: Callable[[str], bool] = lambda ns: True
    ) -> None:
        host, _, port = listen.rpartition(":")
        self.secret = secret
        self.commands = commands
        self.project_exists = project_exists
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                endpoint.handle(self)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("notifications: " + format, *args)

        self.server = ThreadingHTTPServer((host or "127.0.0.1", int(port)), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self._thread = threading.Thread(target=self.server.serve_forever, name="registry-notifications", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        if request.path.split("?")[0] != PATH:
            return _answer(request, HTTPStatus.NOT_FOUND, "not found")
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {self.secret}".encode()):
            return _answer(request, HTTPStatus.UNAUTHORIZED, "a valid bearer secret is required")
        length = int(request.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return _answer(request, HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "envelope too large")
        try:
            envelope = json.loads(request.rfile.read(length) or b"{}")
        except ValueError:
            return _answer(request, HTTPStatus.BAD_REQUEST, "the body is not a JSON notification envelope")
        if not isinstance(envelope, dict):
            return _answer(request, HTTPStatus.BAD_REQUEST, "the body is not a JSON notification envelope")
        found, ignored = pushes(envelope)
        recorded = 0
        for push in found:
            if not self.project_exists(push.namespace):
                log.warning(
                    "push of %s/%s:%s ignored: project %s does not exist",
                    push.namespace,
                    push.stream,
                    push.tag,
                    push.namespace,
                )
                ignored += 1
                continue
            try:
                self.commands.create_mapping(
                    MappingInput(push.namespace, push.stream, push.tag, push.digest, push.docker_image_reference),
                    actor=push.actor,
                    cause="registry push",
                )
            except DomainError as error:
                # A push we cannot record is reported to the registry, which retries with backoff.
                log.warning("push of %s/%s:%s not recorded: %s", push.namespace, push.stream, push.tag, error)
                return _answer(request, HTTPStatus.UNPROCESSABLE_ENTITY, error.message)
            recorded += 1
        log.info("registry notification: %d pushes recorded, %d events ignored", recorded, ignored)
        return _answer(request, HTTPStatus.OK, "")


def _answer(request: BaseHTTPRequestHandler, status: HTTPStatus, message: str) -> None:
    body = message.encode()
    request.send_response(status)
    request.send_header("Content-Type", "text/plain; charset=utf-8")
    request.send_header("Content-Length", str(len(body)))
    request.end_headers()
    request.wfile.write(body)
