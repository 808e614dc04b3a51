"""Deleting a pruned image's manifest in the registry the service fronts, as `oc adm prune images
--prune-registry` does: `DELETE /v2/NS/STREAM/manifests/DIGEST` at the host the image's pull spec names.

Only images whose pull spec names the fronted registry (`--registry-hostname` or its public name) are
deleted there; an image imported from elsewhere is never touched where it came from. A registry with token
authentication that trusts the service's signing key (the one it asks for tokens) is sent a token the
service signs itself, granting `delete` on that repository and nothing else. Plain HTTP (and no TLS
verification) only for a registry on loopback or the one `--registry-hostname` names, as for pushed images'
metadata.

The registry keeps the blobs until its own garbage collection (`docker-registry garbage-collect`) finds them
unreferenced; deleting needs `storage: {delete: {enabled: true}}` in its configuration (else 405). A failure
is reported per image and never fails the prune: the image's record is gone either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from ..domain.reference import DockerImageReference, ReferenceError
from ..importer._challenge import parse_challenges, preferred
from .fronted_registry import may_skip_tls

log = logging.getLogger(__name__)

# A token for `delete` on a repository, signed by the service, when the registry asks ours (by its `service`).
OwnToken = Callable[[str, str], str | None]


@dataclass(frozen=True)
class ManifestDeletion:
    """What became of an image's manifest in the fronted registry: `repository` is where it lives (NS/STREAM);
    `deleted` when the registry no longer holds it (deleted now, or already gone); `error` why not."""

    repository: str
    deleted: bool = False
    error: str = ""


class RegistryManifests:
    def __init__(
        self,
        managed_hosts: Callable[[], set[str]],
        registry_hostname: str = "",
        own_token: OwnToken | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.managed_hosts = managed_hosts
        self.registry_hostname = registry_hostname
        self.own_token = own_token
        self.timeout = timeout

    def target(self, pull_spec: str) -> tuple[str, str] | None:
        """(host, repository) of the manifest to delete, when the pull spec names the fronted registry."""
        try:
            reference = DockerImageReference.parse(pull_spec)
        except ReferenceError:
            return None
        if not reference.registry or reference.registry not in self.managed_hosts():
            return None
        return reference.registry, reference.repository_name()

    def delete(self, pull_specs: dict[str, str]) -> dict[str, ManifestDeletion]:
        """Deletes each digest's manifest where its pull spec says (digest -> pull spec); the outcome per digest
        of those in the fronted registry. A host that cannot be reached is not asked again in the same run."""
        outcomes: dict[str, ManifestDeletion] = {}
        unreachable: dict[str, str] = {}
        verified = httpx.Client(timeout=self.timeout, trust_env=False)
        unverified = httpx.Client(timeout=self.timeout, trust_env=False, verify=False)
        try:
            for digest, pull_spec in sorted(pull_specs.items()):
                found = self.target(pull_spec)
                if found is None:
                    continue
                host, repository = found
                if host in unreachable:
                    outcomes[digest] = ManifestDeletion(repository, error=unreachable[host])
                    continue
                # HTTPS, then plain HTTP where the host may be spoken to that way.
                urls = (
                    [(unverified, f"https://{host}"), (unverified, f"http://{host}")]
                    if may_skip_tls(host, self.registry_hostname)
                    else [(verified, f"https://{host}")]
                )
                try:
                    outcome = self._delete(urls, repository, digest)
                except httpx.TransportError as error:
                    unreachable[host] = f"the registry at {host} could not be reached: {_describe(error)}"
                    outcome = ManifestDeletion(repository, error=unreachable[host])
                if outcome.error:
                    log.warning("manifest %s of %s/%s not deleted: %s", digest, host, repository, outcome.error)
                outcomes[digest] = outcome
        finally:
            verified.close()
            unverified.close()
        return outcomes

    def _delete(self, urls: list[tuple[httpx.Client, str]], repository: str, digest: str) -> ManifestDeletion:
        path = f"/v2/{repository}/manifests/{digest}"
        reply = _send(urls, path, None)
        if reply.status_code == 401:
            token = self._token_for(reply, repository)
            if token is None:
                return ManifestDeletion(
                    repository, error="the registry asks for credentials of an authority that is not this service"
                )
            reply = _send(urls, path, token)
            if reply.status_code == 401:
                return ManifestDeletion(
                    repository,
                    error="the registry refused the service's token (HTTP 401): does its auth.token "
                    "rootcertbundle hold the service's certificate?",
                )
        if reply.status_code in (200, 202):
            return ManifestDeletion(repository, deleted=True)
        if reply.status_code == 404:  # not there (any more): nothing left to delete
            return ManifestDeletion(repository, deleted=True)
        if reply.status_code == 405:
            return ManifestDeletion(
                repository,
                error="the registry does not allow deletes (HTTP 405): set storage.delete.enabled: true in its "
                "configuration",
            )
        return ManifestDeletion(repository, error=f"HTTP {reply.status_code}: {_message(reply)}")

    def _token_for(self, reply: httpx.Response, repository: str) -> str | None:
        challenge = preferred(parse_challenges(reply.headers.get("WWW-Authenticate", "")))
        if challenge is None or challenge.scheme != "bearer" or self.own_token is None:
            return None
        return self.own_token(challenge.service, repository)


def _send(urls: list[tuple[httpx.Client, str]], path: str, token: str | None) -> httpx.Response:
    """The first answer from the URLs in turn (the next one only when the one before could not be spoken to)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    for n, (client, base) in enumerate(urls):
        try:
            return client.delete(base + path, headers=headers)
        except httpx.TransportError:
            if n == len(urls) - 1:
                raise
    raise AssertionError("no URL to send to")


def _message(reply: httpx.Response) -> str:
    try:
        errors = reply.json().get("errors") or []
        first = errors[0]
        return f"{first.get('code', '')} {first.get('message', '')}".strip()[:300]
    except (ValueError, AttributeError, IndexError, TypeError):
        return reply.text[:300] or reply.reason_phrase


def _describe(error: httpx.TransportError) -> str:
    return str(error)[:300] or type(error).__name__
