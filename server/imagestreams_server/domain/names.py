"""Names users type: namespaces, stream names, tag names, `stream:tag` and `stream@id`."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import InvalidField
from .limits import DNS_SUBDOMAIN_MAX as DNS_SUBDOMAIN_MAX  # named here too, beside its pattern
from .limits import NAMESPACE_MAX, QUALIFIED_NAME_MAX

NAMESPACE_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
# Kubernetes object names (secrets, service accounts): a DNS-1123 subdomain.
DNS_SUBDOMAIN_RE = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
STREAM_NAME_RE = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*")
# The docker grammar of a tag, ASCII only: a word character, then up to 127 word characters, dots or dashes
# (limits.TAG_MAX in all).
TAG_RE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}")
DEFAULT_TAG = "latest"

TAG_RULE = (
    "tags must start with an alphanumeric character followed by alphanumeric, '.' or '-' characters, "
    "and have a maximum of 128 characters"
)


def validate_namespace(namespace: str, field: str = "namespace") -> None:
    if not namespace:
        raise InvalidField(field, "namespace is required")
    if len(namespace) > NAMESPACE_MAX or not NAMESPACE_RE.fullmatch(namespace):
        raise InvalidField(
            field,
            f'invalid namespace "{namespace}": a lowercase RFC 1123 label must consist of lower case '
            "alphanumeric characters or '-', start and end with an alphanumeric character, and be at most "
            f"{NAMESPACE_MAX} characters",
        )


def validate_stream_name(namespace: str, name: str, field: str = "name") -> None:
    if not name:
        raise InvalidField(field, "image stream name is required")
    if name in (".", ".."):
        raise InvalidField(field, f"image stream name may not be '{name}'")
    for bad in ("/", "%"):
        if bad in name:
            raise InvalidField(field, f"image stream name \"{name}\" may not contain '{bad}'")
    if not STREAM_NAME_RE.fullmatch(name):
        raise InvalidField(field, f'invalid image stream name "{name}": must match "{STREAM_NAME_RE.pattern}"')
    if len(namespace) + 1 + len(name) > QUALIFIED_NAME_MAX:
        raise InvalidField(field, f"'namespace/name' cannot be longer than {QUALIFIED_NAME_MAX} characters")


def validate_tag(tag: str, field: str = "tag") -> None:
    """The rule for tags being written. Existing tags are never re-validated, so odd legacy tags can still
    be read and deleted."""
    if not tag:
        raise InvalidField(field, "tag is required")
    if not TAG_RE.fullmatch(tag):
        raise InvalidField(field, f'invalid tag "{tag}" format, {TAG_RULE}')


@dataclass(frozen=True, order=True)
class StreamName:
    """A stream's identity: `namespace/name`."""

    namespace: str
    name: str

    def __str__(self) -> str:
        return f"{self.namespace}/{self.name}"

    def validate(self, prefix: str = "", name_field: str = "name") -> None:
        """Raises InvalidField located at `<prefix>.namespace` or `<prefix>.<name_field>`."""
        dot = f"{prefix}." if prefix else ""
        validate_namespace(self.namespace, f"{dot}namespace")
        validate_stream_name(self.namespace, self.name, f"{dot}{name_field}")


def istag_name(namespace: str, stream: str, tag: str) -> str:
    """`ns/stream:tag`, the way users name an image stream tag."""
    return f"{namespace}/{stream}:{tag}"


def isimage_name(namespace: str, stream: str, image_id: str) -> str:
    return f"{namespace}/{stream}@{image_id}"


@dataclass(frozen=True)
class TagSourceName:
    """The `name` of an ImageStreamTag source: `tag` or `stream:tag`; stream is empty for `tag` alone."""

    stream: str
    tag: str


def parse_istag_source(name: str, field: str) -> TagSourceName:
    if "@" in name:
        raise InvalidField(field, f'"{name}" is an image stream image, not an image stream tag')
    parts = name.split(":")
    if len(parts) == 1:
        stream, tag = "", parts[0]
    elif len(parts) == 2:
        stream, tag = parts
    else:
        raise InvalidField(field, f'"{name}" must be of the form <tag> or <stream>:<tag>')
    if not tag or (len(parts) == 2 and not stream):
        raise InvalidField(field, f'image stream tag "{name}" must have a name and a tag')
    return TagSourceName(stream, tag)


@dataclass(frozen=True)
class ImageSourceName:
    """The `name` of an ImageStreamImage source: `id` or `stream@id`."""

    stream: str
    image_id: str


def parse_isimage_source(name: str, field: str) -> ImageSourceName:
    parts = name.split("@")
    if len(parts) == 1:
        stream, image_id = "", parts[0]
    elif len(parts) == 2:
        stream, image_id = parts
    else:
        raise InvalidField(field, f'expected exactly one @ in the image stream image "{name}"')
    if not image_id or (len(parts) == 2 and not stream):
        raise InvalidField(field, f'image stream image "{name}" must have a name and an ID')
    return ImageSourceName(stream, image_id)
