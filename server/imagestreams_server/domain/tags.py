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


# OpenShift's PrioritizeTags (origin pkg/image/apis/image/helper.go), with blang/semver's strict parser.
# Go's `\d` and `\w` are ASCII only.
_MINOR_RE = re.compile(r"[0-9]+\.[0-9]+", re.ASCII)
_MINOR_WITH_PATCH_RE = re.compile(r"([0-9]+\.[0-9]+)-\w+", re.ASCII)
_SEMVER_ALNUM = re.compile(r"[0-9A-Za-z-]+", re.ASCII)
_UINT64_MAX = (1 << 64) - 1

_LATEST, _MINOR, _FULL, _OTHER = range(4)


def _semver_number(text: str) -> int | None:
    """A major, minor or patch number as blang/semver takes it: digits, no leading zero, a uint64."""
    if not text.isascii() or not text.isdigit() or (len(text) > 1 and text[0] == "0"):
        return None
    value = int(text)
    return value if value <= _UINT64_MAX else None


def _semver_key(version: str) -> tuple[Any, ...] | None:
    """The precedence key of a strict semantic version (`MAJOR.MINOR.PATCH[-PRE][+BUILD]`), or None when
    blang/semver's `Parse` refuses it. Build metadata is checked and then ignored, as semver compares."""
    parts = version.split(".", 2)
    if len(parts) != 3:
        return None
    major, minor = _semver_number(parts[0]), _semver_number(parts[1])
    rest, build, prerelease = parts[2], None, None
    if "+" in rest:
        rest, build = rest.split("+", 1)
    if "-" in rest:
        rest, prerelease = rest.split("-", 1)
    patch = _semver_number(rest)
    if major is None or minor is None or patch is None:
        return None
    if build is not None and not all(_SEMVER_ALNUM.fullmatch(b) for b in build.split(".")):
        return None
    if prerelease is None:
        # A release sorts above its pre-releases (5.1 before 5.1-rc1).
        return (major, minor, patch, (1,))
    identifiers: list[tuple[int, int, str]] = []
    for identifier in prerelease.split("."):
        if identifier.isascii() and identifier.isdigit():
            number = _semver_number(identifier)
            if number is None:
                return None
            identifiers.append((0, number, ""))  # numeric identifiers compare numerically, below words
        elif _SEMVER_ALNUM.fullmatch(identifier):
            identifiers.append((1, 0, identifier))
        else:
            return None
    # A longer set of identifiers wins when the shared ones are equal (tuple comparison does the same).
    return (major, minor, patch, (0, tuple(identifiers)))


def _priority(tag: str) -> tuple[int, tuple[Any, ...] | None, str]:
    """A tag's class (latest, minor version, full version, other), its version key and its `v` prefix."""
    if tag == "latest":
        return _LATEST, None, ""
    prefix, short = ("v", tag[1:]) if tag.startswith("v") else ("", tag)
    if (key := _semver_key(short)) is not None:
        return _FULL, key, prefix
    if _MINOR_RE.fullmatch(short) and (key := _semver_key(short + ".0")) is not None:
        return _MINOR, key, prefix
    if (m := _MINOR_WITH_PATCH_RE.fullmatch(short)) and (key := _semver_key(short.replace(m[1], m[1] + ".0", 1))):
        return _MINOR, key, prefix
    return _OTHER, None, prefix


def prioritize_tags(tags: list[str]) -> list[str]:
    """`describe` and bulk-import order, OpenShift's `PrioritizeTags`: `latest`; then minor versions (`5.1`,
    `v5.1`, `5.1-rc1`) newest first; then full semantic versions (`5.1.3`, `v5.1.3-rc.1`) newest first; then
    every other tag by name. Versions are strict semantic versions (no leading zeros: `01.2` is an other tag).
    Equal versions put the tag without the `v` first (`5.5` before `v5.5`), and then, where OpenShift's
    unstable sort leaves the order open (`1.2.3+b1`, `1.2.3+b2`), the name decides."""
    ranked = []
    for tag in tags:
        priority, key, prefix = _priority(tag)
        ranked.append((priority, key, prefix, tag))
    versions = [r for r in ranked if r[0] in (_MINOR, _FULL)]
    # Newest version first; equal versions by prefix ("" before "v"), then by name.
    versions.sort(key=lambda r: (r[2], r[3]))
    versions.sort(key=lambda r: r[1] or (), reverse=True)
    versions.sort(key=lambda r: r[0])
    latest = [r[3] for r in ranked if r[0] == _LATEST]
    others = sorted(r[3] for r in ranked if r[0] == _OTHER)
    return latest + [r[3] for r in versions] + others
