"""Importing from registries (`oc import-image`): ask the registry first, then record the answers in one save.

No database transaction is open while the registry is asked. A dry run asks and reports; a confirmed import
records each tag's image (or its failure, as an `ImportSuccess=False` condition that keeps the tag's history).

Asking again about a tag whose image is known (same source, same import mode, imported at its current spec
generation, metadata recorded) starts with a HEAD: when the registry still has that digest, the known image is
the answer and no manifest is fetched (registries count GETs against rate limits).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from ..domain.errors import FailedPrecondition, InvalidField, NotFound
from ..domain.history import MoveCause
from ..domain.imagestream import ImageStream, ImportPolicy
from ..domain.names import StreamName, validate_tag
from ..domain.reference import parse_pull_spec
from ..domain.state import StreamState
from ..domain.tags import ImportMode, ReferencePolicy, SourceKind, prioritize_tags
from ..importer import CredentialSource, ImportedImage, ImportFailure, RegistryClient, Unchanged
from ..store import import_state, readmodel
from ..store.app import EventLog
from ..store.import_state import ImportState
from . import unit_of_work
from .queries import Queries
from .unit_of_work import Context, UnitOfWork
from .views import StreamView

PREFER_ARCH = "importer.image.openshift.io/prefer-arch"
PREFER_OS = "importer.image.openshift.io/prefer-os"
# When an import last checked the stream's registry repositories (RFC 3339, UTC), as OpenShift records it.
REPOSITORY_CHECK = "openshift.io/image.dockerRepositoryCheck"


@dataclass(frozen=True)
class ImportInput:
    namespace: str
    name: str
    tag: str = ""
    source: str = ""
    all: bool = False
    confirm: bool = False
    insecure: bool = False
    scheduled: bool = False
    reference_policy: ReferencePolicy = ReferencePolicy.SOURCE
    import_mode: ImportMode = ImportMode.LEGACY


@dataclass(frozen=True)
class TagOutcome:
    tag: str
    source: str
    image: ImportedImage | None = None
    failure: ImportFailure | None = None
    changed: bool = False


@dataclass(frozen=True)
class ImportResult:
    stream: StreamState | None
    stream_position: int
    outcomes: list[TagOutcome]
    additional_tags: list[str] = field(default_factory=list)
    dry_run: bool = True
    position: int = 0


class Importing:
    def __init__(
        self,
        log: EventLog,
        queries: Queries,
        registry: RegistryClient,
        context: Callable[[], Context],
        new_uid: Callable[[], str],
        max_tags: int = 50,
        credentials: Callable[[str], CredentialSource | None] | None = None,
    ) -> None:
        self.log = log
        self.queries = queries
        self.registry = registry
        self.context = context
        self.new_uid = new_uid
        self.max_tags = max_tags
        with log.write() as sql:
            import_state.create_table(sql)
        # The registry credentials a namespace's imports may use (its pull secrets), by namespace.
        self.credentials = credentials or (lambda namespace: None)
        # Called with each registry read's source and outcome (`imported`, `unchanged`, or the failure's reason).
        self.on_read: list[Callable[[str, str], None]] = []

    def import_image(self, data: ImportInput) -> ImportResult:
        name = StreamName(data.namespace, data.name)
        name.validate()
        existing = self._current(name)
        credentials = self.credentials(data.namespace)
        targets, additional = self._targets(data, existing, credentials)
        # What the request asks of the tags: its own flags only. The stream's insecure annotation allows plain
        # HTTP for the reads and is never copied into a tag; a tag's own flags are kept (ImageStream.record_import).
        policy = ImportPolicy(
            insecure=data.insecure,
            scheduled=data.scheduled,
            import_mode=data.import_mode,
            reference_policy=data.reference_policy,
        )
        outcomes = [self._ask(tag, source, existing, policy, credentials) for tag, source in targets]
        if not data.confirm:
            return ImportResult(
                existing.state if existing else None,
                existing.position if existing else 0,
                outcomes,
                additional,
                dry_run=True,
                position=self.log.max_position(),
            )

        def command(unit: UnitOfWork) -> list[TagOutcome]:
            stream = unit.stream_for_write(name)
            context = unit.context
            if data.all and data.source and stream.state.docker_image_repository != data.source:
                # The stream now follows the repository it was bulk-imported from.
                stream.update_spec(
                    annotations=stream.state.annotations,
                    docker_image_repository=data.source,
                    lookup_local=stream.state.lookup_local,
                    now=context.now,
                    actor=context.actor,
                    cause=context.cause,
                )
            recorded = [self.record(unit, stream, outcome, policy) for outcome in outcomes]
            self.note_check(stream, unit)
            return recorded

        recorded, position = unit_of_work.run(self.log, self.context, self.new_uid, command)
        self._remember(name, recorded)
        after = self.queries.stream(data.namespace, data.name)
        return ImportResult(after.state, after.position, recorded, additional, dry_run=False, position=position)

    def _remember(self, name: StreamName, outcomes: list[TagOutcome]) -> None:
        """What upstream had, for the scheduled importer: its next check of these tags is then one HEAD."""
        now = self.context().now
        with self.log.write() as sql:
            for outcome in outcomes:
                if outcome.image is not None:
                    digest = outcome.image.source_digest or outcome.image.digest
                    import_state.save(
                        sql, ImportState(name.namespace, name.name, outcome.tag, outcome.source, digest, now)
                    )

    def _current(self, name: StreamName) -> StreamView | None:
        try:
            return self.queries.stream(name.namespace, name.name)
        except NotFound:
            return None

    def _targets(
        self, data: ImportInput, existing: StreamView | None, credentials: CredentialSource | None
    ) -> tuple[list[tuple[str, str]], list[str]]:
        """The (tag, registry pull spec) pairs to import, and the tags left over."""
        state: StreamState | None = existing.state if existing else None
        if data.all:
            if data.tag:
                raise InvalidField("tag", f'cannot specify a tag "{data.tag}" as well as all')
            repository = data.source or (state.docker_image_repository if state else "")
            if not repository:
                raise InvalidField(
                    "from", "the image stream has no docker image repository to import; give a repository in from"
                )
            ref = parse_pull_spec(repository, "from")
            if ref.tag or ref.id:
                raise InvalidField("from", f'"{repository}": to import all tags, give a repository, not a tag or ID')
            insecure = state.insecure_allowed(requested=data.insecure) if state else data.insecure
            try:
                tags = prioritize_tags(self.registry.list_tags(repository, insecure=insecure, credentials=credentials))
            except ImportFailure as failure:
                raise _repository_failure(repository, failure) from None
            chosen = tags[: self.max_tags] if self.max_tags >= 0 else tags
            return [(t, f"{repository}:{t}") for t in chosen], tags[len(chosen) :]

        tag = data.tag or "latest"
        validate_tag(tag)
        spec = state.spec_tags.get(tag) if state else None
        if spec is not None and spec.source is not None and spec.source.kind is not SourceKind.DOCKER_IMAGE:
            raise FailedPrecondition(
                "TAG_NOT_IMPORTABLE",
                f'tag "{tag}" points to existing {spec.source.kind.value} "{spec.source.name}", '
                "it cannot be re-imported",
                field="tag",
            )
        source = data.source
        if not source and spec is not None and spec.source is not None:
            source = spec.source.name
        if not source and tag == "latest" and state and state.docker_image_repository:
            source = f"{state.docker_image_repository}:latest"
        if not source:
            raise InvalidField(
                "from",
                f'the tag "{tag}" does not exist on the image stream - give the image to import in from, '
                "or use Tag to create the tag",
            )
        exact = parse_pull_spec(source, "from").exact()
        return [(tag, exact)], []

    def _ask(
        self,
        tag: str,
        source: str,
        existing: StreamView | None,
        policy: ImportPolicy,
        credentials: CredentialSource | None,
    ) -> TagOutcome:
        spec = existing.state.spec_tags.get(tag) if existing else None
        # The transport: the request's --insecure, else the stream's annotation, else the tag's own flag.
        insecure = existing.state.insecure_allowed(tag, policy.insecure) if existing else policy.insecure
        # A move a pin skipped means the registry's last answer is not the tag's image: asked again in full.
        skipped = existing is not None and tag in existing.state.skipped
        known = self.known_image(existing.state, tag, source, policy.import_mode) if existing and not skipped else None
        try:
            result = self.read(
                source,
                spec.annotations if spec else {},
                replace(policy, insecure=insecure),
                credentials,
                last_digest=known.source_digest if known else None,
            )
        except ImportFailure as failure:
            return TagOutcome(tag, source, failure=failure)
        if isinstance(result, Unchanged):
            assert known is not None, "a last digest was given"
            result = known
        current = existing.state.current(tag) if existing else None
        changed = current is None or current.image != result.digest
        return TagOutcome(tag, source, image=result, changed=changed)

    def known_image(
        self,
        state: StreamState,
        tag: str,
        source: str,
        import_mode: ImportMode,
    ) -> ImportedImage | None:
        """The tag's current image as an import of `source` would return it, when a HEAD can tell it is still
        the answer: the tag's spec imports `source` in `import_mode`, its current image answers its current
        spec generation (not re-pointed or failed since), and the image's metadata is recorded. None otherwise.

        `source_digest` is what the registry answered for `source` when this image was read (a manifest list's
        digest when one platform was picked; remembered beside the log), else the image's own digest."""
        spec = state.spec_tags.get(tag)
        current = state.current(tag)
        if (
            spec is None
            or current is None
            or not current.image
            or spec.reference
            or spec.source is None
            or spec.source.kind is not SourceKind.DOCKER_IMAGE
            or spec.source.name != source
            or spec.import_mode is not import_mode
            or current.generation < spec.generation
        ):
            return None
        with self.log.read() as sql:
            stored = readmodel.get_image(sql, current.image)
            remembered = import_state.get(sql, state.namespace, state.name, tag)
        if stored is None or not stored.metadata:
            return None  # only a GET can fill it in
        # What was remembered counts only if it was remembered since the tag got this image: a push or a mapping
        # may have moved the tag after the last import, and then only the image's own digest says "unchanged".
        last = (
            remembered
            if remembered is not None and remembered.source == source and remembered.checked_at >= current.created
            else None
        )
        return ImportedImage(
            digest=stored.digest,
            docker_image_reference=current.docker_image_reference,
            media_type=str(stored.metadata.get("manifest_media_type", "")),
            metadata=stored.metadata,
            source_digest=last.source_digest if last and last.source_digest else stored.digest,
        )

    def note_check(self, stream: ImageStream, unit: UnitOfWork) -> None:
        """Records that an import checked the stream's registry repositories, as OpenShift's
        `openshift.io/image.dockerRepositoryCheck` annotation (RFC 3339, UTC): when the import recorded
        something, or when the stream has no such annotation yet. An import that changed nothing leaves it as
        it is, so an unchanged scheduled check appends nothing to the log."""
        annotations = stream.state.annotations
        if not stream.pending_events and REPOSITORY_CHECK in annotations:
            return
        context = unit.context
        stream.update_spec(
            annotations={**annotations, REPOSITORY_CHECK: rfc3339(context.now)},
            docker_image_repository=stream.state.docker_image_repository,
            lookup_local=stream.state.lookup_local,
            now=context.now,
            actor=context.actor,
            cause=context.cause,
        )

    def read(
        self,
        source: str,
        annotations: dict[str, str],
        policy: ImportPolicy,
        credentials: CredentialSource | None,
        last_digest: str | None = None,
        registry: RegistryClient | None = None,
    ) -> ImportedImage | Unchanged:
        """Asks the registry for `source` the way its tag wants: its import mode, insecure flag and preferred
        platform (the tag's `importer.image.openshift.io/prefer-*` annotations). Raises ImportFailure."""
        try:
            result = (registry or self.registry).import_image(
                source,
                import_mode=policy.import_mode.value,
                prefer_arch=annotations.get(PREFER_ARCH, ""),
                prefer_os=annotations.get(PREFER_OS, ""),
                insecure=policy.insecure,
                last_digest=last_digest,
                credentials=credentials,
            )
        except ImportFailure as failure:
            self._observe(source, failure.reason)
            raise
        self._observe(source, "unchanged" if isinstance(result, Unchanged) else "imported")
        return result

    def _observe(self, source: str, outcome: str) -> None:
        for observer in self.on_read:
            observer(source, outcome)

    def record(
        self,
        unit: UnitOfWork,
        stream: ImageStream,
        outcome: TagOutcome,
        policy: ImportPolicy,
        why: MoveCause = MoveCause.IMPORT,
    ) -> TagOutcome:
        """Records one tag's outcome on a loaded stream (its image, or its failure); `changed` says whether the
        tag moved. `why` is the cause its move is recorded with."""
        context = unit.context
        if outcome.failure is not None:
            stream.record_import_failure(
                outcome.tag,
                source=outcome.source,
                reason=outcome.failure.reason,
                message=outcome.failure.message,
                policy=policy,
                now=context.now,
                actor=context.actor,
                cause=context.cause,
            )
            return TagOutcome(outcome.tag, outcome.source, failure=outcome.failure)
        image = outcome.image
        assert image is not None
        for child in image.children:
            unit.ensure_image(child.digest, child.docker_image_reference, child.metadata)
        unit.ensure_image(image.digest, image.docker_image_reference, image.metadata)
        current = stream.state.current(outcome.tag)
        stream.record_import(
            outcome.tag,
            source=outcome.source,
            docker_image_reference=image.docker_image_reference,
            image=image.digest,
            policy=policy,
            now=context.now,
            actor=context.actor,
            cause=context.cause,
            why=why,
        )
        after = stream.state.current(outcome.tag)
        moved = after is not None and (
            current is None
            or (after.image, after.docker_image_reference) != (current.image, current.docker_image_reference)
        )
        return TagOutcome(outcome.tag, outcome.source, image=image, changed=moved)


def rfc3339(moment: datetime) -> str:
    """`2026-01-02T15:04:05Z`: Go's time.RFC3339 of the UTC time, as Kubernetes writes timestamps."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _repository_failure(repository: str, failure: ImportFailure) -> Exception:
    """A repository that cannot be listed fails the whole request (there is no tag to record it on)."""
    if failure.reason == "NotFound":
        return NotFound("dockerimage", repository, failure.message)
    return FailedPrecondition(failure.reason.upper(), failure.message, field="from")
