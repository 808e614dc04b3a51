"""Image streams in OpenShift's own shape (`image.openshift.io/v1` ImageStream), both ways.

Out: `to_openshift` renders a stream the way `oc get is NAME -o yaml` shows it (metadata, spec, status), so
files and scripts written for OpenShift read it unchanged. In: `read_definitions` turns a parsed YAML/JSON
document (an ImageStream, or a `List` of them) into the streams it defines, strictly: every unknown field,
wrong type or unknown value is reported with its path in the document (`spec.tags[1].from.kind`), and
nothing is returned unless the whole document is sound. What `to_openshift` writes reads back in:
server-owned fields (uid, resourceVersion, generation, creationTimestamp, status) are accepted and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, TypeVar

from google.protobuf.timestamp_pb2 import Timestamp
from imagestreams.v1 import resources_pb2 as pb

from .humanize import is_set, to_datetime

API_VERSION = "image.openshift.io/v1"
# `oc` still accepts (and many files still say) the legacy unversioned group.
API_VERSIONS = (API_VERSION, "v1")
KIND = "ImageStream"
LIST_KIND = "List"
LIST_API_VERSION = "v1"

SOURCE_KINDS = {
    "DockerImage": pb.SOURCE_KIND_DOCKER_IMAGE,
    "ImageStreamTag": pb.SOURCE_KIND_IMAGE_STREAM_TAG,
    "ImageStreamImage": pb.SOURCE_KIND_IMAGE_STREAM_IMAGE,
}
REFERENCE_POLICIES = {"Source": pb.REFERENCE_POLICY_TYPE_SOURCE, "Local": pb.REFERENCE_POLICY_TYPE_LOCAL}
IMPORT_MODES = {"Legacy": pb.IMPORT_MODE_LEGACY, "PreserveOriginal": pb.IMPORT_MODE_PRESERVE_ORIGINAL}

# The stream fields a definition may set, by their UpdateImageStream mask path.
STREAM_FIELDS = ("annotations", "docker_image_repository", "lookup_local")

# Fields the server owns: written by `to_openshift`, so accepted on input, and ignored.
_SERVER_OWNED_METADATA = frozenset(
    {"uid", "resourceVersion", "generation", "creationTimestamp", "selfLink", "managedFields"}
)
# Fields OpenShift has but these streams do not keep: accepted with a warning, so real files still load.
_UNKEPT_METADATA = {"labels": "image streams here carry no labels"}


# -- out ------------------------------------------------------------------------------------------------------


def to_openshift(stream: pb.ImageStream) -> dict[str, Any]:
    """The stream as an OpenShift ImageStream object, fields in the order the Go types declare them."""
    metadata: dict[str, Any] = {"name": stream.name, "namespace": stream.namespace}
    if stream.uid:
        metadata["uid"] = stream.uid
    if stream.position:
        metadata["resourceVersion"] = str(stream.position)
    if stream.generation:
        metadata["generation"] = stream.generation
    if is_set(stream.create_time):
        metadata["creationTimestamp"] = rfc3339(stream.create_time)
    if stream.annotations:
        metadata["annotations"] = dict(sorted(stream.annotations.items()))
    spec: dict[str, Any] = {"lookupPolicy": {"local": stream.lookup_local}}
    if stream.docker_image_repository:
        spec["dockerImageRepository"] = stream.docker_image_repository
    if stream.spec_tags:
        spec["tags"] = [_tag_reference(t) for t in stream.spec_tags]
    status: dict[str, Any] = {"dockerImageRepository": stream.image_repository}
    if stream.public_docker_image_repository:
        status["publicDockerImageRepository"] = stream.public_docker_image_repository
    if stream.status_tags:
        status["tags"] = [_named_tag_event_list(t) for t in stream.status_tags]
    return {"apiVersion": API_VERSION, "kind": KIND, "metadata": metadata, "spec": spec, "status": status}


def list_to_openshift(streams: Iterable[pb.ImageStream]) -> dict[str, Any]:
    """Several streams as `kubectl get -o yaml` lists them: a `v1` List."""
    return {
        "apiVersion": LIST_API_VERSION,
        "kind": LIST_KIND,
        "metadata": {"resourceVersion": ""},
        "items": [to_openshift(s) for s in streams],
    }


def rfc3339(timestamp: Timestamp) -> str:
    """Kubernetes' metav1.Time: UTC, whole seconds."""
    return to_datetime(timestamp).strftime("%Y-%m-%dT%H:%M:%SZ")


def _name_of(mapping: Mapping[str, int], value: int, default: str) -> str:
    return next((name for name, v in mapping.items() if v == value), default)


def _tag_reference(tag: pb.TagReference) -> dict[str, Any]:
    # OpenShift prints `annotations: null` for a tag without annotations; so do we.
    value: dict[str, Any] = {"name": tag.name, "annotations": dict(sorted(tag.annotations.items())) or None}
    if tag.HasField("from"):
        source = getattr(tag, "from")
        reference: dict[str, Any] = {"kind": _name_of(SOURCE_KINDS, source.kind, "")}
        if source.namespace:
            reference["namespace"] = source.namespace
        reference["name"] = source.name
        value["from"] = reference
    if tag.reference:
        value["reference"] = True
    if tag.generation:
        value["generation"] = tag.generation
    policy: dict[str, Any] = {}
    if tag.import_policy.insecure:
        policy["insecure"] = True
    if tag.import_policy.scheduled:
        policy["scheduled"] = True
    policy["importMode"] = _name_of(IMPORT_MODES, tag.import_policy.import_mode, "Legacy")
    value["importPolicy"] = policy
    value["referencePolicy"] = {"type": _name_of(REFERENCE_POLICIES, tag.reference_policy.type, "Source")}
    return value


def _named_tag_event_list(tag: pb.NamedTagEventList) -> dict[str, Any]:
    value: dict[str, Any] = {
        "tag": tag.tag,
        "items": [
            {
                "created": rfc3339(e.create_time),
                "dockerImageReference": e.docker_image_reference,
                "image": e.image,
                "generation": e.generation,
            }
            for e in tag.items
        ]
        or None,
    }
    if tag.conditions:
        value["conditions"] = [_condition(c) for c in tag.conditions]
    return value


def _condition(condition: pb.TagEventCondition) -> dict[str, Any]:
    value: dict[str, Any] = {"type": condition.type, "status": condition.status}
    if is_set(condition.last_transition_time):
        value["lastTransitionTime"] = rfc3339(condition.last_transition_time)
    if condition.reason:
        value["reason"] = condition.reason
    if condition.message:
        value["message"] = condition.message
    value["generation"] = condition.generation
    return value


# -- in -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something wrong at `path` in a document (`spec.tags[1].from.kind`); an empty path is the document."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class ShapeError(ValueError):
    """A document that is not a sound ImageStream (or List of them); `problems` says every reason."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class StreamDefinition:
    """One stream a document defines.

    `stream` carries what the document gives (its namespace is empty when the document names none).
    `given` lists the stream fields (UpdateImageStream mask paths) the document sets: a field it leaves
    out is not part of the definition. `path` locates the stream in the document (`items[2]`, or empty),
    and `tag_paths[i]` the spec tag `stream.spec_tags[i]` came from (`spec.tags[3]`).
    """

    stream: pb.ImageStream
    given: frozenset[str]
    path: str = ""
    tag_paths: tuple[str, ...] = ()

    def locate(self, relative: str) -> str:
        """A path inside this stream's definition, made absolute in the document."""
        return _join(self.path, relative)

    def document_path(self, request_field: str) -> str | None:
        """Where in the document a CreateImageStream request field came from: `image_stream.spec_tags[0]
        .from.name` -> `spec.tags[2].from.name`. None for a field the document does not hold."""
        rest = request_field.removeprefix("image_stream.").removeprefix("image_stream")
        # The server may repeat the tag's prefix (`spec_tags[0].image_stream.spec_tags[0].from`): read it once.
        match = re.fullmatch(r"spec_tags\[(\d+)\](?:\.image_stream\.spec_tags\[\1\])?(?:\.(.*))?", rest)
        if match:
            index = int(match.group(1))
            if index >= len(self.tag_paths):
                return None
            inner = _camel_path(match.group(2) or "")
            return self.locate(_join(self.tag_paths[index], inner))
        head, _, tail = rest.partition(".")
        mapped = {
            "name": "metadata.name",
            "namespace": "metadata.namespace",
            "annotations": "metadata.annotations",
            "docker_image_repository": "spec.dockerImageRepository",
            "lookup_local": "spec.lookupPolicy.local",
        }.get(head)
        if mapped is None:
            return None
        return self.locate(_join(mapped, tail))


@dataclass(frozen=True)
class Definitions:
    streams: list[StreamDefinition]
    # Things the document says that are accepted but not kept (`metadata.labels`), as problems to print.
    warnings: list[Problem] = field(default_factory=list)


def read_definitions(document: Any, path: str = "") -> Definitions:
    """The streams a parsed document defines: an ImageStream, or a List of ImageStreams. `path` prefixes
    every reported path (for a document inside a larger file). Raises ShapeError listing every problem."""
    reader = _Reader()
    streams = reader.document(document, path)
    if reader.problems:
        raise ShapeError(reader.problems)
    return Definitions(streams, reader.warnings)


def _join(path: str, key: str) -> str:
    if not key:
        return path
    if not path:
        return key
    return f"{path}{key}" if key.startswith("[") else f"{path}.{key}"


def _camel_path(path: str) -> str:
    """`import_policy.import_mode` -> `importPolicy.importMode`: request field names to OpenShift's."""

    def camel(segment: str) -> str:
        head, *rest = segment.split("_")
        return head + "".join(part[:1].upper() + part[1:] for part in rest)

    return ".".join(camel(s) for s in path.split(".")) if path else ""


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, int | float):
        return f"a number ({value})"
    if isinstance(value, str):
        return f'a string ("{value}")'
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, datetime | date):
        return "a timestamp"
    return type(value).__name__


def _not_a_string(value: Any) -> str:
    """YAML reads `2.0`, `true` or `2024-01-02` as other types: say how to keep them text."""
    hint = "" if isinstance(value, dict | list) or value is None else "; quote the value to make it a string"
    return f"expected a string, got {_describe(value)}{hint}"


T = TypeVar("T")


class _Reader:
    """Walks a document, collecting problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.warnings: list[Problem] = []

    def report(self, path: str, message: str) -> None:
        self.problems.append(Problem(path, message))

    # -- typed fields -----------------------------------------------------------------------------------------

    def mapping(self, value: Any, path: str) -> dict[str, Any] | None:
        """An object, or None (reported) when the value is something else. A null is an empty object."""
        if value is None:
            return {}
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return value
        self.report(path, f"expected an object, got {_describe(value)}")
        return None

    def only(
        self,
        obj: Mapping[str, Any],
        path: str,
        known: Iterable[str],
        ignored: Iterable[str] = (),
        unkept: Mapping[str, str] | None = None,
    ) -> None:
        """Reports fields other than `known` ones; `ignored` ones pass silently, `unkept` ones with a warning."""
        allowed = set(known) | set(ignored)
        for key in obj:
            if unkept and key in unkept:
                self.warnings.append(Problem(_join(path, key), f"ignored: {unkept[key]}"))
            elif key not in allowed:
                self.report(_join(path, key), "unknown field")

    def string(self, obj: Mapping[str, Any], key: str, path: str, *, required: bool = False) -> str:
        value = obj.get(key)
        if value is None:
            if required:
                self.report(_join(path, key), "required field is missing")
            return ""
        if not isinstance(value, str):
            self.report(_join(path, key), _not_a_string(value))
            return ""
        if required and not value:
            self.report(_join(path, key), "must not be empty")
        return value

    def boolean(self, obj: Mapping[str, Any], key: str, path: str) -> bool:
        value = obj.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.report(_join(path, key), f"expected true or false, got {_describe(value)}")
            return False
        return value

    def string_map(self, obj: Mapping[str, Any], key: str, path: str) -> dict[str, str]:
        value = obj.get(key)
        result = self.mapping(value, _join(path, key))
        if not result:
            return {}
        strings = {}
        for name, item in result.items():
            if isinstance(item, str):
                strings[name] = item
            else:
                self.report(_join(_join(path, key), name), _not_a_string(item))
        return strings

    def choice(
        self,
        obj: Mapping[str, Any],
        key: str,
        path: str,
        values: Mapping[str, T],
        default: T,
        *,
        required: bool = False,
    ) -> T:
        """One of `values` by name; a missing or empty value is `default` (or a problem, when `required`)."""
        name = self.string(obj, key, path, required=required)
        if not name:
            return default
        if name not in values:
            valid = ", ".join(f'"{v}"' for v in values)
            self.report(_join(path, key), f'unknown value "{name}"; valid values are {valid}')
            return default
        return values[name]

    # -- documents --------------------------------------------------------------------------------------------

    def document(self, document: Any, path: str) -> list[StreamDefinition]:
        if not isinstance(document, dict):
            self.report(path, f"expected an ImageStream or a List of them, got {_describe(document)}")
            return []
        kind = self.string(document, "kind", path, required=True)
        if kind == LIST_KIND:
            return self.list_document(document, path)
        if kind and kind != KIND:
            self.report(_join(path, "kind"), f'unknown value "{kind}"; valid values are "{KIND}", "{LIST_KIND}"')
            return []
        definition = self.image_stream(document, path)
        return [definition] if definition is not None else []

    def api_version(self, obj: Mapping[str, Any], path: str, valid: tuple[str, ...]) -> None:
        version = self.string(obj, "apiVersion", path, required=True)
        if version and version not in valid:
            names = ", ".join(f'"{v}"' for v in valid)
            self.report(_join(path, "apiVersion"), f'unknown value "{version}"; valid values are {names}')

    def list_document(self, document: dict[str, Any], path: str) -> list[StreamDefinition]:
        self.api_version(document, path, (LIST_API_VERSION,))
        self.only(document, path, ("apiVersion", "kind", "items"), ignored=("metadata",))
        items = document.get("items")
        items_path = _join(path, "items")
        if items is None:
            return []
        if not isinstance(items, list):
            self.report(items_path, f"expected a list, got {_describe(items)}")
            return []
        result = []
        for i, item in enumerate(items):
            item_path = _join(items_path, f"[{i}]")
            obj = self.mapping(item, item_path)
            if obj is None:
                continue
            kind = self.string(obj, "kind", item_path, required=True)
            if kind and kind != KIND:
                self.report(_join(item_path, "kind"), f'unknown value "{kind}"; valid values are "{KIND}"')
                continue
            definition = self.image_stream(obj, item_path)
            if definition is not None:
                result.append(definition)
        return result

    def image_stream(self, document: dict[str, Any], path: str) -> StreamDefinition | None:
        self.api_version(document, path, API_VERSIONS)
        self.only(document, path, ("apiVersion", "kind", "metadata", "spec"), ignored=("status",))
        stream = pb.ImageStream()
        given: set[str] = set()
        metadata_path = _join(path, "metadata")
        metadata = self.mapping(document.get("metadata"), metadata_path)
        if metadata is not None:
            self.only(
                metadata,
                metadata_path,
                ("name", "namespace", "annotations"),
                ignored=_SERVER_OWNED_METADATA,
                unkept=_UNKEPT_METADATA,
            )
            stream.name = self.string(metadata, "name", metadata_path, required=True)
            stream.namespace = self.string(metadata, "namespace", metadata_path)
            if "annotations" in metadata:
                stream.annotations.update(self.string_map(metadata, "annotations", metadata_path))
                given.add("annotations")
        spec_path = _join(path, "spec")
        spec = self.mapping(document.get("spec"), spec_path)
        tag_paths: list[str] = []
        if spec is not None:
            self.only(spec, spec_path, ("dockerImageRepository", "lookupPolicy", "tags"))
            if "dockerImageRepository" in spec:
                stream.docker_image_repository = self.string(spec, "dockerImageRepository", spec_path)
                given.add("docker_image_repository")
            lookup_path = _join(spec_path, "lookupPolicy")
            lookup = self.mapping(spec.get("lookupPolicy"), lookup_path)
            if lookup:
                self.only(lookup, lookup_path, ("local",))
                if "local" in lookup:
                    stream.lookup_local = self.boolean(lookup, "local", lookup_path)
                    given.add("lookup_local")
            # Paths relative to the stream, so what the server finds wrong later can be placed in the file.
            for index, tag in self.tags(spec.get("tags"), _join(spec_path, "tags")):
                stream.spec_tags.append(tag)
                tag_paths.append(f"spec.tags[{index}]")
        if not stream.name:
            return None
        return StreamDefinition(stream, frozenset(given), path, tuple(tag_paths))

    def tags(self, value: Any, path: str) -> list[tuple[int, pb.TagReference]]:
        """The spec tags with their index in the list, in the order they are best written: a name given twice
        keeps its last entry (as OpenShift decodes it), and tags that track another tag come last."""
        if value is None:
            return []
        if not isinstance(value, list):
            self.report(path, f"expected a list, got {_describe(value)}")
            return []
        by_name: dict[str, tuple[int, pb.TagReference]] = {}
        for i, item in enumerate(value):
            tag = self.tag(item, _join(path, f"[{i}]"))
            if tag is not None:
                by_name.pop(tag.name, None)
                by_name[tag.name] = (i, tag)
        chosen = list(by_name.values())
        return sorted(chosen, key=lambda pair: getattr(pair[1], "from").kind == pb.SOURCE_KIND_IMAGE_STREAM_TAG)

    def tag(self, item: Any, path: str) -> pb.TagReference | None:
        obj = self.mapping(item, path)
        if obj is None:
            return None
        known = ("name", "annotations", "from", "reference", "importPolicy", "referencePolicy")
        self.only(obj, path, known, ignored=("generation",))
        tag = pb.TagReference(name=self.string(obj, "name", path, required=True))
        tag.annotations.update(self.string_map(obj, "annotations", path))
        tag.reference = self.boolean(obj, "reference", path)
        from_path = _join(path, "from")
        # `from: null` (or no `from`) is a tag without a source image.
        source = self.mapping(obj["from"], from_path) if obj.get("from") is not None else None
        if source is not None:
            self.only(source, from_path, ("kind", "name", "namespace"))
            reference = getattr(tag, "from")
            reference.kind = self.choice(
                source, "kind", from_path, SOURCE_KINDS, pb.SOURCE_KIND_UNSPECIFIED, required=True
            )
            reference.name = self.string(source, "name", from_path, required=True)
            reference.namespace = self.string(source, "namespace", from_path)
        policy_path = _join(path, "importPolicy")
        policy = self.mapping(obj.get("importPolicy"), policy_path)
        if policy:
            self.only(policy, policy_path, ("insecure", "scheduled", "importMode"))
            tag.import_policy.insecure = self.boolean(policy, "insecure", policy_path)
            tag.import_policy.scheduled = self.boolean(policy, "scheduled", policy_path)
            tag.import_policy.import_mode = self.choice(
                policy, "importMode", policy_path, IMPORT_MODES, pb.IMPORT_MODE_UNSPECIFIED
            )
        reference_path = _join(path, "referencePolicy")
        reference_policy = self.mapping(obj.get("referencePolicy"), reference_path)
        if reference_policy:
            self.only(reference_policy, reference_path, ("type",))
            tag.reference_policy.type = self.choice(
                reference_policy, "type", reference_path, REFERENCE_POLICIES, pb.REFERENCE_POLICY_TYPE_UNSPECIFIED
            )
        return tag if tag.name else None
