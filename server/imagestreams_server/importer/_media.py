"""Media types the importer knows, and the `Accept` header that asks for them."""

from __future__ import annotations

DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json"
DOCKER_SCHEMA1_SIGNED = "application/vnd.docker.distribution.manifest.v1+prettyjws"
DOCKER_SCHEMA1 = "application/vnd.docker.distribution.manifest.v1+json"
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_INDEX = "application/vnd.oci.image.index.v1+json"

IMAGE_MANIFESTS = frozenset({DOCKER_MANIFEST, OCI_MANIFEST})
MANIFEST_LISTS = frozenset({DOCKER_MANIFEST_LIST, OCI_INDEX})
SCHEMA1 = frozenset({DOCKER_SCHEMA1_SIGNED, DOCKER_SCHEMA1})
KNOWN_MANIFESTS = IMAGE_MANIFESTS | MANIFEST_LISTS | SCHEMA1

# Every type we read, lists first. Without the list types a registry answers a list with its linux/amd64
# child (Docker) or 404 (an OCI index on distribution 2.8); without any, it may down-convert to schema 1.
# Schema 1 is asked for last, with a low weight, only so that a schema-1-only image gets a clear
# "unsupported" rather than a confusing 404. The same header goes on HEAD, or the registry may report the
# digest of a different representation than the GET would return.
ACCEPT = ", ".join(
    [
        OCI_INDEX,
        DOCKER_MANIFEST_LIST,
        DOCKER_MANIFEST,
        OCI_MANIFEST,
        f"{DOCKER_SCHEMA1_SIGNED};q=0.1",
        f"{DOCKER_SCHEMA1};q=0.1",
    ]
)

# BuildKit marks provenance/SBOM entries of an index with this annotation (and platform unknown/unknown).
REFERENCE_TYPE_ANNOTATION = "vnd.docker.reference.type"
ATTESTATION_MANIFEST = "attestation-manifest"


def bare(content_type: str | None) -> str:
    """`application/json; charset=utf-8` -> `application/json`."""
    return (content_type or "").split(";", 1)[0].strip().lower()
