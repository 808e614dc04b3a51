"""What went wrong, as facts, and how each fact is worded for the user.

The transport and the parsers raise `Problem`s: plain facts with no reference in them (a status, the
registry's error codes, "timed out"). The client turns one into an `ImportFailure` with `to_failure` once it
knows which image the user asked for, so the wording lives in one place and follows OpenShift's.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Literal

from . import _errors as errors

# What a request was for: decides both the counters' kind and how a 404 or 401 reads.
Kind = Literal["ping", "token", "manifest", "blob", "tags"]


# What we did about credentials on the request that failed, which decides how a 401 reads:
# "none": we had none to send; "anonymous": we used an anonymous token; "sent": we sent them as Basic auth
# (a 401 means they are wrong); "accepted": the token server took them (a 401 means no access);
# "rejected": the token server refused them.
CredentialState = Literal["none", "anonymous", "sent", "accepted", "rejected"]


class Problem(Exception):
    """Internal: a fact about a failure, not yet worded for a reference."""


class HTTPProblem(Problem):
    """The registry (or its token server) answered with a status we cannot go on from."""

    def __init__(
        self,
        status: int,
        kind: Kind,
        errors: tuple[tuple[str, str], ...] = (),
        *,
        attempts: int = 1,
        credentials: CredentialState = "none",
    ) -> None:
        super().__init__(f"{kind}: HTTP {status}")
        self.status = status
        self.kind = kind
        self.errors = errors
        self.attempts = attempts
        self.credentials = credentials

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(code for code, _ in self.errors)

    def detail(self) -> str:
        """`manifest unknown: manifest unknown`, as the distribution client prints an error code."""
        if self.errors:
            return "; ".join(
                f"{code.lower().replace('_', ' ')}: {message}" if message else code.lower().replace("_", " ")
                for code, message in self.errors
            )
        try:
            phrase = HTTPStatus(self.status).phrase
        except ValueError:
            phrase = ""
        return f"received unexpected HTTP status: {self.status} {phrase}".rstrip()


TransportKind = Literal["timeout", "connect", "plain_http", "tls", "too_large", "slot_timeout"]


class TransportProblem(Problem):
    """No usable HTTP answer: timeout, refused connection, TLS trouble, or a body over its size cap."""

    def __init__(self, kind: TransportKind, detail: str, *, attempts: int = 1) -> None:
        super().__init__(f"{kind}: {detail}")
        self.kind = kind
        self.detail = detail
        self.attempts = attempts


class BudgetExhausted(Problem):
    """Our own request budget for a host ran out before the call's deadline."""

    def __init__(self, host: str) -> None:
        super().__init__(host)
        self.host = host


class NotV2(Problem):
    """`/v2/` answered with a status that says this is not a v2 registry."""

    def __init__(self, host: str, status: int) -> None:
        super().__init__(f"{host}: {status}")
        self.host = host
        self.status = status


class ProtocolProblem(Problem):
    """The registry or token server broke the protocol (a challenge without a realm, a reply without a token)."""


class CredentialProblem(Problem):
    """Credentials were not sent because the way there is not safe (plain HTTP, or another host's)."""


class IntegrityProblem(Problem):
    """Bytes that do not hash to the digest (or have the size) that was asked for or announced."""


class ManifestProblem(Problem):
    """A manifest or config we cannot read: malformed, or of a type we do not support."""

    def __init__(self, detail: str, *, unsupported_type: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.unsupported_type = unsupported_type


def registry_errors(content: bytes) -> tuple[tuple[str, str], ...]:
    """The `{"errors": [{"code", "message"}]}` body of a registry error; the body may not be JSON at all."""
    try:
        document = json.loads(content)
    except ValueError:
        return ()
    found = document.get("errors") if isinstance(document, dict) else None
    if not isinstance(found, list):
        return ()
    result = []
    for item in found:
        if isinstance(item, dict) and isinstance(item.get("code"), str):
            message = item.get("message")
            # Bounded: a hostile registry should not fill our conditions with megabytes of text.
            result.append((item["code"][:64], message[:256] if isinstance(message, str) else ""))
    return tuple(result[:5])


@dataclass
class Secrets:
    """Everything secret one call has handled, so no message can carry it out even by accident."""

    values: set[str] = field(default_factory=set)

    def add_credential(self, username: str, password: str) -> None:
        pair = f"{username}:{password}"
        self.add(password, pair, base64.b64encode(pair.encode()).decode())

    def add(self, *values: str) -> None:
        # Very short strings would redact ordinary words; a real secret is never that short.
        self.values.update(v for v in values if len(v) >= 4)

    def scrub(self, text: str) -> str:
        for value in sorted(self.values, key=len, reverse=True):
            text = text.replace(value, "<redacted>")
        return text


@dataclass(frozen=True)
class Subject:
    """The image a failure is about, in the words messages use."""

    # `docker.io/library/busybox:latest`: the reference with Docker's defaults, as OpenShift prints it.
    reference: str
    # `docker.io/library/busybox`: for messages about the repository as a whole.
    repository: str
    # The host we talk to (`registry-1.docker.io`, `127.0.0.1:5000`).
    host: str


def to_failure(problem: Problem, subject: Subject, secrets: Secrets) -> errors.ImportFailure:
    failure = _word(problem, subject)
    return type(failure)(secrets.scrub(failure.message))


def _word(problem: Problem, subject: Subject) -> errors.ImportFailure:
    ref = subject.reference
    if isinstance(problem, HTTPProblem):
        return _word_http(problem, subject)
    if isinstance(problem, TransportProblem):
        if problem.kind == "plain_http":
            return errors.InsecureRequired(
                f"the repository {subject.repository} is HTTP only and requires the insecure flag to import"
            )
        if problem.kind in ("timeout", "slot_timeout"):
            return errors.RegistryTimeout(f"{ref}: {problem.detail}{_attempts(problem.attempts)}")
        if problem.kind == "connect":
            return errors.RegistryUnavailable(f"{ref}: {problem.detail}{_attempts(problem.attempts)}")
        return errors.InternalError(f"Internal error occurred: {ref}: {problem.detail}")
    if isinstance(problem, BudgetExhausted):
        return errors.RateLimited(f"{ref}: the request budget for registry {problem.host} is used up; try again later")
    if isinstance(problem, NotV2):
        return errors.NotV2Registry(f'registry "{problem.host}" does not support the v2 Registry API')
    if isinstance(problem, CredentialProblem):
        return errors.CredentialsWithheld(f"{ref}: credentials not sent: {problem}")
    if isinstance(problem, IntegrityProblem):
        return errors.ContentIntegrityError(f"{ref}: content integrity error: {problem}")
    if isinstance(problem, ManifestProblem):
        if problem.unsupported_type is not None:
            return errors.UnsupportedManifest(f"{ref}: unsupported image manifest type: {problem.unsupported_type}")
        return errors.InternalError(f"Internal error occurred: {ref}: {problem.detail}")
    return errors.InternalError(f"Internal error occurred: {ref}: {problem}")


def _word_http(problem: HTTPProblem, subject: Subject) -> errors.ImportFailure:
    ref = subject.reference
    codes = problem.codes
    if problem.status == 401 or "UNAUTHORIZED" in codes:
        if problem.credentials in ("sent", "rejected"):
            return errors.Unauthorized(f'incorrect username or password for image "{ref}"')
        if problem.credentials == "none":
            return errors.Unauthorized(
                f'you may not have access to the container image "{ref}" and did not have credentials to the repository'
            )
        return errors.Unauthorized(f'you may not have access to the container image "{ref}"')
    if problem.status == 403 or "DENIED" in codes:
        return errors.Forbidden(f"{ref}: {problem.detail() if problem.errors else 'denied'}")
    if problem.status == 429 or "TOOMANYREQUESTS" in codes:
        detail = problem.detail() if problem.errors else "toomanyrequests: too many requests"
        return errors.RateLimited(f"{ref}: {detail}{_attempts(problem.attempts)}")
    not_found_codes = {"MANIFEST_UNKNOWN", "NAME_UNKNOWN"}
    if problem.kind in ("manifest", "tags") and (codes & not_found_codes or (problem.status == 404 and not codes)):
        return errors.NotFound(f'dockerimage.image.openshift.io "{ref}" not found')
    if problem.status >= 500 or "UNAVAILABLE" in codes:
        return errors.RegistryUnavailable(f"{ref}: {problem.detail()}{_attempts(problem.attempts)}")
    return errors.InternalError(f"Internal error occurred: {ref}: {problem.detail()}")


def _attempts(attempts: int) -> str:
    return f" (after {attempts} attempts)" if attempts > 1 else ""
