"""The `oc describe is` layout, rendered from a DescribeImageStreamResponse.

The server already orders the tags (latest, versions newest first, the rest) and folds aliases into the tag
they track, so this module only lays text out: the same lines, in the same order, through the same
tabwriter settings as `oc`, so people and scripts used to `oc describe is` read it unchanged.
"""

from __future__ import annotations

from datetime import datetime

from imagestreams.references import DockerImageReference, ReferenceError
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb

from .humanize import ago, is_set
from .tabwriter import describe_format

NONE = "<none>"
# Spec-tag annotations `oc describe` shows as prose under the tag's source line.
_TAG_ANNOTATION_LINES = (("tags", "Tags"), ("supports", "Supports"))


def describe_image_stream(described: api.DescribeImageStreamResponse, now: datetime) -> str:
    stream = described.image_stream
    lines: list[str] = []
    _string(lines, "Name", stream.name)
    if stream.namespace:
        _string(lines, "Namespace", stream.namespace)
    if is_set(stream.create_time):
        lines.append(f"Created:\t{ago(stream.create_time, now)}\n")
    # Streams carry no labels in this API; the line stays so the layout matches `oc`.
    _mapping(lines, "Labels", {})
    annotations = dict(stream.annotations)
    description = annotations.pop("description", "")
    if description:
        _string(lines, "Description", description)
    _mapping(lines, "Annotations", annotations)
    # As `oc describe is`: the public repository when the registry has one.
    _string(lines, "Image Repository", described.public_docker_image_repository or described.image_repository)
    _string(lines, "Image Lookup", f"local={'true' if stream.lookup_local else 'false'}")
    _tags(lines, described, now)
    return describe_format("".join(lines))


def _string(lines: list[str], label: str, value: str) -> None:
    """`Label:\\tvalue`, one tab-led line per line of a multi-line value; empty shows as `<none>`."""
    lines.append(f"{label}:")
    lines.extend(f"\t{part}\n" for part in (value or NONE).split("\n"))


def _mapping(lines: list[str], label: str, items: dict[str, str]) -> None:
    if not items:
        _string(lines, label, "")
        return
    for i, key in enumerate(sorted(items)):
        if i == 0:
            _string(lines, label, f"{key}={items[key]}")
        else:
            lines.append(f"\t{key}={items[key]}\n")


def _tags(lines: list[str], described: api.DescribeImageStreamResponse, now: datetime) -> None:
    stream = described.image_stream
    # Aliases are folded into the tag they track, but `Tags:` counts every tag, as `oc` does.
    names = {t.tag for t in stream.status_tags} | {t.name for t in stream.spec_tags}
    if not names:
        lines.append("Tags:\t<none>\n")
        return
    lines.append(f"Unique Images:\t{described.unique_images}\nTags:\t{len(names)}\n\n")
    held = _Held({p.tag: p for p in described.pins}, {s.tag: s for s in described.skipped_moves})
    for i, tag in enumerate(described.tags):
        if i > 0:
            lines.append("\n")
        _tag(lines, tag, now, held)


class _Held:
    """The stream's pins and skipped moves, by tag."""

    def __init__(self, pins: dict[str, pb.TagPin], skipped: dict[str, pb.SkippedMove]) -> None:
        self.pins = pins
        self.skipped = skipped

    def lines(self, tag: pb.DescribedTag, now: datetime) -> list[str]:
        """`pinned by alice 5 minutes ago: incident 42`, and the last move a pin left alone, for the tag and
        each of its aliases (named)."""
        result = []
        for name in (tag.tag, *tag.aliases):
            who = "" if name == tag.tag else f"{name}: "
            pin = self.pins.get(name)
            if pin is not None:
                reason = f": {pin.reason}" if pin.reason else ""
                result.append(f"  {who}pinned by {pin.actor} {ago(pin.since, now)}{reason}\n")
            skipped = self.skipped.get(name)
            if skipped is not None:
                times = "1 move" if skipped.count == 1 else f"{skipped.count} moves"
                result.append(
                    f"  {who}! {times} left alone, the last by {skipped.move_cause} to "
                    f"{skipped.event.docker_image_reference or NONE} ({skipped.actor}, {ago(skipped.time, now)})\n"
                )
        return result


def _tag(lines: list[str], tag: pb.DescribedTag, now: datetime, held: _Held) -> None:
    header = f"{tag.tag} ({', '.join(tag.aliases)})" if tag.aliases else tag.tag
    lines.append(f"{header}\n")
    lines.append(f"  {tag.source_description}\n")
    lines.extend(held.lines(tag, now))
    spec = tag.spec if tag.HasField("spec") else None
    if spec is not None and spec.HasField("from") and spec.import_policy.insecure:
        lines.append("    will use insecure HTTPS or HTTP connections\n")
    if spec is not None and spec.reference_policy.type == pb.REFERENCE_POLICY_TYPE_LOCAL:
        lines.append("    prefer registry pullthrough when referencing this tag\n")
    lines.append("\n")

    annotations = dict(spec.annotations) if spec is not None else {}
    extra = []
    if annotations.get("description"):
        extra.append(f"  {annotations['description']}\n")
    for key, label in _TAG_ANNOTATION_LINES:
        if annotations.get(key):
            extra.append(f"  {label}: {', '.join(annotations[key].split(','))}\n")
    if annotations.get("sampleRepo"):
        extra.append(f"  Example Repo: {annotations['sampleRepo']}\n")
    if extra:
        lines.extend(extra)
        lines.append("\n")

    if tag.import_pending:
        lines.append("  ~ importing latest image ...\n")
    for condition in tag.status.conditions:
        if condition.type == "ImportSuccess" and condition.status == "False":
            lines.append(
                f"  ! error: Import failed ({condition.reason}): {condition.message}\n"
                f"      {ago(condition.last_transition_time, now)}\n"
            )
    for i, event in enumerate(tag.status.items):
        marker = "  * " if i == 0 else "    "
        lines.append(f"{marker}{event.docker_image_reference}\n")
        age = f"      {ago(event.create_time, now)}"
        # The image id is worth showing only when the pull spec does not already end in it.
        if event.image and _pull_spec_digest(event.docker_image_reference) not in (None, event.image):
            lines.append(f"{age}\t{event.image}\n")
        else:
            lines.append(f"{age}\n")


def _pull_spec_digest(pull_spec: str) -> str | None:
    """The digest a pull spec names (empty if none), or None when it does not parse."""
    try:
        return DockerImageReference.parse(pull_spec).id
    except ReferenceError:
        return None
