"""PruneImages: `oc adm prune images` over the event log. The plan is computed from the read models
(domain/pruning.py decides); a confirmed run trims each stream in its own save, recomputing the stream's part
on the state it loads, then removes the images no stream refers to any more, re-checking the references
while it holds those images."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from ..domain.image import Image, image_id
from ..domain.names import StreamName, validate_namespace
from ..domain.pruning import (
    ImageFacts,
    PruneOptions,
    TrimmedTag,
    referenced_images,
    trim_stream,
    unreferenced_images,
)
from ..domain.reference import DockerImageReference, ReferenceError
from ..domain.state import StreamState
from ..store import readmodel
from ..store.app import EventLog
from . import unit_of_work
from .registry_manifests import ManifestDeletion, RegistryManifests
from .unit_of_work import Context, UnitOfWork

# Streams read from the read model per query, and images removed per save.
PAGE = 500
IMAGE_BATCH = 100


@dataclass(frozen=True)
class PruneResult:
    tags: list[TrimmedTag]
    images: list[ImageFacts]
    dry_run: bool
    position: int
    # By digest, the images whose manifest is (or, in a dry run, would be) deleted in the fronted registry.
    registry: dict[str, ManifestDeletion] = field(default_factory=dict)


class Pruning:
    def __init__(
        self,
        log: EventLog,
        context: Callable[[], Context],
        new_uid: Callable[[], str],
        managed_hosts: Callable[[], set[str]],
        manifests: RegistryManifests | None = None,
    ) -> None:
        self.log = log
        self.context = context
        self.new_uid = new_uid
        # Registry hosts whose images count as pushed here (`--all=false` prunes only those).
        self.managed_hosts = managed_hosts
        self.manifests = manifests or RegistryManifests(managed_hosts)

    def prune(self, options: PruneOptions, confirm: bool, prune_registry: bool = True) -> PruneResult:
        """With `prune_registry`, the removed images' manifests go from the registry the service fronts too (a
        failure there is reported per image, and the records go either way)."""
        options.validate()
        if options.namespace:
            validate_namespace(options.namespace, "namespace")
        now = self.context().now
        images = self._images()
        streams = list(self._streams(options.namespace))
        planned = [t for state in streams for t in trim_stream(state, images, options, now)]
        if not confirm:
            used = referenced_images(streams, planned)
            doomed = unreferenced_images(images, used, options, now)
            registry = self._planned_deletions(doomed) if prune_registry else {}
            return PruneResult(planned, doomed, True, self.log.max_position(), registry)
        trimmed = []
        for name in sorted({StreamName(t.namespace, t.stream) for t in planned}, key=str):
            trimmed.extend(self._trim(name, images, options))
        removed = self._remove_images(options)
        # After the records: a manifest deleted first would be lost to an image the re-check kept.
        registry = (
            self.manifests.delete({i.digest: i.docker_image_reference for i in removed}) if prune_registry else {}
        )
        return PruneResult(trimmed, removed, False, self.log.max_position(), registry)

    def _planned_deletions(self, images: list[ImageFacts]) -> dict[str, ManifestDeletion]:
        planned = {}
        for image in images:
            found = self.manifests.target(image.docker_image_reference)
            if found is not None:
                planned[image.digest] = ManifestDeletion(found[1])
        return planned

    def _trim(self, name: StreamName, images: dict[str, ImageFacts], options: PruneOptions) -> list[TrimmedTag]:
        def command(unit: UnitOfWork) -> list[TrimmedTag]:
            context = unit.context
            stream = unit.stream_or_none(name)
            if stream is None or stream.deleted:
                return []
            plan = trim_stream(stream.state, images, options, context.now)
            for tag in plan:
                removed = [item for _, item in tag.removed]
                stream.prune_history(tag.tag, removed, now=context.now, actor=context.actor, cause=context.cause)
            return plan

        return unit_of_work.run(self.log, self.context, self.new_uid, command)[0]

    def _remove_images(self, options: PruneOptions) -> list[ImageFacts]:
        """Images no stream refers to, removed in batches; each batch holds its images (so a push of one in
        this process waits) and looks at the references again before it decides."""
        if options.namespace:
            return []
        now = self.context().now
        candidates = unreferenced_images(self._images(), referenced_images(self._streams(""), []), options, now)
        removed: list[ImageFacts] = []
        for start in range(0, len(candidates), IMAGE_BATCH):
            batch = candidates[start : start + IMAGE_BATCH]

            def command(unit: UnitOfWork, batch: list[ImageFacts] = batch) -> list[ImageFacts]:
                loaded = {facts.digest: unit.get(image_id(facts.digest)) for facts in batch}
                used = referenced_images(self._streams(""), [])
                gone = []
                for facts in batch:
                    image: Image | None = loaded[facts.digest]
                    if image is None or facts.digest in used:
                        continue
                    if image.delete(now=unit.context.now, actor=unit.context.actor):
                        gone.append(facts)
                return gone

            removed.extend(unit_of_work.run(self.log, self.context, self.new_uid, command)[0])
        return removed

    def _streams(self, namespace: str) -> Iterator[StreamState]:
        after: tuple[str, str] | None = None
        while True:
            with self.log.read() as sql:
                page = readmodel.list_streams(sql, namespace, after, PAGE)
            for stored in page:
                yield stored.state
            if len(page) < PAGE:
                return
            last = page[-1].state
            after = (last.namespace, last.name)

    def _images(self) -> dict[str, ImageFacts]:
        hosts = self.managed_hosts()
        with self.log.read() as sql:
            stored = readmodel.list_images(sql)
        return {
            image.digest: ImageFacts(
                digest=image.digest,
                created=image.created,
                managed=_host(image.docker_image_reference) in hosts,
                children=tuple(
                    child["digest"] for child in image.metadata.get("manifests") or [] if child.get("digest")
                ),
                docker_image_reference=image.docker_image_reference,
            )
            for image in stored
        }


def _host(pull_spec: str) -> str:
    try:
        return DockerImageReference.parse(pull_spec).registry
    except ReferenceError:
        return ""
