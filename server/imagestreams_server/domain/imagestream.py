"""The ImageStream aggregate: spec tags, status history, generations, aliases.

Command methods (`set_tag`, `map_image`, ...) check the rules and decide; event classes record the decision and
their `apply` is the only code that changes state, so replaying the log rebuilds exactly what was decided.
A command that would change nothing records nothing.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .base import TextIdAggregate
from .errors import InvalidField, NotFound
from .history import HistoryChange, MoveCause, TagCondition, TagEvent, add_tag_event, legacy_move_cause
from .names import StreamName, istag_name, parse_isimage_source, parse_istag_source
from .pins import EXPLICIT_CAUSES, Pin, SkippedMove, validate_reason
from .reference import parse_pull_spec
from .rollback import RollbackTarget, rollback_target
from .state import StreamState, TagStatus
from .tags import ImportMode, ReferencePolicy, Source, SourceKind, TagSpec, source_changed


def stream_id(namespace: str, name: str) -> str:
    return f"imagestream:{namespace}/{name}"


class ImageStream(TextIdAggregate):
    TOPIC = "imagestreams:ImageStream"

    state: StreamState
    deleted: bool

    class Event(TextIdAggregate.Event):
        TOPIC = "imagestreams:ImageStream.Event"
        actor: str
        cause: str

    class Created(Event, TextIdAggregate.Created):
        TOPIC = "imagestreams:ImageStream.Created"
        namespace: str
        name: str
        uid: str
        annotations: dict[str, str]
        docker_image_repository: str
        lookup_local: bool

        def apply(self, aggregate: Any) -> None:
            aggregate._reset(self)

    class Recreated(Event):
        """The name is used again after the stream was deleted: a new stream with a new uid."""

        TOPIC = "imagestreams:ImageStream.Recreated"
        uid: str
        annotations: dict[str, str]
        docker_image_repository: str
        lookup_local: bool

        def apply(self, aggregate: Any) -> None:
            aggregate._reset(self)

    class Deleted(Event):
        """The stream is gone, and with it `tags` (every tag that had a spec or a status)."""

        TOPIC = "imagestreams:ImageStream.Deleted"
        tags: list[str]

        def apply(self, aggregate: Any) -> None:
            aggregate.deleted = True
            aggregate.state.spec_tags = {}
            aggregate.state.status_tags = {}
            aggregate.state.pins = {}
            aggregate.state.skipped = {}

    class SpecUpdated(Event):
        TOPIC = "imagestreams:ImageStream.SpecUpdated"
        annotations: dict[str, str]
        docker_image_repository: str
        lookup_local: bool
        generation: int

        def apply(self, aggregate: Any) -> None:
            state = aggregate.state
            state.annotations = dict(self.annotations)
            state.docker_image_repository = self.docker_image_repository
            state.lookup_local = self.lookup_local
            state.generation = self.generation

    class TagSpecSet(Event):
        """A spec tag was created or replaced; `generation` is the stream's generation afterwards."""

        TOPIC = "imagestreams:ImageStream.TagSpecSet"
        tag: str
        spec: dict[str, Any]
        generation: int

        def apply(self, aggregate: Any) -> None:
            aggregate.state.spec_tags[self.tag] = TagSpec.from_dict(self.spec)
            aggregate.state.generation = self.generation

    class TagStatusChanged(Event):
        """A tag's current image changed: `moved` prepends `current`, `updated` replaces the current entry in
        place. `previous` is the entry that was current before, if any."""

        TOPIC = "imagestreams:ImageStream.TagStatusChanged"
        tag: str
        change: str
        current: dict[str, Any]
        previous: dict[str, Any] | None
        # Why the tag moved (a MoveCause); empty on moves recorded before causes were (see `move_cause_of`).
        move_cause: str = ""

        def apply(self, aggregate: Any) -> None:
            status = aggregate.state.status_tags.setdefault(self.tag, TagStatus())
            current = TagEvent.from_dict(self.current)
            if self.change == HistoryChange.MOVED.value:
                status.items.insert(0, current)
            else:
                status.items[0] = current
            status.conditions = []
            aggregate.state.skipped.pop(self.tag, None)

    class TagHistoryPruned(Event):
        """Pruning trimmed a tag's status history: the `removed` entries are gone from it (the log keeps them).
        A tag left with no entries and no conditions leaves the status."""

        TOPIC = "imagestreams:ImageStream.TagHistoryPruned"
        tag: str
        removed: list[dict[str, Any]]
        move_cause: str = MoveCause.PRUNE.value

        def apply(self, aggregate: Any) -> None:
            status = aggregate.state.status_tags.get(self.tag)
            if status is None:
                return
            removed = [TagEvent.from_dict(item) for item in self.removed]
            status.items = [item for item in status.items if item not in removed]
            if not status.items and not status.conditions:
                del aggregate.state.status_tags[self.tag]

    class TagPinned(Event):
        """The tag is held where it is (see domain/pins.py); pinned again, the reason is replaced."""

        TOPIC = "imagestreams:ImageStream.TagPinned"
        tag: str
        reason: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state.pins[self.tag] = Pin(self.reason, self.actor, self.timestamp)

    class TagUnpinned(Event):
        TOPIC = "imagestreams:ImageStream.TagUnpinned"
        tag: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state.pins.pop(self.tag, None)

    class TagMoveSkipped(Event):
        """A pinned tag was left where it is: `current` is where the move would have taken it, `previous` where
        it stays, `move_cause` why it would have moved."""

        TOPIC = "imagestreams:ImageStream.TagMoveSkipped"
        tag: str
        current: dict[str, Any]
        previous: dict[str, Any] | None
        move_cause: str

        def apply(self, aggregate: Any) -> None:
            skipped = aggregate.state.skipped
            before = skipped.get(self.tag)
            event = TagEvent.from_dict(self.current)
            count = (before.count if before else 0) + 1
            skipped[self.tag] = SkippedMove(event, self.move_cause, self.actor, self.timestamp, count)

    class TagDeleted(Event):
        TOPIC = "imagestreams:ImageStream.TagDeleted"
        tag: str

        def apply(self, aggregate: Any) -> None:
            aggregate.state.spec_tags.pop(self.tag, None)
            aggregate.state.status_tags.pop(self.tag, None)
            aggregate.state.pins.pop(self.tag, None)
            aggregate.state.skipped.pop(self.tag, None)

    class TagConditionsSet(Event):
        """A tag's conditions were replaced (an import failed, or a later success cleared them)."""

        TOPIC = "imagestreams:ImageStream.TagConditionsSet"
        tag: str
        conditions: list[dict[str, Any]]

        def apply(self, aggregate: Any) -> None:
            status = aggregate.state.status_tags.setdefault(self.tag, TagStatus())
            status.conditions = [TagCondition.from_dict(c) for c in self.conditions]
            if not status.items and not status.conditions:
                del aggregate.state.status_tags[self.tag]

    def __init__(self) -> None:
        self.deleted = False

    def _reset(self, event: ImageStream.Created | ImageStream.Recreated) -> None:
        namespace, name = (
            (event.namespace, event.name)
            if isinstance(event, ImageStream.Created)
            else (self.state.namespace, self.state.name)
        )
        self.state = StreamState(
            namespace=namespace,
            name=name,
            uid=event.uid,
            created=event.timestamp,
            generation=1,
            annotations=dict(event.annotations),
            docker_image_repository=event.docker_image_repository,
            lookup_local=event.lookup_local,
        )
        self.deleted = False

    # -- creation and deletion -------------------------------------------------------------------------

    @classmethod
    def create(
        cls,
        stream: StreamName,
        *,
        uid: str,
        now: datetime,
        actor: str,
        cause: str = "",
        annotations: dict[str, str] | None = None,
        docker_image_repository: str = "",
        lookup_local: bool = False,
    ) -> ImageStream:
        stream.validate()
        validate_repository(docker_image_repository)
        return cls._create(
            cls.Created,
            id=stream_id(stream.namespace, stream.name),
            timestamp=now,
            namespace=stream.namespace,
            name=stream.name,
            uid=uid,
            annotations=dict(annotations or {}),
            docker_image_repository=docker_image_repository,
            lookup_local=lookup_local,
            actor=actor,
            cause=cause,
        )

    def recreate(
        self,
        *,
        uid: str,
        now: datetime,
        actor: str,
        cause: str = "",
        annotations: dict[str, str] | None = None,
        docker_image_repository: str = "",
        lookup_local: bool = False,
    ) -> None:
        assert self.deleted, "only a deleted stream can be created again"
        validate_repository(docker_image_repository)
        self.trigger_event(
            self.Recreated,
            timestamp=now,
            uid=uid,
            annotations=dict(annotations or {}),
            docker_image_repository=docker_image_repository,
            lookup_local=lookup_local,
            actor=actor,
            cause=cause,
        )

    def delete(self, *, now: datetime, actor: str, cause: str = "") -> None:
        self.trigger_event(self.Deleted, timestamp=now, tags=self.state.tag_names(), actor=actor, cause=cause)

    @property
    def namespace(self) -> str:
        return self.state.namespace

    @property
    def name(self) -> str:
        return self.state.name

    @property
    def generation(self) -> int:
        return self.state.generation

    @property
    def spec_tags(self) -> dict[str, TagSpec]:
        return self.state.spec_tags

    # -- stream spec ------------------------------------------------------------------------------------

    def update_spec(
        self,
        *,
        annotations: dict[str, str],
        docker_image_repository: str,
        lookup_local: bool,
        now: datetime,
        actor: str,
        cause: str = "",
    ) -> bool:
        """Annotations alone do not bump the generation; a spec change does."""
        validate_repository(docker_image_repository)
        spec_changed = (
            docker_image_repository != self.state.docker_image_repository or lookup_local != self.state.lookup_local
        )
        if not spec_changed and annotations == self.state.annotations:
            return False
        self.trigger_event(
            self.SpecUpdated,
            timestamp=now,
            annotations=dict(annotations),
            docker_image_repository=docker_image_repository,
            lookup_local=lookup_local,
            generation=self.generation + 1 if spec_changed else self.generation,
            actor=actor,
            cause=cause,
        )
        return True

    # -- tags ---------------------------------------------------------------------------------------------

    def set_tag(
        self,
        spec: TagSpec,
        *,
        source_stream: ImageStream | None,
        now: datetime,
        actor: str,
        cause: str = "",
        reimport: bool = False,
        why: MoveCause = MoveCause.TAG,
    ) -> bool:
        """Creates or replaces a spec tag and, when its source changed, records the image it points at now.

        `source_stream` is the stream an ImageStreamTag/ImageStreamImage source names when that is another
        stream; None means this one. `reimport` is `oc tag`'s generation 0: a registry source (not a
        reference) whose spec changes in any way, policy included, takes the new generation and is imported
        again; so is one set again unchanged while its last import failed. Returns whether anything changed.
        """
        old = self.spec_tags.get(spec.name)
        self._check_alias(spec)
        importable = spec.source is not None and spec.source.kind is SourceKind.DOCKER_IMAGE and not spec.reference
        retry = (
            reimport
            and importable
            and old is not None
            and self.state.last_import_failed(spec.name)
            and not self.state.waiting_for_import(spec.name)
        )
        if old is not None and old == spec.with_generation(old.generation) and not retry:
            return False
        ref_changed = source_changed(old, spec, self.namespace) or (reimport and importable)
        stream_generation = self.generation + 1
        tag_generation = stream_generation if ref_changed or old is None else old.generation
        new_spec = spec.with_generation(tag_generation)
        resolved = (
            resolve_source(new_spec, self.state if source_stream is None else source_stream.state, now)
            if ref_changed
            else None
        )
        self._set_spec(new_spec, stream_generation, now=now, actor=actor, cause=cause)
        if resolved is not None:
            self._record_image(spec.name, resolved, why, now=now, actor=actor, cause=cause)
        return True

    def record_import(
        self,
        tag: str,
        *,
        source: str,
        docker_image_reference: str,
        image: str,
        policy: ImportPolicy,
        now: datetime,
        actor: str,
        cause: str = "",
        why: MoveCause = MoveCause.IMPORT,
    ) -> bool:
        """Records a successful import of `source` (a registry pull spec) at `tag`, as OpenShift does.

        The tag counts as changed when it has no image yet, no spec, a different pull spec or image, or a
        spec generation newer than its image's. Then its spec is (re)set to the registry source at the next
        stream generation and the image is recorded with that generation (aliases follow). Otherwise only a
        different import policy or stale failure conditions are recorded. Returns whether anything changed.
        """
        spec = self.state.spec_tags.get(tag)
        current = self.state.current(tag)
        next_generation = self.generation + 1
        changed = (
            current is None
            or spec is None
            or current.docker_image_reference != docker_image_reference
            or current.image != image
            or spec.generation > current.generation
        )
        wanted = _imported_spec(tag, spec, source, policy)
        context = {"now": now, "actor": actor, "cause": cause}
        # An import that answers a spec just written (by Tag or apply) moves a pinned tag; any other is skipped,
        # and leaves the spec as it is.
        answers_new_spec = self.state.waiting_for_import(tag)
        moves = current is None or (current.image, current.docker_image_reference) != (image, docker_image_reference)
        if changed and moves and tag in self.state.pins and not answers_new_spec:
            generation = current.generation if current else next_generation
            return self._skip(tag, TagEvent(now, docker_image_reference, image, generation), why, **context)
        if changed:
            self._set_spec(wanted.with_generation(next_generation), next_generation, **context)
            event = TagEvent(now, docker_image_reference, image, next_generation)
            self._record_image(tag, event, why, force=answers_new_spec, **context)
            return True
        assert spec is not None
        recorded = False
        if wanted.with_generation(spec.generation) != spec:
            self._set_spec(wanted.with_generation(spec.generation), next_generation, **context)
            recorded = True
        status = self.state.status_tags.get(tag)
        if status and status.conditions:
            self.trigger_event(self.TagConditionsSet, timestamp=now, tag=tag, conditions=[], actor=actor, cause=cause)
            recorded = True
        return recorded

    def record_import_failure(
        self,
        tag: str,
        *,
        source: str,
        reason: str,
        message: str,
        policy: ImportPolicy,
        now: datetime,
        actor: str,
        cause: str = "",
    ) -> bool:
        """Records that importing `source` at `tag` failed: an `ImportSuccess=False` condition replaces the
        tag's conditions, and the tag's spec generation moves to the next stream generation (so `describe`
        shows the failure as the latest word on it). The history is kept. The same failure again changes
        nothing."""
        status = self.state.status_tags.get(tag)
        conditions = status.conditions if status else []
        if any(
            (c.type, c.status, c.reason, c.message) == ("ImportSuccess", "False", reason, message) for c in conditions
        ):
            return False
        next_generation = self.generation + 1
        spec = self.state.spec_tags.get(tag)
        wanted = spec if spec is not None else _imported_spec(tag, None, source, policy)
        context = {"now": now, "actor": actor, "cause": cause}
        self._set_spec(wanted.with_generation(next_generation), next_generation, **context)
        condition = TagCondition("ImportSuccess", "False", now, reason, message, next_generation)
        self.trigger_event(
            self.TagConditionsSet, timestamp=now, tag=tag, conditions=[condition.to_dict()], actor=actor, cause=cause
        )
        return True

    def _set_spec(self, spec: TagSpec, stream_generation: int, *, now: datetime, actor: str, cause: str) -> None:
        self.trigger_event(
            self.TagSpecSet,
            timestamp=now,
            tag=spec.name,
            spec=spec.to_dict(),
            generation=stream_generation,
            actor=actor,
            cause=cause,
        )

    def map_image(
        self, tag: str, *, docker_image_reference: str, image: str, now: datetime, actor: str, cause: str = ""
    ) -> bool:
        """Records an image at a tag's status, as a registry push does; the spec is left alone."""
        event = TagEvent(now, docker_image_reference, image, self.generation)
        return self._record_image(tag, event, MoveCause.PUSH, now=now, actor=actor, cause=cause)

    def rollback_tag(
        self, tag: str, *, to_revision: int = 0, to_image: str = "", now: datetime, actor: str, cause: str = ""
    ) -> RollbackTarget:
        """Points a tag back at an earlier image of its own history as a permanent tag (an ImageStreamImage
        spec, so nothing moves it but another explicit change): an alias stops tracking, a scheduled import
        stops. The tag keeps its annotations and reference policy."""
        target = rollback_target(self.state, tag, to_revision, to_image)
        old = self.spec_tags.get(tag)
        spec = TagSpec(
            name=tag,
            source=Source(SourceKind.IMAGE_STREAM_IMAGE, f"{self.name}@{target.event.image}"),
            annotations=dict(old.annotations) if old else {},
            reference_policy=old.reference_policy if old else ReferencePolicy.SOURCE,
        )
        self.set_tag(spec, source_stream=None, now=now, actor=actor, cause=cause, why=MoveCause.ROLLBACK)
        return target

    def prune_history(self, tag: str, removed: list[TagEvent], *, now: datetime, actor: str, cause: str = "") -> bool:
        """Trims entries of a tag's status history (pruning decides which: domain/pruning.py); entries it no
        longer has are ignored. The current entry is never trimmed."""
        status = self.state.status_tags.get(tag)
        present = [item for item in removed if status and item in status.items[1:]]
        if not present:
            return False
        self.trigger_event(
            self.TagHistoryPruned,
            timestamp=now,
            tag=tag,
            removed=[item.to_dict() for item in present],
            actor=actor,
            cause=cause,
        )
        return True

    def delete_tag(self, tag: str, *, now: datetime, actor: str, cause: str = "") -> None:
        if tag not in self.state.spec_tags and tag not in self.state.status_tags:
            raise NotFound("imagestreamtag", istag_name(self.namespace, self.name, tag))
        self.trigger_event(self.TagDeleted, timestamp=now, tag=tag, actor=actor, cause=cause)

    def alias_chain(self, tag: str) -> list[str]:
        """The tags `tag` tracks, hop by hop (empty when it is not an alias)."""
        chain: list[str] = []
        seen = {tag}
        target = self.state.tracked_tag(tag)
        while target is not None and target not in seen:
            chain.append(target)
            seen.add(target)
            target = self.state.tracked_tag(target)
        return chain

    def _check_alias(self, spec: TagSpec) -> None:
        target = spec.tracked_tag(self.namespace, self.name)
        if target is None:
            return
        path = [spec.name, target]
        seen = {spec.name}
        while target is not None:
            if target in seen:
                raise InvalidField("source.name", "alias cycle: " + " -> ".join(f"{self.name}:{t}" for t in path))
            seen.add(target)
            next_spec = self.spec_tags.get(target)
            target = next_spec.tracked_tag(self.namespace, self.name) if next_spec else None
            if target is not None:
                path.append(target)

    def _record_image(
        self, tag: str, event: TagEvent, why: MoveCause, *, now: datetime, actor: str, cause: str, force: bool = False
    ) -> bool:
        """Adds an event to a tag's history, then carries the new current image to every tag that tracks it,
        breadth first and by name, so chains resolve the same way every time. `why` is the cause of the
        tag's own move; the tags that follow it move because of the alias. `force` moves the tag even when it
        is pinned (its followers still respect their own pins)."""
        changed = self._add_to_history(tag, event, why, now=now, actor=actor, cause=cause, force=force)
        if not changed:
            return False
        queue = deque([tag])
        visited = {tag}
        while queue:
            source = queue.popleft()
            head = self.state.current(source)
            if head is None:
                continue
            for tracker in self.state.trackers_of(source):
                if tracker in visited:
                    continue
                visited.add(tracker)
                # A pinned follower stays, and so do the tags that follow it.
                if self._add_to_history(tracker, head, MoveCause.ALIAS, now=now, actor=actor, cause=cause):
                    queue.append(tracker)
        return True

    def _add_to_history(
        self, tag: str, event: TagEvent, why: MoveCause, *, now: datetime, actor: str, cause: str, force: bool = False
    ) -> bool:
        """Records the event in the tag's history; a pinned tag records a skipped move instead, unless the
        cause is explicit (or `force`) or the entry only changes in place with the same image. Returns
        whether the tag's current entry changed."""
        status = self.state.status_tags.get(tag)
        items = status.items if status else []
        new_items, change = add_tag_event(items, event)
        if change is HistoryChange.UNCHANGED:
            return False
        previous = items[0] if items else None
        held = tag in self.state.pins and not force and why not in EXPLICIT_CAUSES
        if held and (change is HistoryChange.MOVED or previous is None or previous.image != event.image):
            self._skip(tag, event, why, now=now, actor=actor, cause=cause)
            return False
        self.trigger_event(
            self.TagStatusChanged,
            timestamp=now,
            tag=tag,
            change=change.value,
            current=new_items[0].to_dict(),
            previous=previous.to_dict() if previous else None,
            actor=actor,
            cause=cause,
            move_cause=why.value,
        )
        return True

    def _skip(self, tag: str, event: TagEvent, why: MoveCause, *, now: datetime, actor: str, cause: str) -> bool:
        """Records that a pin left `tag` where it is; the same move skipped again records nothing."""
        last = self.state.skipped.get(tag)
        if last is not None and last.move_cause == why.value and _same_target(last.event, event):
            return False
        current = self.state.current(tag)
        self.trigger_event(
            self.TagMoveSkipped,
            timestamp=now,
            tag=tag,
            current=event.to_dict(),
            previous=current.to_dict() if current else None,
            move_cause=why.value,
            actor=actor,
            cause=cause,
        )
        return True

    # -- pins -----------------------------------------------------------------------------------------------

    def pin_tag(self, tag: str, reason: str, *, now: datetime, actor: str, cause: str = "") -> bool:
        """Holds a tag where it is. Pinning a pinned tag again replaces its reason (and its pinner)."""
        validate_reason(reason)
        self._check_tag_exists(tag)
        pin = self.state.pins.get(tag)
        if pin is not None and pin.reason == reason:
            return False
        self.trigger_event(self.TagPinned, timestamp=now, tag=tag, reason=reason, actor=actor, cause=cause)
        return True

    def unpin_tag(self, tag: str, *, now: datetime, actor: str, cause: str = "") -> bool:
        """Lets the tag move again; it stays where it is until something moves it."""
        self._check_tag_exists(tag)
        if tag not in self.state.pins:
            return False
        self.trigger_event(self.TagUnpinned, timestamp=now, tag=tag, actor=actor, cause=cause)
        return True

    def _check_tag_exists(self, tag: str) -> None:
        if tag not in self.state.spec_tags and tag not in self.state.status_tags:
            raise NotFound("imagestreamtag", istag_name(self.namespace, self.name, tag))


def _same_target(a: TagEvent, b: TagEvent) -> bool:
    return (a.image, a.docker_image_reference) == (b.image, b.docker_image_reference)


def move_cause_of(event: ImageStream.TagStatusChanged) -> MoveCause:
    """Why a move happened: as recorded, or read from the request trail of a move recorded before causes were."""
    return MoveCause(event.move_cause) if event.move_cause else legacy_move_cause(event.cause)


@dataclass(frozen=True)
class ImportPolicy:
    """How an import asks a tag to be kept: its import flags and, for a new tag, its reference policy."""

    insecure: bool = False
    scheduled: bool = False
    import_mode: ImportMode = ImportMode.LEGACY
    reference_policy: ReferencePolicy = ReferencePolicy.SOURCE


def _imported_spec(tag: str, spec: TagSpec | None, source: str, policy: ImportPolicy) -> TagSpec:
    """The spec an import leaves: the registry source and the import flags the request asked for, added to
    the tag's own (an import turns `insecure` and `scheduled` on, never off, as `oc import-image` ORs them);
    an existing tag keeps its annotations and reference policy."""
    return TagSpec(
        name=tag,
        source=Source(SourceKind.DOCKER_IMAGE, source),
        annotations=dict(spec.annotations) if spec else {},
        generation=spec.generation if spec else 0,
        insecure=policy.insecure or bool(spec and spec.insecure),
        scheduled=policy.scheduled or bool(spec and spec.scheduled),
        import_mode=policy.import_mode,
        reference_policy=spec.reference_policy if spec else policy.reference_policy,
    )


def validate_repository(repository: str, field_name: str = "docker_image_repository") -> None:
    if not repository:
        return
    ref = parse_pull_spec(repository, field_name)
    if ref.tag:
        raise InvalidField(field_name, f'"{repository}": the repository name may not contain a tag')
    if ref.id:
        raise InvalidField(field_name, f'"{repository}": the repository name may not contain an ID')


def resolve_source(spec: TagSpec, source_stream: StreamState, now: datetime) -> TagEvent | None:
    """The image a spec tag points at now, or None when there is none yet (a registry tag waiting for import,
    a source tag with no image). `source_stream` is the stream an image stream source names."""
    source = spec.source
    if source is None:
        return None
    generation = spec.generation
    if source.kind is SourceKind.DOCKER_IMAGE:
        if spec.reference:
            return TagEvent(now, source.name, "", generation)
        ref = parse_pull_spec(source.name, "source.name")
        if ref.id:
            # Pinned by digest: the image is known without asking a registry.
            return TagEvent(now, ref.exact(), ref.id, generation)
        return None
    if source.kind is SourceKind.IMAGE_STREAM_TAG:
        tag = parse_istag_source(source.name, "source.name").tag
        head = source_stream.current(tag)
        if head is None:
            return None
        # A tag copies its source's current event as it is, creation time included.
        return TagEvent(head.created, head.docker_image_reference, head.image, generation)
    image_id = parse_isimage_source(source.name, "source.name").image_id
    found = source_stream.resolve_image_id(image_id)
    return TagEvent(now, found.docker_image_reference, found.image, generation)
