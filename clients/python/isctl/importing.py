"""What `isctl import-image` asks the server, decided the way `oc import-image` decides it (pure: no calls).

The target (`NAME[:TAG]`, or a pull spec whose last name component names the stream) and the stream as it
is now decide what to import; the refusals are worded as `oc` words them.
"""

from __future__ import annotations

from dataclasses import dataclass

from imagestreams.references import DockerImageReference, ReferenceError
from imagestreams.v1 import resources_pb2 as pb

from .errors import UserInputError
from .openshift_shape import SOURCE_KINDS

DEFAULT_TAG = "latest"


@dataclass(frozen=True)
class Target:
    """The stream and tag to import into; `tag` is empty with --all."""

    text: str
    stream: str
    tag: str


@dataclass(frozen=True)
class Options:
    source: str = ""  # --from
    confirm: bool = False
    all: bool = False
    scheduled: bool = False
    import_mode: pb.ImportMode = pb.IMPORT_MODE_UNSPECIFIED


@dataclass(frozen=True)
class Request:
    """One ImportImage call. An empty `source` lets the server take the tag's registry source (or the
    stream's repository)."""

    tag: str = ""
    source: str = ""
    all: bool = False
    scheduled: bool = False
    import_mode: pb.ImportMode = pb.IMPORT_MODE_UNSPECIFIED


def parse_target(text: str, all_tags: bool) -> Target:
    """`ruby`, `ruby:2.0`, `quay.io/team/ruby:2.0`. The tag comes from here, never from --from."""
    try:
        ref = DockerImageReference.parse(text)
    except ReferenceError:
        ref = DockerImageReference()
    if not ref.name:
        raise UserInputError(
            "the image name must be a valid container image pull spec or reference to an image stream "
            "(e.g. myregistry/myteam/image:tag)"
        )
    if ref.id:
        raise UserInputError("to import images by ID, use the 'tag' command")
    if ref.tag and all_tags:
        raise UserInputError(f'cannot specify a tag "{text}" as well as --all')
    return Target(text, ref.name, ref.tag or ("" if all_tags else DEFAULT_TAG))


def plan_import(target: Target, options: Options, stream: pb.ImageStream | None) -> list[Request]:
    """The calls that import `target`; `stream` is None when it does not exist. Usually one call; --all on a
    stream that follows no repository re-imports each of its registry tags, one call each."""
    if stream is None:
        if not options.confirm:
            raise UserInputError(f'no image stream named "{target.stream}" exists, pass --confirm to create and import')
        # A new stream imports from --from, else from the target itself (`isctl import-image quay.io/a/b`).
        source = options.source or target.text
        if options.all:
            return [Request(source=source, all=True, scheduled=options.scheduled, import_mode=options.import_mode)]
        return [Request(target.tag, source, scheduled=options.scheduled, import_mode=options.import_mode)]
    if options.all:
        return _import_all(stream, options)
    return [_import_tag(stream, target.tag, options)]


def _import_all(stream: pb.ImageStream, options: Options) -> list[Request]:
    repository = options.source or stream.docker_image_repository
    if not repository:
        registry_tags = [t for t in stream.spec_tags if _source(t).kind == pb.SOURCE_KIND_DOCKER_IMAGE]
        if not registry_tags:
            raise UserInputError("image stream does not have tags pointing to external container images")
        return [_reimport(t, options, t.name) for t in registry_tags]
    if repository != stream.docker_image_repository and not options.confirm:
        if not stream.docker_image_repository:
            raise UserInputError(
                "the image stream does not currently import an entire Docker repository, pass --confirm to update"
            )
        raise UserInputError(
            f'the image stream has a different import spec "{stream.docker_image_repository}", pass --confirm to update'
        )
    return [Request(source=repository, all=True, scheduled=options.scheduled, import_mode=options.import_mode)]


def _import_tag(stream: pb.ImageStream, tag: str, options: Options) -> Request:
    final, existing, followed = follow_tag_reference(stream, tag)
    if existing is None:
        # A new tag: from --from, or (for latest) from the repository the stream follows.
        if not options.source and not (tag == DEFAULT_TAG and stream.docker_image_repository):
            raise UserInputError(
                f'the tag "{tag}" does not exist on the image stream - choose an existing tag to import or use the '
                "'tag' command to create a new tag"
            )
        return Request(tag, options.source, scheduled=options.scheduled, import_mode=options.import_mode)
    source = _source(existing)
    if existing.HasField("from") and source.kind != pb.SOURCE_KIND_DOCKER_IMAGE:
        kind = next((name for name, value in SOURCE_KINDS.items() if value == source.kind), "")
        raise UserInputError(f'tag "{tag}" points to existing {kind} "{source.name}", it cannot be re-imported')
    if not existing.HasField("from"):
        raise UserInputError(
            f"tag \"{tag}\" already exists - you must use the 'tag' command if you want to change the source to "
            f'"{options.source}"'
        )
    if options.source and _exact(options.source) != _exact(source.name):
        if followed:
            raise UserInputError(
                f'the tag "{tag}" points to the tag "{final}" which points to "{source.name}" - use the \'tag\' '
                f'command if you want to change the source to "{options.source}"'
            )
        raise UserInputError(
            f'the tag "{tag}" points to "{source.name}" - use the \'tag\' command if you want to change the source '
            f'to "{options.source}"'
        )
    return _reimport(existing, options, final)


def _reimport(tag: pb.TagReference, options: Options, into: str) -> Request:
    """Importing an existing registry tag again keeps what it already asks for: scheduled stays on (as `oc`
    ORs it), and the import mode stays unless one is given."""
    return Request(
        into,
        _source(tag).name,
        scheduled=options.scheduled or tag.import_policy.scheduled,
        import_mode=options.import_mode or tag.import_policy.import_mode,
    )


def follow_tag_reference(stream: pb.ImageStream, tag: str) -> tuple[str, pb.TagReference | None, bool]:
    """Follows spec tags that track another tag of the same stream: (the last tag, its spec or None when it
    does not exist, whether any reference was followed). Refusals are `oc`'s."""
    specs = {t.name: t for t in stream.spec_tags}
    seen: set[str] = set()
    current, followed = tag, False
    while True:
        if current in seen:
            raise UserInputError(f'tag "{tag}" on the image stream is a reference to same tag')
        seen.add(current)
        spec = specs.get(current)
        if spec is None:
            return current, None, followed
        source = _source(spec)
        if not spec.HasField("from") or source.kind != pb.SOURCE_KIND_IMAGE_STREAM_TAG:
            return current, spec, followed
        if source.namespace not in ("", stream.namespace):
            raise UserInputError(f'tag "{tag}" points to an imagestreamtag from another ImageStream')
        if ":" in source.name:
            parts = source.name.split(":")
            if len(parts) != 2 or not parts[0] or not parts[1]:
                raise UserInputError(f'tag "{tag}" points to an invalid imagestreamtag')
            if parts[0] != stream.name:
                raise UserInputError(f'tag "{tag}" points to an imagestreamtag from another ImageStream')
            current = parts[1]
        else:
            current = source.name
        followed = True


def _source(tag: pb.TagReference) -> pb.ObjectReference:
    return getattr(tag, "from")  # type: ignore[no-any-return]


def _exact(pull_spec: str) -> str:
    try:
        return DockerImageReference.parse(pull_spec).exact()
    except ReferenceError:
        return pull_spec
