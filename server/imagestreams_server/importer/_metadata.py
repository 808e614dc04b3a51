"""Image metadata as plain data, shaped exactly like the proto `imagestreams.v1.Image` in JSON.

The keys and value forms are what `json_format.MessageToDict(image, preserving_proto_field_name=True)`
produces (snake_case keys, int64 as strings, timestamps as RFC 3339 in UTC, empty fields left out), minus
`name`, `docker_image_reference`, `create_time` and `metadata_known`: the same dict the api layer builds from
an Image message (`convert.image_metadata_from_pb`), so the service stores either as it is and the two
never differ for the same image. The importer does not import protobuf: the api layer alone knows it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

from ._manifest import Descriptor, ImageManifest, ManifestList

LAYERS_ORDER_ANNOTATION = "image.openshift.io/dockerLayersOrder"


def image_metadata(manifest: ImageManifest, config_content: bytes, config: dict[str, Any]) -> dict[str, Any]:
    """Metadata of a single-platform image from its manifest and config blob (OpenShift `schema2OrOCIToImage`)."""
    raw_settings = config.get("config")
    settings: dict[str, Any] = raw_settings if isinstance(raw_settings, dict) else {}
    # Size as OpenShift counts it: the config's bytes plus each distinct layer once.
    sizes: dict[str, int] = {}
    for layer in manifest.layers:
        if layer.digest != manifest.config.digest:
            sizes.setdefault(layer.digest, layer.size)
    size = len(config_content) + sum(sizes.values())

    details: dict[str, Any] = {
        "id": manifest.config.digest,
        "created": rfc3339(config.get("created")),
        "author": _text(config.get("author")),
        "architecture": _text(config.get("architecture")),
        "os": _text(config.get("os")),
        "env": _strings(settings.get("Env")),
        "cmd": _strings(settings.get("Cmd")),
        "entrypoint": _strings(settings.get("Entrypoint")),
        "labels": _labels(settings.get("Labels")),
        "exposed_ports": sorted(settings["ExposedPorts"]) if isinstance(settings.get("ExposedPorts"), dict) else [],
        "user": _text(settings.get("User")),
        "working_dir": _text(settings.get("WorkingDir")),
        "size": _int64(size),
    }
    result: dict[str, Any] = {
        "metadata": _present(details),
        # Base layer first, as the manifest lists them; OpenShift marks the order with an annotation.
        "layers": [_layer(layer) for layer in manifest.layers],
        "manifest_media_type": manifest.media_type,
    }
    if manifest.layers:
        result["annotations"] = {LAYERS_ORDER_ANNOTATION: "ascending"}
    return _present(result)


def list_metadata(manifest_list: ManifestList) -> dict[str, Any]:
    """Metadata of a manifest list kept whole (PreserveOriginal): its children, no config and no layers.

    OpenShift also sets `created` to the import time; an importer has no business with the clock, so the
    list's own metadata stays empty and the service's create time stands for it.
    """
    return _present(
        {
            "manifest_media_type": manifest_list.media_type,
            "manifests": [_child(d) for d in manifest_list.manifests],
        }
    )


def _layer(layer: Descriptor) -> dict[str, Any]:
    return _present({"name": layer.digest, "size": _int64(layer.size), "media_type": layer.media_type})


def _child(descriptor: Descriptor) -> dict[str, Any]:
    platform = descriptor.platform
    return _present(
        {
            "digest": descriptor.digest,
            "media_type": descriptor.media_type,
            "manifest_size": _int64(descriptor.size),
            "architecture": platform.architecture if platform else "",
            "os": platform.os if platform else "",
            "variant": platform.variant if platform else "",
        }
    )


def _present(values: dict[str, Any]) -> dict[str, Any]:
    """Proto3 JSON leaves out fields at their default: empty strings, lists and maps, zero, no timestamp."""
    return {k: v for k, v in values.items() if v not in ("", None, [], {})}


def _int64(value: int) -> str | None:
    """int64 is a string in proto3 JSON; zero is the default, so it is left out."""
    return str(value) if value else None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):  # a shell-form Cmd written by hand
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _labels(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        return {}
    return {str(k): v for k, v in value.items() if isinstance(v, str)}


_RFC3339 = re.compile(r"(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})")
_MIN_TIME = datetime(1, 1, 1, tzinfo=UTC)


def rfc3339(value: Any) -> str:
    """A config's `created` as protobuf's Timestamp JSON writes it: UTC, `Z`, and 0, 3, 6 or 9 fraction
    digits; nanoseconds are kept (Go writes them). Empty when absent or unreadable: a bad date in a config
    is no reason to fail an import."""
    if not isinstance(value, str):
        return ""
    match = _RFC3339.fullmatch(value.strip())
    if match is None:
        return ""
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    fraction = (match.group(7) or "")[:9].ljust(9, "0")
    zone = match.group(8)
    try:
        when = datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
        if zone not in ("Z", "z"):
            sign = 1 if zone[0] == "+" else -1
            when -= sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
    except (ValueError, OverflowError):
        return ""
    if when < _MIN_TIME or when.year > 9999:
        return ""
    nanos = int(fraction)
    text = f"{when.year:04d}-{when.month:02d}-{when.day:02d}T{when.hour:02d}:{when.minute:02d}:{when.second:02d}"
    if nanos == 0:
        return text + "Z"
    if nanos % 1_000_000 == 0:
        return f"{text}.{nanos // 1_000_000:03d}Z"
    if nanos % 1_000 == 0:
        return f"{text}.{nanos // 1_000:06d}Z"
    return f"{text}.{nanos:09d}Z"
