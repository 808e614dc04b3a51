"""What users type: resource types (`is`, `istag`), `NAME:TAG`, `NAME@ID`, `[ns/]stream:tag` and `oc tag`
sources. Errors are worded the way `oc` words them."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from imagestreams.references import DockerImageReference, ReferenceError
from imagestreams.v1 import resources_pb2 as pb

from .errors import UsageError, UserInputError

IMAGE_STREAM = "imagestream"
IMAGE_STREAM_TAG = "imagestreamtag"
IMAGE_STREAM_IMAGE = "imagestreamimage"
PROJECT = "project"
USER = "user"
GROUP = "group"
SERVICE_ACCOUNT = "serviceaccount"
TOKEN = "token"
ROLE_BINDING = "rolebinding"
CLUSTER_ROLE_BINDING = "clusterrolebinding"
CLUSTER_ROLE = "clusterrole"
SECRET = "secret"
BUILDER = "builder"

# Every spelling kubectl accepts for our resources: singular, plural, short name, with or without the group.
# The last spelling is the one help text shows.
_RESOURCE_ALIASES = {
    IMAGE_STREAM: ("imagestream", "imagestreams", "is"),
    IMAGE_STREAM_TAG: ("imagestreamtag", "imagestreamtags", "istag"),
    IMAGE_STREAM_IMAGE: ("imagestreamimage", "imagestreamimages", "isimage"),
    PROJECT: ("project", "projects"),
    USER: ("user", "users"),
    GROUP: ("group", "groups"),
    SERVICE_ACCOUNT: ("serviceaccount", "serviceaccounts", "sa"),
    # OpenShift's own names for a user's tokens, beside the plain word.
    TOKEN: (
        "useroauthaccesstoken",
        "useroauthaccesstokens",
        "oauthaccesstoken",
        "oauthaccesstokens",
        "token",
        "tokens",
    ),
    ROLE_BINDING: ("rolebinding", "rolebindings"),
    CLUSTER_ROLE_BINDING: ("clusterrolebinding", "clusterrolebindings"),
    CLUSTER_ROLE: ("clusterrole", "clusterroles"),
    SECRET: ("secret", "secrets"),
    BUILDER: ("builderimage", "builderimages", "builder", "builders"),
}
_GROUPS = (
    ".image.openshift.io",
    ".project.openshift.io",
    ".user.openshift.io",
    ".oauth.openshift.io",
    ".rbac.authorization.k8s.io",
)


def resource_type(typed: str, allowed: tuple[str, ...]) -> str:
    """The canonical resource type for `is`, `imagestreams`, `istag.image.openshift.io`, ..."""
    word = typed.lower()
    for group in _GROUPS:
        word = word.removesuffix(group)
    for canonical in allowed:
        if word in _RESOURCE_ALIASES[canonical]:
            return canonical
    names = ", ".join(_RESOURCE_ALIASES[c][-1] for c in allowed)
    raise UsageError(f'unknown resource type "{typed}"; use one of: {names}')


def resource_words(canonical: str | None = None) -> tuple[str, ...]:
    """Every spelling of one resource type (without API group), or of all of them."""
    if canonical is not None:
        return _RESOURCE_ALIASES[canonical]
    return tuple(sorted({word for words in _RESOURCE_ALIASES.values() for word in words}))


def resource_choices(allowed: tuple[str, ...]) -> str:
    """How help text lists the types a verb takes: `is (imagestream), istag (imagestreamtag)`."""
    return ", ".join(f"{_RESOURCE_ALIASES[c][-1]} ({c})" for c in allowed)


@dataclass(frozen=True)
class TagName:
    """`stream:tag`, optionally in a namespace (`ns/stream:tag`)."""

    namespace: str
    stream: str
    tag: str

    def __str__(self) -> str:
        return f"{self.stream}:{self.tag}"


def parse_istag_name(typed: str) -> TagName:
    """`NAME:TAG` as `get istag` and `delete istag` take it (OpenShift's ParseImageStreamTagName)."""
    if "@" in typed:
        raise UserInputError(f'"{typed}" is an image stream image, not an image stream tag')
    parts = typed.split(":")
    if len(parts) != 2:
        raise UserInputError(f'expected exactly one : delimiter in the istag "{typed}"')
    if not parts[0] or not parts[1]:
        raise UserInputError(f'image stream tag name "{typed}" must have a name and a tag')
    return TagName("", parts[0], parts[1])


@dataclass(frozen=True)
class ImageName:
    stream: str
    id: str

    def __str__(self) -> str:
        return f"{self.stream}@{self.id}"


def parse_isimage_name(typed: str) -> ImageName:
    """`NAME@ID` where ID is a digest or a unique prefix of one (OpenShift's ParseImageStreamImageName)."""
    parts = typed.split("@")
    if len(parts) != 2:
        raise UserInputError(f'expected exactly one @ in the isimage name "{typed}"')
    if not parts[0] or not parts[1]:
        raise UserInputError(f'image stream image name "{typed}" must have a name and ID')
    return ImageName(parts[0], parts[1])


def parse_stream_and_tag(typed: str) -> tuple[str, str]:
    """`NAME` or `NAME:TAG` (an empty tag means every tag), as `history` takes it."""
    stream, _, tag = typed.partition(":")
    if not stream or ":" in tag or "@" in typed:
        raise UserInputError(f'"{typed}" must be of the form <stream_name> or <stream_name>:<tag>')
    return stream, tag


def parse_destination(typed: str) -> TagName:
    """A destination of `oc tag`: `[ns/]stream:tag`. The namespace is empty when not given."""
    namespace, stream_and_tag = "", typed
    if "/" in typed:
        parts = typed.split("/")
        if len(parts) != 2:
            raise UserInputError(f'invalid image stream "{typed}"')
        namespace, stream_and_tag = parts
        if not namespace:
            raise UserInputError(f'invalid namespace "" for image stream "{typed}"')
        if not stream_and_tag:
            raise UserInputError(f'invalid name "" for image stream "{typed}"')
    stream, colon, tag = stream_and_tag.partition(":")
    if not colon:
        raise UserInputError(f'"{stream_and_tag}" must be of the form <stream_name>:<tag>')
    # OpenShift's SplitImageStreamTag: an empty tag after the colon means `latest`.
    return TagName(namespace, stream, tag or "latest")


SOURCE_KINDS = {
    "imagestreamtag": pb.SOURCE_KIND_IMAGE_STREAM_TAG,
    "istag": pb.SOURCE_KIND_IMAGE_STREAM_TAG,
    "imagestreamimage": pb.SOURCE_KIND_IMAGE_STREAM_IMAGE,
    "isimage": pb.SOURCE_KIND_IMAGE_STREAM_IMAGE,
    "docker": pb.SOURCE_KIND_DOCKER_IMAGE,
    "dockerimage": pb.SOURCE_KIND_DOCKER_IMAGE,
}

# The namespace Docker Hub gives single-name images; `oc tag --source=istag library/x:y` means "this namespace".
_DOCKER_DEFAULT_NAMESPACE = "library"


def source_kind(typed: str) -> pb.SourceKind:
    kind = SOURCE_KINDS.get(typed.lower())
    if kind is None:
        valid = ", ".join(sorted(SOURCE_KINDS))
        raise UserInputError(f'invalid source "{typed}"; valid values are {valid}')
    return kind


# `[namespace/]stream@id` where id is a digest or a prefix of one, with or without its algorithm (`0e9ea0b`,
# `sha256:0e9e`): an image of a stream as `oc get isimage` and the API's ImageStreamImage source take it.
_SHORT_IMAGE_ID_RE = re.compile(
    r"(?:(?P<namespace>[a-z0-9](?:[-a-z0-9]*[a-z0-9])?)/)?"
    r"(?P<stream>[a-z0-9]+(?:[._-][a-z0-9]+)*)@(?P<id>(?:[A-Za-z][A-Za-z0-9]*:)?[0-9a-fA-F]+)",
    re.ASCII,
)


def _is_full_digest(image_id: str) -> bool:
    _, colon, hex_digits = image_id.partition(":")
    return bool(colon) and len(hex_digits) >= 32


@dataclass(frozen=True)
class TagSource:
    reference: pb.ObjectReference
    # The name part of the parsed spec (`ruby` in `team/ruby:2.0`): what `--alias` compares destinations to.
    name: str


def parse_tag_source(typed: str, kind: pb.SourceKind | None, namespace: str) -> TagSource:
    """The source of `oc tag`. Without `--source` the kind follows from the parsed pull spec: a registry
    means a container image, else a digest an image of a stream (`ruby@sha256:...`), else a tag a tag of a
    stream (`ruby:2.0`, `other/ruby:2.0`), else a container image (`ruby`). `namespace` is the current one.

    An image of a stream may also be named by a short id (`ruby@0e9ea0b`, a unique prefix of its digest),
    which no pull spec allows: the server resolves it to the full digest."""
    short = _SHORT_IMAGE_ID_RE.fullmatch(typed)
    if short and kind in (None, pb.SOURCE_KIND_IMAGE_STREAM_IMAGE) and not _is_full_digest(short.group("id")):
        name = f"{short.group('stream')}@{short.group('id')}"
        source_namespace = short.group("namespace") or ""
        if source_namespace == _DOCKER_DEFAULT_NAMESPACE:
            source_namespace = namespace
        reference = pb.ObjectReference(kind=pb.SOURCE_KIND_IMAGE_STREAM_IMAGE, namespace=source_namespace, name=name)
        return TagSource(reference, short.group("stream"))
    if short and kind == pb.SOURCE_KIND_IMAGE_STREAM_TAG:
        raise UserInputError("--source=ImageStreamTag requires a valid <name>:<tag> in SOURCE")
    try:
        ref = DockerImageReference.parse(typed)
    except ReferenceError as e:
        raise UserInputError(f"invalid SOURCE: {e}") from None
    if kind is None:
        if ref.registry:
            kind = pb.SOURCE_KIND_DOCKER_IMAGE
        elif ref.id:
            kind = pb.SOURCE_KIND_IMAGE_STREAM_IMAGE
        elif ref.tag:
            kind = pb.SOURCE_KIND_IMAGE_STREAM_TAG
        else:
            kind = pb.SOURCE_KIND_DOCKER_IMAGE
    elif kind != pb.SOURCE_KIND_DOCKER_IMAGE:
        if ref.registry:
            raise UserInputError("server in SOURCE is only allowed when providing a container image")
        if ref.namespace == _DOCKER_DEFAULT_NAMESPACE:
            ref = DockerImageReference(namespace=namespace, name=ref.name, tag=ref.tag, id=ref.id)
        if kind == pb.SOURCE_KIND_IMAGE_STREAM_TAG and not ref.tag:
            raise UserInputError("--source=ImageStreamTag requires a valid <name>:<tag> in SOURCE")
        if kind == pb.SOURCE_KIND_IMAGE_STREAM_IMAGE and not ref.id:
            raise UserInputError("--source=ImageStreamImage requires a valid <name>@<id> in SOURCE")
    if kind == pb.SOURCE_KIND_DOCKER_IMAGE:
        return TagSource(pb.ObjectReference(kind=kind, name=ref.exact()), ref.name)
    # A stream's tag or image: the name without namespace, which travels in its own field.
    return TagSource(pb.ObjectReference(kind=kind, namespace=ref.namespace, name=ref.name_string()), ref.name)


def resource_args(first: str, rest: Sequence[str], allowed: tuple[str, ...]) -> list[tuple[str, list[str]]]:
    """The resources a verb's words name, as kubectl reads them: `TYPE [NAME...]`, or one or more
    `TYPE/NAME` (`is/ruby istag/ruby:latest`). Returns (canonical type, names) groups, in the order typed;
    consecutive names of one type share a group."""
    if "/" not in first:
        return [(resource_type(first, allowed), list(rest))]
    groups: list[tuple[str, list[str]]] = []
    for word in (first, *rest):
        typed, slash, name = word.partition("/")
        if not slash or not typed or not name:
            raise UsageError(
                f'"{word}" is not TYPE/NAME: when the first argument is TYPE/NAME (is/ruby), every one must be'
            )
        kind = resource_type(typed, allowed)
        if groups and groups[-1][0] == kind:
            groups[-1][1].append(name)
        else:
            groups.append((kind, [name]))
    return groups
