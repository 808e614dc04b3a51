"""Why an import failed: one exception per reason the service records on a tag.

`reason` is stable (it becomes the `ImportSuccess=False` condition's reason) and matches OpenShift's where
OpenShift has one; the message speaks OpenShift's words (openshift-apiserver `importer.go`
`formatRepositoryError`, `formatPingError`), so users who know `oc` recognise it. Messages are built only
from the reference, the host, status codes and the registry's error codes, never from headers or URLs
that could carry a credential; `_problems.scrub` removes any secret that slipped in anyway.
"""

from __future__ import annotations

from typing import ClassVar


class ImportFailure(Exception):
    """Base of every importer failure. `reason` is the condition reason, `message` the human text."""

    reason: ClassVar[str] = "InternalError"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reason={self.reason!r}, message={self.message!r})"


class InvalidReference(ImportFailure):
    """The pull spec does not parse."""

    reason = "Invalid"


class NotFound(ImportFailure):
    """The repository, tag or digest does not exist (`MANIFEST_UNKNOWN`, `NAME_UNKNOWN`, 404)."""

    reason = "NotFound"


class Unauthorized(ImportFailure):
    """The registry wants credentials we lack, or refused the ones we sent."""

    reason = "Unauthorized"


class Forbidden(ImportFailure):
    """The registry knows who we are and still says no (403, `DENIED`)."""

    reason = "Forbidden"


class NotV2Registry(ImportFailure):
    """`/v2/` answered with something other than 200, 401 or 403."""

    reason = "NotV2Registry"


class InsecureRequired(ImportFailure):
    """The registry speaks plain HTTP and the caller did not allow insecure access."""

    reason = "BadRequest"


class CredentialsWithheld(ImportFailure):
    """The registry asked for credentials over plain HTTP (or plain HTTP to another host): never sent."""

    reason = "BadRequest"


class RegistryTimeout(ImportFailure):
    """The registry did not answer in time, after the retries the policy allows."""

    reason = "Timeout"


class RegistryUnavailable(ImportFailure):
    """The registry refused connections or kept answering 5xx, after the retries the policy allows."""

    reason = "Unavailable"


class RateLimited(ImportFailure):
    """The registry kept answering 429, or our own per-host request budget ran out."""

    reason = "RateLimited"


class ContentIntegrityError(ImportFailure):
    """Bytes received do not hash to the digest that was asked for or announced."""

    reason = "ContentIntegrity"


class UnsupportedManifest(ImportFailure):
    """A manifest type this importer does not read (schema 1, artifacts it cannot interpret, nested lists)."""

    reason = "UnsupportedManifest"


class InternalError(ImportFailure):
    """Anything else: malformed JSON, an unexpected status, an oversized document."""

    reason = "InternalError"
