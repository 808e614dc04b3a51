"""The registry client: list a repository's tags, check a tag with one HEAD, import an image."""

from __future__ import annotations

import json
import logging
import re
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any, TypeVar

import httpx

from ..domain.reference import DockerImageReference, is_digest
from ..domain.tags import ImportMode
from . import _media as media
from ._auth import Call, CredentialSource, lookup_credential
from ._limits import HostLimits, RequestCounter
from ._manifest import (
    Descriptor,
    ImageManifest,
    ManifestList,
    choose_platform,
    digest_of,
    parse_manifest,
    verify_digest,
)
from ._metadata import image_metadata, list_metadata
from ._problems import (
    HTTPProblem,
    IntegrityProblem,
    ManifestProblem,
    Problem,
    ProtocolProblem,
    Secrets,
    registry_errors,
    to_failure,
)
from ._results import ImportedImage, TagCheck, Unchanged
from ._retry import Deadline, RetryPolicy
from ._session import Endpoint, Session
from ._target import Target, resolve

log = logging.getLogger("imagestreams_server.importer")

# Distribution refuses manifests over 4 MiB; configs are small, but some carry long histories.
MAX_MANIFEST_BYTES = 4 << 20
MAX_CONFIG_BYTES = 8 << 20
MAX_TAGS_PAGE_BYTES = 16 << 20
MAX_TAG_PAGES = 1000

_T = TypeVar("_T")


@dataclass(frozen=True)
class _Fetched:
    digest: str
    content: bytes
    manifest: ImageManifest | ManifestList


class RegistryClient:
    """Reads Docker/OCI registries and returns facts: digests, metadata, or an `ImportFailure`.

    Thread-safe: share one client between worker threads so that the per-host limits, the ping cache and
    the token cache are shared too. It never touches the store.

    `credentials` (a mapping or a function from registry host to `(username, password)`) applies to every
    call that does not pass its own. `insecure` on a call allows plain HTTP (after HTTPS fails) and skips TLS
    verification; whether a registry is insecure (OpenShift's precedence rules) is the caller's decision.

    `requests` counts every request sent, by host, method and kind, for benchmarks and tests.
    """

    def __init__(
        self,
        *,
        credentials: CredentialSource | None = None,
        timeout: float = 15.0,
        retry: RetryPolicy | None = None,
        limits: HostLimits | None = None,
        verify: ssl.SSLContext | bool = True,
        trust_env: bool = True,
        transport: httpx.BaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        ping_ttl: float = 300.0,
    ) -> None:
        self._credentials = credentials
        self._retry = retry or RetryPolicy()
        self._clock = clock
        self.requests = RequestCounter()
        self._session = Session(
            timeout=timeout,
            retry=self._retry,
            limits=limits or HostLimits(),
            counter=self.requests,
            verify=verify,
            trust_env=trust_env,
            transport=transport,
            clock=clock,
            sleep=sleep,
            ping_ttl=ping_ttl,
        )

    def close(self) -> None:
        self._session.close()

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- public calls --------------------------------------------------------------------------------------

    def list_tags(
        self,
        repository: str | DockerImageReference,
        *,
        insecure: bool = False,
        credentials: CredentialSource | None = None,
        page_size: int | None = None,
    ) -> list[str]:
        """Every tag of a repository, following `Link` pages, in the registry's order, each once; the empty
        tag some Docker Hub repositories have is read as `latest`. Ordering for a bulk import
        (`domain.tags.prioritize_tags`) and the cap are the caller's."""
        target = resolve(repository, repository_only=True)
        return self._run(
            target, insecure, credentials, lambda endpoint, call: self._tags(endpoint, call, target, page_size)
        )

    def check(
        self,
        reference: str | DockerImageReference,
        last_digest: str | None = None,
        *,
        insecure: bool = False,
        credentials: CredentialSource | None = None,
    ) -> TagCheck:
        """One HEAD (after the ping and token, which are cached): the digest a tag has now, and whether it is
        still `last_digest`. Never GETs a manifest."""
        target = resolve(reference)

        def work(endpoint: Endpoint, call: Call) -> TagCheck:
            head = self._head(endpoint, call, target)
            digest = head.digest if head else ""
            return TagCheck(
                digest=digest,
                media_type=head.media_type if head else "",
                size=head.size if head else None,
                unchanged=bool(digest) and digest == last_digest,
                docker_image_reference=target.pull_spec(digest) if digest else "",
            )

        return self._run(target, insecure, credentials, work)

    def import_image(
        self,
        reference: str | DockerImageReference,
        *,
        import_mode: ImportMode | str = ImportMode.LEGACY,
        prefer_arch: str = "",
        prefer_os: str = "",
        insecure: bool = False,
        last_digest: str | None = None,
        credentials: CredentialSource | None = None,
    ) -> ImportedImage | Unchanged:
        """Reads one image (by tag or digest).

        With `last_digest` (the `source_digest` of the last import), a HEAD comes first and an unchanged tag
        returns `Unchanged` without any GET. Legacy mode imports one platform of a manifest list
        (`prefer_arch`/`prefer_os`, else linux/amd64, else the first runnable entry); PreserveOriginal returns
        the list with every child. Raises an `ImportFailure` subclass on failure (ValueError for an unknown
        `import_mode`, which is a programming error, not a registry's).
        """
        target = resolve(reference)
        mode = ImportMode(import_mode or ImportMode.LEGACY)
        if last_digest and target.digest == last_digest:
            # A digest names the same bytes forever: nothing to ask.
            return Unchanged(last_digest, target.pull_spec(last_digest))
        return self._run(
            target,
            insecure,
            credentials,
            lambda endpoint, call: self._import(endpoint, call, target, mode, prefer_arch, prefer_os, last_digest),
        )

    # -- plumbing ------------------------------------------------------------------------------------------

    def _run(
        self,
        target: Target,
        insecure: bool,
        credentials: CredentialSource | None,
        work: Callable[[Endpoint, Call], _T],
    ) -> _T:
        source = credentials if credentials is not None else self._credentials
        call = Call(
            deadline=Deadline(self._retry.total_timeout, self._clock),
            scope=target.scope,
            credential=lookup_credential(source, target.registry),
            secrets=Secrets(),
            insecure=insecure,
        )
        try:
            endpoint = self._session.endpoint(target.host, call)
            return work(endpoint, call)
        except Problem as problem:
            failure = to_failure(problem, target.subject(), call.secrets)
            log.info(
                "registry request for %s failed: %s: %s", target.subject().reference, failure.reason, failure.message
            )
            raise failure from None

    def _import(
        self,
        endpoint: Endpoint,
        call: Call,
        target: Target,
        mode: ImportMode,
        prefer_arch: str,
        prefer_os: str,
        last_digest: str | None,
    ) -> ImportedImage | Unchanged:
        if last_digest and not target.digest:
            head = self._head(endpoint, call, target)
            if head is not None and head.digest == last_digest:
                log.debug("%s is unchanged at %s", target.subject().reference, last_digest)
                return Unchanged(last_digest, target.pull_spec(last_digest))
        fetched = self._manifest(endpoint, call, target, target.reference, expected=target.digest)
        if fetched.digest == last_digest:  # the HEAD had no digest to tell us
            return Unchanged(last_digest, target.pull_spec(last_digest))
        seen: dict[str, ImportedImage] = {}
        if isinstance(fetched.manifest, ManifestList):
            if mode is ImportMode.PRESERVE_ORIGINAL:
                # Every child, attestations included, as OpenShift does; one failing child fails the tag.
                children = tuple(
                    self._child(endpoint, call, target, d, seen)
                    for d in {d.digest: d for d in fetched.manifest.manifests}.values()
                )
                return ImportedImage(
                    digest=fetched.digest,
                    docker_image_reference=target.pull_spec(fetched.digest),
                    media_type=fetched.manifest.media_type,
                    metadata=list_metadata(fetched.manifest),
                    children=children,
                    source_digest=fetched.digest,
                    manifest_size=len(fetched.content),
                )
            chosen = choose_platform(fetched.manifest, prefer_arch, prefer_os)
            if chosen.digest == last_digest:
                return Unchanged(last_digest, target.pull_spec(last_digest))
            image = self._child(endpoint, call, target, chosen, seen)
            return replace(image, source_digest=fetched.digest)
        return self._image(endpoint, call, target.at(fetched.digest), fetched)

    def _child(
        self, endpoint: Endpoint, call: Call, target: Target, descriptor: Descriptor, seen: dict[str, ImportedImage]
    ) -> ImportedImage:
        if descriptor.digest in seen:
            return seen[descriptor.digest]
        fetched = self._manifest(endpoint, call, target, descriptor.digest, expected=descriptor.digest)
        if descriptor.size and len(fetched.content) != descriptor.size:
            raise IntegrityProblem(
                f"the manifest {descriptor.digest} is {len(fetched.content)} bytes but the list says {descriptor.size}"
            )
        if isinstance(fetched.manifest, ManifestList):
            raise ManifestProblem("nested manifest list", unsupported_type=f"{fetched.manifest.media_type} (nested)")
        image = self._image(endpoint, call, target.at(descriptor.digest), fetched)
        seen[descriptor.digest] = image
        return image

    def _image(self, endpoint: Endpoint, call: Call, target: Target, fetched: _Fetched) -> ImportedImage:
        manifest = fetched.manifest
        assert isinstance(manifest, ImageManifest)
        content, config = self._config(endpoint, call, target, manifest.config)
        return ImportedImage(
            digest=fetched.digest,
            docker_image_reference=target.pull_spec(fetched.digest),
            media_type=manifest.media_type,
            metadata=image_metadata(manifest, content, config),
            source_digest=fetched.digest,
            manifest_size=len(fetched.content),
        )

    def _manifest(self, endpoint: Endpoint, call: Call, target: Target, reference: str, *, expected: str) -> _Fetched:
        reply = self._session.send(
            endpoint,
            "GET",
            f"/v2/{target.repository}/manifests/{reference}",
            kind="manifest",
            call=call,
            max_bytes=MAX_MANIFEST_BYTES,
            headers={"Accept": media.ACCEPT},
        )
        if reply.status != 200:
            raise HTTPProblem(
                reply.status, "manifest", registry_errors(reply.content), credentials=call.credential_state
            )
        # Integrity before anything reads the bytes. By digest, the digest asked for is the truth and the
        # header does not matter; by tag, the header (when sent and readable) must match the bytes.
        announced = reply.headers.get("docker-content-digest", "").strip()
        if expected:
            verify_digest(reply.content, expected, "manifest")
        elif announced and is_digest(announced):
            verify_digest(reply.content, announced, "manifest")
        digest = expected or digest_of(reply.content)
        return _Fetched(digest, reply.content, parse_manifest(reply.content, reply.headers.get("content-type")))

    def _config(
        self, endpoint: Endpoint, call: Call, target: Target, descriptor: Descriptor
    ) -> tuple[bytes, dict[str, Any]]:
        reply = self._session.send(
            endpoint,
            "GET",
            f"/v2/{target.repository}/blobs/{descriptor.digest}",
            kind="blob",
            call=call,
            max_bytes=MAX_CONFIG_BYTES,
            follow_redirects=True,  # blobs may live on a CDN or in S3
        )
        if reply.status != 200:
            raise HTTPProblem(reply.status, "blob", registry_errors(reply.content), credentials=call.credential_state)
        verify_digest(reply.content, descriptor.digest, "config blob")
        if descriptor.size and len(reply.content) != descriptor.size:
            raise IntegrityProblem(
                f"the config blob {descriptor.digest} is {len(reply.content)} bytes but the manifest says "
                f"{descriptor.size}"
            )
        try:
            config = json.loads(reply.content)
        except ValueError as e:
            raise ManifestProblem(f"the image config is not valid JSON: {e}") from None
        if not isinstance(config, dict):
            raise ManifestProblem("the image config is not a JSON object")
        return reply.content, config

    def _head(self, endpoint: Endpoint, call: Call, target: Target) -> TagCheck | None:
        """The HEAD of a manifest; None when the registry does not do HEAD (then only a GET can tell)."""
        reply = self._session.send(
            endpoint,
            "HEAD",
            f"/v2/{target.repository}/manifests/{target.reference}",
            kind="manifest",
            call=call,
            max_bytes=0,
            headers={"Accept": media.ACCEPT},
        )
        if reply.status in (405, 501):
            return None
        if reply.status != 200:
            raise HTTPProblem(reply.status, "manifest", credentials=call.credential_state)
        digest = reply.headers.get("docker-content-digest", "").strip()
        length = reply.headers.get("content-length", "")
        return TagCheck(
            digest=digest if is_digest(digest) else "",
            media_type=media.bare(reply.headers.get("content-type")),
            size=int(length) if length.isdigit() else None,
            unchanged=False,
        )

    def _tags(self, endpoint: Endpoint, call: Call, target: Target, page_size: int | None) -> list[str]:
        path = f"/v2/{target.repository}/tags/list"
        url = endpoint.url(path)
        if page_size is not None:
            url = url.copy_merge_params({"n": str(page_size)})
        tags: dict[str, None] = {}
        visited: set[str] = set()
        while True:
            visited.add(str(url))
            reply = self._session.send(endpoint, "GET", url, kind="tags", call=call, max_bytes=MAX_TAGS_PAGE_BYTES)
            if reply.status != 200:
                raise HTTPProblem(
                    reply.status, "tags", registry_errors(reply.content), credentials=call.credential_state
                )
            try:
                document = json.loads(reply.content)
            except ValueError as e:
                raise ProtocolProblem(f"the tag list is not valid JSON: {e}") from None
            page = document.get("tags") if isinstance(document, dict) else None
            for tag in page or []:
                if isinstance(tag, str):
                    # Some Docker Hub repositories have an empty tag; OpenShift reads it as latest.
                    tags.setdefault(tag or "latest")
            following = next_link(reply.headers.get_list("link"))
            if not following:
                return list(tags)
            # The next page's URL may be relative: resolve it against the page that named it.
            url = reply.url.join(following)
            if not endpoint.same_origin(url):
                raise ProtocolProblem(f"the next page of tags is not on {endpoint.host}")
            if str(url) in visited or len(visited) >= MAX_TAG_PAGES:
                raise ProtocolProblem("the tag list pages do not end")


_LINK = re.compile(r"<([^>]*)>((?:\s*;\s*[^;,]+)*)")
_REL_NEXT = re.compile(r'(?:^|;)\s*rel\s*=\s*"?([^";]*)"?', re.IGNORECASE)


def next_link(values: list[str]) -> str:
    """The `rel="next"` target of RFC 8288 `Link` headers, or empty."""
    for value in values:
        for match in _LINK.finditer(value):
            rel = _REL_NEXT.search(match.group(2))
            if rel is not None and "next" in rel.group(1).lower().split():
                return match.group(1).strip()
    return ""
