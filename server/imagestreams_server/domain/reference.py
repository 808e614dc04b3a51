"""Pull specs in the domain. The parsing is shared with isctl and lives in the API package
(`imagestreams.references`, the one package both depend on); the domain adds `parse_pull_spec`, which reports a
spec that names no image as an error of the request's field."""

from __future__ import annotations

from imagestreams.references import (
    DOCKER_HUB_HOSTS,
    DockerImageReference,
    ReferenceError,
    digest_matches,
    image_pull_policy,
    is_digest,
    validate_digest,
)

from .errors import InvalidField

__all__ = [
    "DOCKER_HUB_HOSTS",
    "DockerImageReference",
    "ReferenceError",
    "digest_matches",
    "image_pull_policy",
    "is_digest",
    "parse_pull_spec",
    "validate_digest",
]


def parse_pull_spec(spec: str, field: str) -> DockerImageReference:
    """A pull spec that names an image: a bare registry (`quay.io`, `quay.io@sha256:...`) is refused."""
    try:
        ref = DockerImageReference.parse(spec)
    except ReferenceError as e:
        raise InvalidField(field, f'invalid pull spec "{spec}": {e}') from None
    if not ref.name:
        raise InvalidField(field, f'invalid pull spec "{spec}": a repository name is required')
    return ref
