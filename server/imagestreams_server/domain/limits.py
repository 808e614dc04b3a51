"""How much one request may ask for, in one place: every number a write is checked against before it is
decided, and the checks that name the field that breaks them.

The numbers are generous for real release streams (hundreds of tags, a Tag of a release into every stream of
a product) and small enough that the largest write they allow commits in seconds and its answer fits in the
gRPC default of 4 MiB a client accepts. docs/reliability.md has the table, and what each one costs.
"""

from __future__ import annotations

from collections.abc import Mapping

from .errors import InvalidField

# gRPC's own default, stated: a larger request is refused with RESOURCE_EXHAUSTED before it is read.
MAX_REQUEST_BYTES = 4 * 1024 * 1024

# Names (Kubernetes' rules): a namespace is a DNS label, a secret or account a DNS subdomain; `namespace/name`
# of a stream is a registry repository path; a tag is docker's (the grammar in names.TAG_RE says 128 too).
NAMESPACE_MAX = 63
DNS_SUBDOMAIN_MAX = 253
QUALIFIED_NAME_MAX = 255
TAG_MAX = 128

# One Tag names at most this many destinations: every destination is a stream loaded and saved in the one
# transaction (a new stream is three events), so this bounds the write at a few thousand events.
MAX_TAG_DESTINATIONS = 1000
# A stream holds at most this many spec tags (a release stream has hundreds); its whole spec is one event
# when it is created and one answer when it is read.
MAX_SPEC_TAGS = 2000

# Annotations of one object (a stream, a spec tag, a Tag request's): Kubernetes' qualified key (a DNS
# subdomain prefix, '/', a 63-character name), and its 256 KiB for all of an object's annotations together.
MAX_ANNOTATIONS = 64
MAX_ANNOTATION_KEY_BYTES = DNS_SUBDOMAIN_MAX + 1 + 63
MAX_ANNOTATION_VALUE_BYTES = 64 * 1024
MAX_ANNOTATIONS_BYTES = 256 * 1024
# A Tag writes its annotations to every destination: their size times the destinations may not pass this,
# so the write and its answer stay a few MiB.
MAX_TAG_ANNOTATION_COPIES_BYTES = 2 * 1024 * 1024


def check_count(field: str, count: int, limit: int, what: str) -> None:
    if count > limit:
        raise InvalidField(field, f"{count} {what} given; at most {limit} are allowed")


def annotations_bytes(annotations: Mapping[str, str]) -> int:
    """Keys plus values, in UTF-8 bytes (what Kubernetes counts)."""
    return sum(len(k.encode()) + len(v.encode()) for k, v in annotations.items())


def check_annotations(annotations: Mapping[str, str], field: str = "annotations") -> None:
    """An object's annotations: how many, each key and value, and all of them together."""
    check_count(field, len(annotations), MAX_ANNOTATIONS, "annotations")
    for key, value in annotations.items():
        if not key:
            raise InvalidField(field, "an annotation key may not be empty")
        if len(key.encode()) > MAX_ANNOTATION_KEY_BYTES:
            raise InvalidField(
                field,
                f'annotation key "{key[:40]}..." has {len(key.encode())} bytes; at most {MAX_ANNOTATION_KEY_BYTES} '
                "are allowed",
            )
        if len(value.encode()) > MAX_ANNOTATION_VALUE_BYTES:
            raise InvalidField(
                f"{field}[{key}]",
                f"annotation value of {len(value.encode())} bytes; at most {MAX_ANNOTATION_VALUE_BYTES} are allowed",
            )
    total = annotations_bytes(annotations)
    if total > MAX_ANNOTATIONS_BYTES:
        raise InvalidField(field, f"annotations of {total} bytes in all; at most {MAX_ANNOTATIONS_BYTES} are allowed")


def check_tag_request(destinations: int, annotations: Mapping[str, str] | None) -> None:
    """A Tag: how many destinations, its annotations, and those annotations copied to every destination."""
    check_count("destinations", destinations, MAX_TAG_DESTINATIONS, "destinations")
    if annotations:
        check_annotations(annotations)
        copies = annotations_bytes(annotations) * destinations
        if copies > MAX_TAG_ANNOTATION_COPIES_BYTES:
            raise InvalidField(
                "annotations",
                f"annotations of {annotations_bytes(annotations)} bytes written to {destinations} destinations "
                f"make {copies} bytes; at most {MAX_TAG_ANNOTATION_COPIES_BYTES} are allowed",
            )
