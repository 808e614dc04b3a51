"""An image as `oc` describes it (`oc describe istag`, and each image `oc import-image` prints).

Same labels, order and tabwriter settings as OpenShift's DescribeImage; sizes are docker go-units
`HumanSize` (`1.234kB`), ages go-units `HumanDuration`. Two lines OpenShift lacks: `OS` next to `Arch`, and
`Manifests` (each platform of a manifest list).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from imagestreams.v1 import resources_pb2 as pb

from .humanize import ago, is_set
from .tabwriter import describe_format

NONE = "<none>"
_SIZE_UNITS = ("B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB")


def human_size(size: float) -> str:
    """go-units HumanSize: decimal units, four significant digits (`123B`, `1.234kB`, `12.35MB`)."""
    unit = 0
    while size >= 1000 and unit < len(_SIZE_UNITS) - 1:
        size /= 1000
        unit += 1
    return f"{size:.4g}{_SIZE_UNITS[unit]}"


def describe_image(image: pb.Image, image_name: str, now: datetime) -> str:
    """The description of `image`; `image_name` (`ruby:2.0`) heads it when given."""
    lines: list[str] = []
    if image_name:
        _field(lines, "Image Name", image_name)
    _field(lines, "Docker Image", image.docker_image_reference)
    _field(lines, "Name", image.name)
    if is_set(image.create_time):
        _field(lines, "Created", ago(image.create_time, now))
    if image.annotations:
        _mapping(lines, "Annotations", image.annotations)
    if image.manifests:
        _field(lines, "Manifests", "\n".join(_manifest(m) for m in image.manifests))
    if image.metadata_known:
        _metadata(lines, image, now)
    return describe_format("".join(lines))


def _manifest(manifest: pb.ImageManifest) -> str:
    platform = "/".join(p for p in (manifest.os, manifest.architecture, manifest.variant) if p)
    return f"{platform or NONE}\t{manifest.digest}"


def _metadata(lines: list[str], image: pb.Image, now: datetime) -> None:
    metadata = image.metadata
    if image.layers:
        _field(lines, "Image Size", f"{human_size(metadata.size)} in {len(image.layers)} layers")
        _field(lines, "Layers", "\n".join(f"{human_size(layer.size)}\t{layer.name}" for layer in image.layers))
    else:
        _field(lines, "Layer Size", human_size(metadata.size))
    _field(lines, "Image Created", ago(metadata.created, now))
    _field(lines, "Author", metadata.author)
    _field(lines, "Arch", metadata.architecture)
    _field(lines, "OS", metadata.os)
    if metadata.entrypoint:
        _field(lines, "Entrypoint", " ".join(metadata.entrypoint))
    if metadata.cmd or not metadata.entrypoint:
        _field(lines, "Command", " ".join(metadata.cmd))
    _field(lines, "Working Dir", metadata.working_dir)
    _field(lines, "User", metadata.user)
    _field(lines, "Exposes Ports", ", ".join(sorted(metadata.exposed_ports)))
    _mapping(lines, "Docker Labels", metadata.labels)
    _list(lines, "Environment", metadata.env)


def _field(lines: list[str], label: str, value: str) -> None:
    """OpenShift's formatString: `Label:\\tvalue`, a tab-led line per line of the value, `<none>` if empty."""
    lines.append(f"{label}:")
    lines.extend(f"\t{part}\n" for part in (value or NONE).split("\n"))


def _mapping(lines: list[str], label: str, items: Mapping[str, str]) -> None:
    _field(lines, label, "\n".join(f"{key}={items[key]}" for key in sorted(items)))


def _list(lines: list[str], label: str, values: Sequence[str]) -> None:
    """One value per line, the first after the label; nothing at all when empty (as OpenShift prints env)."""
    if values:
        _field(lines, label, "\n".join(values))
