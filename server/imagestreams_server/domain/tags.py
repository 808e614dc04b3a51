"""Spec tags: what a tag should point at, when a change counts, who tracks whom, and describe order."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from typing import Any, Self

from .errors import InvalidField
from .names import parse_istag_source


class SourceKind(enum.StrEnum):
    DOCKER_IMAGE = "DockerImage"
    IMAGE_STREAM_TAG = "ImageStreamTag"
    IMAGE_STREAM_IMAGE = "ImageStreamImage"


class ReferencePolicy(enum.StrEnum):
    SOURCE = "Source"
    LOCAL = "Local"


class ImportMode(enum.StrEnum):
    LEGACY = "Legacy"
    PRESERVE_ORIGINAL = "PreserveOriginal"


@dataclass(frozen=True)
class Source:
    kind: SourceKind
    name: str
    # Empty means the stream's own namespace.
    namespace: str = ""

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self  # immutable (never changed in place): copies of a stream share it

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "name": self.name, "namespace": self.namespace}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        return cls(SourceKind(data["kind"]), data["name"], data.get("namespace", ""))


@dataclass(frozen=True)
class TagSpec:
    """A spec tag (OpenShift's TagReference)."""

    name: str
    source: Source | None = None
    annotations: dict[str, str] = field(default_factory=dict)
    reference: bool = False
    generation: int = 0
    insecure: bool = False
    scheduled: bool = False
    import_mode: ImportMode = ImportMode.LEGACY
    reference_policy: ReferencePolicy = ReferencePolicy.SOURCE

    def __deepcopy__(self, memo: dict[int, Any]) -> Self:
        return self  # immutable (never changed in place): copies of a stream share it

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "source": self.source.to_dict() if self.source else None,
            "annotations": dict(self.annotations),
            "reference": self.reference,
            "generation": self.generation,
            "insecure": self.insecure,
            "scheduled": self.scheduled,
            "import_mode": self.import_mode.value,
            "reference_policy": self.reference_policy.value,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TagSpec:
        source = data.get("source")
        return cls(
            name=data["name"],
            source=Source.from_dict(source) if source else None,
            annotations=dict(data.get("annotations") or {}),
            reference=bool(data.get("reference", False)),
            generation=int(data.get("generation", 0)),
            insecure=bool(data.get("insecure", False)),
            scheduled=bool(data.get("scheduled", False)),
            import_mode=ImportMode(data.get("import_mode", ImportMode.LEGACY.value)),
            reference_policy=ReferencePolicy(data.get("reference_policy", ReferencePolicy.SOURCE.value)),
        )

    def with_generation(self, generation: int) -> TagSpec:
        return replace(self, generation=generation)

    def tracked_tag(self, stream_namespace: str, stream_name: str) -> str | None:
        """The tag of the same stream this tag tracks (an alias), or None."""
        source = self.source
        if source is None or source.kind is not SourceKind.IMAGE_STREAM_TAG:
            return None
        if source.namespace and source.namespace != stream_namespace:
            return None
        try:
            parsed = parse_istag_source(source.name, "source.name")
        except InvalidField:  # a stored name that does not parse tracks nothing
            return None
        if parsed.stream and parsed.stream != stream_name:
            return None
        return parsed.tag


def source_changed(old: TagSpec | None, new: TagSpec, stream_namespace: str) -> bool:
    """Whether a new spec asks for a new image: the source (kind, namespace, name), `reference` or the import
    mode differ. Policy-only changes (insecure, scheduled, reference policy, annotations) do not.

    OpenShift ignores a change of kind alone; a different kind names a different thing, so it counts here.
    """
    if old is None:
        return True
    if new.source is None:
        return False
    old_source = old.source or Source(SourceKind.DOCKER_IMAGE, "")
    return (
        (old_source.namespace or stream_namespace) != (new.source.namespace or stream_namespace)
        or old_source.name != new.source.name
        or old_source.kind != new.source.kind
        or old.reference != new.reference
        or old.import_mode != new.import_mode
    )


def source_description(spec: TagSpec | None, stream_namespace: str) -> str:
    """The line under a tag in `describe`, as `oc describe is` words it."""
    if spec is None:
        return "no spec tag"
    source = spec.source
    if source is None:
        return "tag without source image"
    name = source.name
    if source.namespace and source.namespace != stream_namespace:
        name = f"{source.namespace}/{name}"
    if source.kind is SourceKind.IMAGE_STREAM_TAG:
        if spec.reference:
            return f"reference to {name}"
        if spec.scheduled:
            return f"updates automatically from {name}"
        return f"tagged from {name}"
    if source.kind is SourceKind.DOCKER_IMAGE:
        if spec.reference:
            return f"reference to registry {name}"
        if spec.scheduled:
            return f"updates automatically from registry {name}"
        return f"tagged from {name}"
    if spec.reference:
        return f"reference to image {name}"
    return f"tagged from {name}"


_MINOR_RE = re.compile(r"v?(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?")
_FULL_RE = re.compile(r"v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?")


def _prerelease_key(pre: str | None) -> tuple[Any, ...]:
    """Semantic-version precedence: a release sorts above its pre-releases (5.1 before 5.1-rc1), and
    pre-release identifiers compare numerically when numeric (rc.10 above rc.9), numbers below words."""
    if not pre:
        return (1,)
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (0, parts)


def prioritize_tags(tags: list[str]) -> list[str]:
    """`describe` and bulk-import order: `latest`, then minor versions (`5.1`, `v5.1`, `5.1-rc1`) newest first,
    then full versions (`5.1.3`) newest first, then every other tag by name."""
    latest: list[str] = []
    minors: list[tuple[tuple[Any, ...], str]] = []
    fulls: list[tuple[tuple[Any, ...], str]] = []
    others: list[str] = []
    for tag in tags:
        if tag == "latest":
            latest.append(tag)
        elif m := _MINOR_RE.fullmatch(tag):
            minors.append(((int(m[1]), int(m[2]), _prerelease_key(m[3]), tag.startswith("v")), tag))
        elif m := _FULL_RE.fullmatch(tag):
            fulls.append(((int(m[1]), int(m[2]), int(m[3]), _prerelease_key(m[4]), tag.startswith("v")), tag))
        else:
            others.append(tag)
    # Equal versions (`1.2` and `01.2`) fall back to the name, so the order never depends on the input's.
    minors.sort(key=lambda item: item[1])
    minors.sort(key=lambda item: item[0], reverse=True)
    fulls.sort(key=lambda item: item[1])
    fulls.sort(key=lambda item: item[0], reverse=True)
    return latest + [t for _, t in minors] + [t for _, t in fulls] + sorted(others)
