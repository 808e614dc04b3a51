"""Reading manifests: which kind a document is, its descriptors, and which child of a list to import."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from ..domain.reference import ReferenceError, validate_digest
from . import _media as media
from ._problems import IntegrityProblem, ManifestProblem

_HASHES = {"sha256": hashlib.sha256, "sha384": hashlib.sha384, "sha512": hashlib.sha512}


def digest_of(content: bytes, algorithm: str = "sha256") -> str:
    """`<alg>:<hex>` of the exact bytes: never of re-serialised JSON, which would hash differently."""
    return f"{algorithm}:{_HASHES[algorithm](content).hexdigest()}"


def verify_digest(content: bytes, expected: str, what: str) -> None:
    algorithm = expected.split(":", 1)[0]
    if algorithm not in _HASHES:
        raise IntegrityProblem(f"the {what} digest {expected} uses an unsupported algorithm")
    actual = digest_of(content, algorithm)
    if actual != expected:
        raise IntegrityProblem(
            f"the {what} retrieved with digest {expected} does not match the digest calculated from the content "
            f"{actual}"
        )


@dataclass(frozen=True)
class Platform:
    architecture: str = ""
    os: str = ""
    variant: str = ""


@dataclass(frozen=True)
class Descriptor:
    media_type: str
    digest: str
    size: int
    platform: Platform | None = None
    annotations: dict[str, str] = field(default_factory=dict)

    @property
    def is_attestation(self) -> bool:
        """BuildKit's provenance/SBOM entries: not runnable, so never the platform we pick."""
        if self.annotations.get(media.REFERENCE_TYPE_ANNOTATION) == media.ATTESTATION_MANIFEST:
            return True
        return self.platform is not None and (self.platform.architecture, self.platform.os) == ("unknown", "unknown")


@dataclass(frozen=True)
class ImageManifest:
    media_type: str
    config: Descriptor
    layers: tuple[Descriptor, ...]


@dataclass(frozen=True)
class ManifestList:
    media_type: str
    manifests: tuple[Descriptor, ...]


def parse_manifest(content: bytes, content_type: str | None) -> ImageManifest | ManifestList:
    """Parses a manifest document, taking its type from Content-Type, then `mediaType`, then its fields."""
    try:
        document = json.loads(content)
    except ValueError as e:
        raise ManifestProblem(f"the manifest is not valid JSON: {e}") from None
    if not isinstance(document, dict):
        raise ManifestProblem("the manifest is not a JSON object")
    header_type = media.bare(content_type)
    body_type = _text(document.get("mediaType"))
    if header_type in media.KNOWN_MANIFESTS and body_type and body_type != header_type:
        # The spec says a client SHOULD reject this: which of the two would we believe?
        raise ManifestProblem(f"the manifest says it is {body_type} but was served as {header_type}")
    media_type = (
        header_type if header_type in media.KNOWN_MANIFESTS else body_type or _infer_type(document) or header_type
    )
    if media_type in media.MANIFEST_LISTS:
        entries = document.get("manifests")
        if not isinstance(entries, list):
            raise ManifestProblem("the manifest list has no manifests array")
        return ManifestList(media_type, tuple(_descriptor(e, with_platform=True) for e in entries))
    if media_type in media.IMAGE_MANIFESTS:
        config = document.get("config")
        layers = document.get("layers", [])
        if not isinstance(config, dict) or not isinstance(layers, list):
            raise ManifestProblem("the image manifest has no config or no layers array")
        return ImageManifest(media_type, _descriptor(config), tuple(_descriptor(layer) for layer in layers))
    # Schema 1 is deprecated and read by nobody we serve; an unknown type may be a list or an artifact.
    raise ManifestProblem("unsupported manifest", unsupported_type=media_type or "unknown")


def _infer_type(document: dict[str, Any]) -> str:
    """Neither header nor body names the type: go by `schemaVersion` and the fields, as the spec says."""
    if document.get("schemaVersion") == 1:
        return media.DOCKER_SCHEMA1_SIGNED if "signatures" in document else media.DOCKER_SCHEMA1
    if document.get("schemaVersion") == 2:
        if "manifests" in document:
            return media.OCI_INDEX
        if "config" in document:
            return media.OCI_MANIFEST
    return ""


def _descriptor(value: Any, *, with_platform: bool = False) -> Descriptor:
    if not isinstance(value, dict):
        raise ManifestProblem("a descriptor in the manifest is not an object")
    digest = value.get("digest")
    size = value.get("size", 0)
    if not isinstance(digest, str):
        raise ManifestProblem("a descriptor in the manifest has no digest")
    try:
        validate_digest(digest)
    except ReferenceError as e:
        raise ManifestProblem(f'a descriptor in the manifest has an invalid digest "{digest[:80]}": {e}') from None
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ManifestProblem(f"the descriptor of {digest} has an invalid size")
    media_type = _text(value.get("mediaType"))
    raw_annotations = value.get("annotations")
    annotations = (
        {str(k): v for k, v in raw_annotations.items() if isinstance(v, str)}
        if isinstance(raw_annotations, dict)
        else {}
    )
    platform = None
    raw_platform = value.get("platform")
    if with_platform and isinstance(raw_platform, dict):
        platform = Platform(
            architecture=_text(raw_platform.get("architecture")),
            os=_text(raw_platform.get("os")),
            variant=_text(raw_platform.get("variant")),
        )
    return Descriptor(media_type, digest, size, platform, annotations)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


DEFAULT_ARCH = "amd64"
DEFAULT_OS = "linux"


def choose_platform(manifest_list: ManifestList, prefer_arch: str = "", prefer_os: str = "") -> Descriptor:
    """The child a Legacy import keeps, as OpenShift picks it: the preferred platform, else linux/amd64, else
    the first entry; `variant` is ignored. Attestations, entries without a platform and entries that are not
    image manifests are never picked (OpenShift has no attestations to skip; we must)."""
    candidates = [
        d
        for d in manifest_list.manifests
        if not d.is_attestation
        and d.platform is not None
        and (not d.media_type or d.media_type in media.IMAGE_MANIFESTS)
    ]
    if not candidates:
        if not manifest_list.manifests:
            raise ManifestProblem("no manifests in manifest list")
        raise ManifestProblem("no runnable image in manifest list: only attestations or unknown platforms")
    wanted = [(prefer_arch or DEFAULT_ARCH, prefer_os or DEFAULT_OS), (DEFAULT_ARCH, DEFAULT_OS)]
    for arch, os in wanted:
        for descriptor in candidates:
            assert descriptor.platform is not None
            if (descriptor.platform.architecture, descriptor.platform.os) == (arch, os):
                return descriptor
    return candidates[0]
