"""What the registry API of an image stream may serve, and where each piece comes from.

A manifest or blob is served through `REGISTRY/NS/STREAM` only when it belongs to an image of that stream:
an image in any tag's history (by tag: the tag's current image), a child of a manifest list kept whole, or a
layer or config blob of one of those. Each is fetched from the registry the image came from (its pull
spec), with the project's pull secrets and the stream's insecure rules, as an import would read it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..domain.errors import InvalidField, NotFound
from ..domain.state import StreamState
from ..importer._target import resolve
from .queries import Queries

SHA256_RE = re.compile(r"sha256:[a-f0-9]{64}")


@dataclass(frozen=True)
class Source:
    """Where to fetch a digest: the upstream host and repository, and whether plain HTTP is allowed."""

    digest: str
    host: str
    repository: str
    insecure: bool


class PullThrough:
    def __init__(self, queries: Queries, metadata_of: Callable[[str], dict[str, Any]] | None = None) -> None:
        self.queries = queries
        self.metadata_of = metadata_of or self._metadata

    def _metadata(self, digest: str) -> dict[str, Any]:
        try:
            return self.queries.image(digest).metadata
        except NotFound:
            return {}

    def _state(self, namespace: str, stream: str) -> StreamState | None:
        try:
            return self.queries.stream(namespace, stream).state
        except (NotFound, InvalidField):  # an invalid name is no stream here either
            return None

    def manifest(self, namespace: str, stream: str, reference: str) -> Source | None:
        """The source of a manifest of the stream, by tag or digest (None: not one of the stream's)."""
        state = self._state(namespace, stream)
        if state is None:
            return None
        if not SHA256_RE.fullmatch(reference):
            current = state.current(reference)
            return self._source(state, current.image, current.docker_image_reference) if current else None
        for digest, event in state.images().items():
            if digest == reference:
                return self._source(state, digest, event.docker_image_reference)
            for child in self.metadata_of(digest).get("manifests") or []:
                if child.get("digest") == reference:
                    return self._source(state, reference, event.docker_image_reference)
        return None

    def blob(self, namespace: str, stream: str, digest: str) -> Source | None:
        """The source of a layer or config blob of one of the stream's images (None: not one)."""
        state = self._state(namespace, stream)
        if state is None:
            return None
        for image, event in state.images().items():
            metadata = self.metadata_of(image)
            candidates = [(image, metadata)]
            candidates += [
                (child["digest"], self.metadata_of(child["digest"]))
                for child in metadata.get("manifests") or []
                if child.get("digest")
            ]
            for _, found in candidates:
                config = (found.get("metadata") or {}).get("id", "")
                layers = [layer.get("name") for layer in found.get("layers") or []]
                if digest == config or digest in layers:
                    return self._source(state, digest, event.docker_image_reference)
        return None

    @staticmethod
    def _source(state: StreamState, digest: str, pull_spec: str) -> Source | None:
        try:
            target = resolve(pull_spec)
        except Exception:
            return None
        insecure = state.insecure_allowed() or any(
            spec.insecure
            for tag, spec in state.spec_tags.items()
            if any(item.docker_image_reference == pull_spec for item in state.status_tags.get(tag, _EMPTY).items)
        )
        return Source(digest, target.host, target.repository, insecure)


class _Empty:
    items: tuple[()] = ()


_EMPTY: Any = _Empty()
