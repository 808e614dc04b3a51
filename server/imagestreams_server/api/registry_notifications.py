"""The push path: the HTTP route for a registry's notifications (distribution's `notifications.endpoints`).

A registry posts an envelope of events after each push. For every manifest pushed by tag to
`<registry>/<namespace>/<name>:<tag>`, the image is recorded at tag `<tag>` of image stream `<namespace>/<name>`
(created if needed), exactly as an image stream mapping does, with the image's metadata read from the
registry as an import reads it (`application/pushed_images.py`), and the pusher as the actor: the user name
the registry authenticated, which with token authentication against this service is the isctl user. The
registry authenticates with a shared secret in its configured `Authorization: Bearer <secret>` header;
anything else is 401. Pushing the same digest again, or importing it later from the same pull spec, records
nothing new.

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
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
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


class RegistryNotifications:
    """Answers one notification envelope (blocking: the HTTP side runs it on a worker thread)."""

    max_body = MAX_BODY

    def __init__(
        self,
        secret: str,
        commands: Commands,
        project_exists: Callable[[str], bool] = lambda ns: True,
        read_metadata: Callable[[str, str], dict[str, Any]] | None = None,
    ) -> None:
        self.secret = secret
        self.commands = commands
        self.project_exists = project_exists
        # (digest, pull spec) -> the image's metadata read from the registry ({}: not known).
        self.read_metadata = read_metadata

    def handle(self, authorization: str, body: bytes) -> tuple[int, str]:
        """The HTTP status and message for an envelope sent with this `Authorization` header."""
        if not hmac.compare_digest(authorization.encode(), f"Bearer {self.secret}".encode()):
            return HTTPStatus.UNAUTHORIZED, "a valid bearer secret is required"
        try:
            envelope = json.loads(body or b"{}")
        except ValueError:
            return HTTPStatus.BAD_REQUEST, "the body is not a JSON notification envelope"
        if not isinstance(envelope, dict):
            return HTTPStatus.BAD_REQUEST, "the body is not a JSON notification envelope"
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
            metadata = self.read_metadata(push.digest, push.docker_image_reference) if self.read_metadata else {}
            try:
                self.commands.create_mapping(
                    MappingInput(
                        push.namespace, push.stream, push.tag, push.digest, push.docker_image_reference, metadata
                    ),
                    actor=push.actor,
                    cause="registry push",
                )
            except DomainError as error:
                # A push we cannot record is reported to the registry, which retries with backoff.
                log.warning("push of %s/%s:%s not recorded: %s", push.namespace, push.stream, push.tag, error)
                return HTTPStatus.UNPROCESSABLE_ENTITY, error.message
            recorded += 1
        log.info("registry notification: %d pushes recorded, %d events ignored", recorded, ignored)
        return HTTPStatus.OK, ""
