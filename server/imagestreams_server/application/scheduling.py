"""Scheduled import: tags with a scheduled import policy are checked again on one global interval.

A check is one HEAD when the upstream digest is the one the tag's image came from (remembered in
`is_import_state`, beside the log) and the image's metadata is recorded; then nothing is appended. A new
digest is imported and recorded like any import (aliases follow); a failure sets the tag's ImportSuccess=False
condition and keeps its history. Checks are spread: a tag is due `interval` after its own last check, at most
`batch` tags are checked per tick, and the oldest checks go first, so a restart neither re-scans everything at
once nor checks anything early. With several replicas on one PostgreSQL database, one at a time runs the
checks (an advisory lock).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from ..domain.errors import DomainError
from ..domain.history import MoveCause
from ..domain.imagestream import ImageStream, ImportPolicy
from ..domain.names import StreamName
from ..domain.reference import parse_pull_spec
from ..domain.state import StreamState
from ..domain.tags import SourceKind, TagSpec
from ..importer import ImportedImage, ImportFailure, RegistryClient, Unchanged
from ..store import import_state, readmodel
from ..store.app import EventLog
from ..store.import_state import ImportState
from . import unit_of_work
from .importing import Importing, ImportInput, TagOutcome
from .unit_of_work import UnitOfWork

log = logging.getLogger(__name__)


@dataclass
class CheckSummary:
    checked: int = 0
    unchanged: int = 0
    moved: int = 0
    failed: int = 0
    skipped_by_lock: bool = False
    moved_tags: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class _Due:
    state: StreamState
    spec: TagSpec
    last: ImportState | None
    # A first import of a new or re-pointed tag, not a periodic check.
    waiting: bool = False


@dataclass(frozen=True)
class _Quiet:
    """What a tags pass that found nothing due saw. Until the log moves, a remembered check changes or `until`
    comes, a pass would find nothing due either: a tag is due for what the read models say of it (a change is a
    new log position), for its remembered check, or for the time."""

    position: int
    checks: dict[tuple[str, str, str], ImportState]
    # When the first scheduled tag falls due; None: none will without a change.
    until: datetime | None

    def holds(self, position: int, checks: dict[tuple[str, str, str], ImportState], now: datetime) -> bool:
        return position == self.position and checks == self.checks and (self.until is None or now < self.until)


class ScheduledImports:
    def __init__(
        self,
        event_log: EventLog,
        importing: Importing,
        registry: RegistryClient,
        clock: Callable[[], datetime],
        interval: timedelta | None,
        batch: int = 100,
        auto_import: bool = True,
    ) -> None:
        self.event_log = event_log
        self.importing = importing
        self.registry = registry
        self.clock = clock
        # None: no periodic re-checks (tags waiting for a first import are still imported).
        self.interval = interval
        self.batch = batch
        # Import tags and repositories waiting for their first import, as OpenShift's import controller does.
        self.auto_import = auto_import
        # Set by a tags pass that found nothing due: the next passes skip reading every stream while it holds.
        self._quiet: _Quiet | None = None
        with event_log.write() as sql:
            import_state.create_table(sql)

    def run_once(self) -> CheckSummary:
        """One tick: check the tags that are due. Blocking; call it from a worker thread."""
        summary = CheckSummary()
        with self.event_log.exclusive("scheduled-import") as acquired:
            if not acquired:
                summary.skipped_by_lock = True
                return summary
            for stream_name, repository in self._repositories_due() if self.auto_import else []:
                self._import_repository(stream_name, repository, summary)
            for stream_name, due in self._due().items():
                self._check_stream(stream_name, due, summary)
        return summary

    def _repositories_due(self) -> list[tuple[StreamName, str]]:
        """Streams whose docker image repository has not been imported since it was set."""
        with self.event_log.read() as sql:
            states = import_state.load(sql)
            # Every stream's own fields: a repository to import is one of them, the tags are not needed.
            headers = readmodel.stream_headers(sql)
        due = []
        for state in headers:
            repository = state.docker_image_repository
            last = states.get((state.namespace, state.name, ""))
            if repository and (last is None or last.source != repository):
                due.append((state.stream_name, repository))
        return due[: self.batch]

    def _import_repository(self, name: StreamName, repository: str, summary: CheckSummary) -> None:
        """A stream created or updated with a docker image repository imports its tags (as `all`)."""
        try:
            # The stream's insecure annotation is read by the import itself, not copied into the tags.
            result = self.importing.import_image(ImportInput(name.namespace, name.name, all=True, confirm=True))
        except DomainError as error:
            log.warning("importing repository %s into %s failed: %s", repository, name, error.message)
        else:
            summary.checked += len(result.outcomes)
            summary.moved += sum(1 for o in result.outcomes if o.changed)
            summary.failed += sum(1 for o in result.outcomes if o.failure is not None)
        # Tried once per repository value: a failing repository is not retried on every tick.
        with self.event_log.write() as sql:
            import_state.save(sql, ImportState(name.namespace, name.name, "", repository, "", self.clock()))

    def _due(self) -> dict[StreamName, list[_Due]]:
        now = self.clock()
        with self.event_log.read() as sql:
            # The position before the streams: a commit in between makes the next pass read them again.
            position = readmodel.tracked_position(sql)
            states = import_state.load(sql)
            if self._quiet is not None and self._quiet.holds(position, states, now):
                return {}
            # Every stream, each tag with its current entry: what is due depends on no tag's older history.
            streams = readmodel.list_streams(sql, "", None, 1 << 31, newest_only=True)
        due: list[_Due] = []
        until: datetime | None = None
        for stored in streams:
            state = stored.state
            for spec in state.spec_tags.values():
                last = states.get((state.namespace, state.name, spec.name))
                if self.auto_import and state.waiting_for_import(spec.name):
                    due.append(_Due(state, spec, None, waiting=True))  # a new or re-pointed tag: import it now
                    continue
                if self.interval is None or not _scheduled(spec) or _pinned_and_imported(state, spec):
                    continue
                assert spec.source is not None
                if last and last.source == spec.source.name and now - last.checked_at < self.interval:
                    falls_due = last.checked_at + self.interval
                    until = falls_due if until is None else min(until, falls_due)
                    continue
                due.append(_Due(state, spec, last))
        # Reading every stream costs seconds of CPU on a large store: not again until something can be due.
        self._quiet = None if due else _Quiet(position, states, until)
        # The longest unchecked first; never-checked tags before all of them.
        due.sort(key=lambda d: d.last.checked_at if d.last else datetime.min.replace(tzinfo=now.tzinfo))
        grouped: dict[StreamName, list[_Due]] = {}
        for item in due[: self.batch]:
            grouped.setdefault(item.state.stream_name, []).append(item)
        return grouped

    def _check_stream(self, name: StreamName, due: list[_Due], summary: CheckSummary) -> None:
        now = self.clock()
        credentials = self.importing.credentials(name.namespace)
        outcomes: list[tuple[TagOutcome, ImportPolicy, MoveCause]] = []
        seen: list[ImportState] = []
        for item in due:
            spec, source = item.spec, item.spec.source.name if item.spec.source else ""
            # One HEAD when the tag's image is known (as on every import path); a GET only when it moved, was
            # never imported at this spec, failed since, or its metadata is not recorded.
            known = self.importing.known_image(item.state, spec.name, source, spec.import_mode)
            last_digest = known.source_digest if known else None
            summary.checked += 1
            policy = ImportPolicy(spec.insecure, spec.scheduled, spec.import_mode, spec.reference_policy)
            why = MoveCause.IMPORT if item.waiting else MoveCause.SCHEDULED_IMPORT
            # Plain HTTP when the tag or the stream's insecure annotation allows it, as on every import path.
            transport = replace(policy, insecure=item.state.insecure_allowed(spec.name))
            try:
                result = self.importing.read(
                    source, spec.annotations, transport, credentials, last_digest, self.registry
                )
            except ImportFailure as failure:
                summary.failed += 1
                outcomes.append((TagOutcome(spec.name, source, failure=failure), policy, why))
                seen.append(ImportState(name.namespace, name.name, spec.name, source, last_digest or "", now))
                continue
            if isinstance(result, Unchanged):
                summary.unchanged += 1
                seen.append(ImportState(name.namespace, name.name, spec.name, source, result.digest, now))
                continue
            assert isinstance(result, ImportedImage)
            outcomes.append((TagOutcome(spec.name, source, image=result), policy, why))
            digest = result.source_digest or result.digest
            seen.append(ImportState(name.namespace, name.name, spec.name, source, digest, now))
        if outcomes:
            moved = self._record(name, outcomes)
            summary.moved += len(moved)
            summary.moved_tags.extend(f"{name}:{t}" for t in moved)
            # Remembered as of after the save, so the digest counts for the images it recorded (see known_image).
            after = self.clock()
            seen = [replace(state, checked_at=max(state.checked_at, after)) for state in seen]
        # Remembered only after the stream's save: a crash in between costs a repeated check, not a lost one.
        with self.event_log.write() as sql:
            for state in seen:
                import_state.save(sql, state)

    def _record(self, name: StreamName, outcomes: list[tuple[TagOutcome, ImportPolicy, MoveCause]]) -> list[str]:
        def command(unit: UnitOfWork) -> list[str]:
            stream = unit.stream_or_none(name)
            if stream is None or stream.deleted:
                return []  # deleted while the registry was asked: nothing to record
            moved = [
                outcome.tag
                for outcome, policy, why in outcomes
                if _still_wanted(stream, outcome) and self.importing.record(unit, stream, outcome, policy, why).changed
            ]
            self.importing.note_check(stream, unit)
            return moved

        moved, _ = unit_of_work.run(self.event_log, self.importing.context, self.importing.new_uid, command)
        return moved


def _scheduled(spec: TagSpec) -> bool:
    return bool(spec.scheduled and not spec.reference and spec.source and spec.source.kind is SourceKind.DOCKER_IMAGE)


def _pinned_and_imported(state: StreamState, spec: TagSpec) -> bool:
    """A source pinned by digest names the same bytes forever: once imported at its generation, done."""
    assert spec.source is not None
    pinned = parse_pull_spec(spec.source.name, "source").id
    current = state.current(spec.name)
    return bool(pinned) and current is not None and current.image == pinned and current.generation >= spec.generation


def _still_wanted(stream: ImageStream, outcome: TagOutcome) -> bool:
    """The tag may have been re-pointed, or made a reference, while the registry was asked."""
    spec = stream.state.spec_tags.get(outcome.tag)
    return (
        spec is not None
        and not spec.reference
        and spec.source is not None
        and spec.source.kind is SourceKind.DOCKER_IMAGE
        and spec.source.name == outcome.source
    )
