"""Read queries: answered from the read models, with derived fields (pull specs, aliases) computed here."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from ..domain import builders
from ..domain.errors import InvalidField, NotFound
from ..domain.history import TagEvent
from ..domain.image import image_id
from ..domain.imagestream import stream_id
from ..domain.names import StreamName, istag_name, validate_namespace
from ..domain.pull_specs import current_pull_spec, public_form, resolve_pull_spec
from ..domain.reference import ReferenceError, image_pull_policy, validate_digest
from ..domain.state import StreamState, TagStatus
from ..domain.tags import prioritize_tags, source_description
from ..store import readmodel
from ..store.app import EventLog
from ..store.read_cache import ReadCache
from ..store.sql import Sql
from .errors import PositionNotReached
from .history_filter import HistoryFilter
from .views import (
    BuilderView,
    DescribedTagView,
    ImageView,
    StreamDescription,
    StreamImageView,
    StreamView,
    TagView,
)

T = TypeVar("T")
# Set while a query runs on the event loop: it may answer from memory only, never touch the database.
_memory_only: ContextVar[bool] = ContextVar("imagestreams_memory_only", default=False)
# Set for the reads a client asked for (GetImageStream, GetImageStreamTag, DescribeImageStream): only they are
# answered from memory. Commands and the server's own reads (imports, the registry side) read the database.
_memory_allowed: ContextVar[bool] = ContextVar("imagestreams_memory_allowed", default=False)


class NotInMemory(Exception):
    """The query needs the database: it is run again on a worker thread."""


MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 100
# A catalog answer holds at most this many builders (it is not paged: it is sorted by match quality).
MAX_BUILDER_IMAGES = 1000


def page_size(requested: int, field: str = "page_size") -> int:
    if requested < 0:
        raise InvalidField(field, "page_size must not be negative")
    return min(requested or DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)


class Queries:
    def __init__(self, log: EventLog, registry_hostname: str = "", registry_public_hostname: str = "") -> None:
        self.log = log
        # When set, streams are served from `<registry_hostname>/<namespace>/<name>` and `Local` reference
        # policies resolve through it.
        self.registry_hostname = registry_hostname
        # The same registry as reached from outside: streams carry `<public hostname>/<namespace>/<name>`, and
        # tags a pull spec in that form.
        self.registry_public_hostname = registry_public_hostname
        # Streams and images as last read, answering the reads clients ask for from memory once it follows
        # the log (see store/read_cache.py and `memory_allowed`); until then every read goes to the read models.
        self.cache = ReadCache()

    @contextmanager
    def memory_allowed(self) -> Iterator[None]:
        """Streams and images read within (and in work submitted from within, through the context-copying
        executor) may come from memory."""
        token = _memory_allowed.set(True)
        try:
            yield
        finally:
            _memory_allowed.reset(token)

    def _cached(self, aggregate_id: str, part: str | None, min_position: int) -> Any:
        if not _memory_allowed.get():
            return None
        return self.cache.get(aggregate_id, part, min_position)

    def from_memory(self, query: Callable[[], T]) -> T:
        """Runs `query` if it can be answered from memory alone (NotInMemory otherwise, before any database
        access), so the caller may run it on the event loop and skip the hop to a worker thread."""
        token = _memory_only.set(True)
        try:
            return query()
        finally:
            _memory_only.reset(token)

    @contextmanager
    def _read(self) -> Iterator[Sql]:
        if _memory_only.get():
            raise NotInMemory()
        with self.log.read() as sql:
            yield sql

    def wait_for(self, min_position: int) -> None:
        """Read models are written in the append's transaction, so a position the log has reached is already
        reflected; one it has not reached is OUT_OF_RANGE."""
        if min_position <= 0 or self.cache.covers(min_position):
            return
        with self._read() as sql:
            current = readmodel.tracked_position(sql)
        if current < min_position:
            raise PositionNotReached(min_position, current)

    # -- streams --------------------------------------------------------------------------------------------

    def stream(
        self, namespace: str, name: str, min_position: int = 0, name_field: str = "name", only_tag: str | None = None
    ) -> StreamView:
        """A stream with its tags (only `only_tag` when given: all a one-tag view needs)."""
        return self._stream(namespace, name, min_position, name_field, only_tag)[0]

    def _stream(
        self, namespace: str, name: str, min_position: int, name_field: str, only_tag: str | None
    ) -> tuple[StreamView, readmodel.StoredImage | None]:
        """`stream`, and when only `only_tag` was read from the database, the image that tag is at if the same
        read could fetch it (saving `_image_for` a read of its own)."""
        stream_name = StreamName(namespace, name)
        stream_name.validate(name_field=name_field)
        key = stream_id(namespace, name)
        stored = self._cached(key, only_tag, min_position)
        if stored is None and only_tag is not None:
            # The whole stream answers for any of its tags too.
            stored = self._cached(key, None, min_position)
        image = None
        if stored is None:
            self.wait_for(min_position)
            token = self.cache.token()
            with self._read() as sql:
                if only_tag is None:
                    stored = readmodel.get_stream(sql, namespace, name)
                else:
                    stored, image = readmodel.get_stream_and_image(sql, namespace, name, only_tag)
            if stored is not None:
                self.cache.put(key, only_tag, stored, token)
            if image is not None:
                self.cache.put(image_id(image.digest), None, image, token)
        if stored is None:
            raise NotFound("imagestream", str(stream_name))
        return StreamView(stored.state, stored.position), image

    def position_of(self, name: StreamName) -> int:
        with self.log.read() as sql:
            return readmodel.stream_position(sql, name.namespace, name.name)

    def streams(
        self,
        namespace: str,
        after: tuple[str, str] | None,
        limit: int,
        min_position: int = 0,
        within: Collection[str] | None = None,
    ) -> list[StreamView]:
        """A page of one namespace's streams; of every namespace (or every one of `within`) when empty."""
        if namespace:
            validate_namespace(namespace)
        self.wait_for(min_position)
        with self.log.read() as sql:
            stored = readmodel.list_streams(sql, namespace, after, limit, within)
            return [StreamView(s.state, s.position) for s in stored]

    def builder_images(
        self,
        namespace: str,
        supports: str = "",
        *,
        include_hidden: bool = False,
        min_position: int = 0,
        within: Collection[str] | None = None,
        limit: int = MAX_BUILDER_IMAGES,
    ) -> tuple[list[BuilderView], bool]:
        """The builder catalog of one namespace (or of every one, or every one of `within`): the matches, best
        first, at most `limit` of them, and whether more matched. Streams are read page by page."""
        states: list[StreamState] = []
        after: tuple[str, str] | None = None
        while True:
            page = self.streams(namespace, after, MAX_PAGE_SIZE, min_position, within)
            states.extend(view.state for view in page)
            if len(page) < MAX_PAGE_SIZE:
                break
            after = (page[-1].state.namespace, page[-1].state.name)
            min_position = 0
        by_name = {(s.namespace, s.name): s for s in states}
        matches = builders.catalog(states, supports=supports, include_hidden=include_hidden)
        views = [
            BuilderView(
                builder=builder,
                exact=match is builders.Match.EXACT,
                pull_spec=self.pull_spec(by_name[(builder.namespace, builder.stream)], builder.tag),
            )
            for builder, match in matches[:limit]
        ]
        return views, len(matches) > limit

    def status_repository(self, state: StreamState) -> str:
        if self.registry_hostname:
            return f"{self.registry_hostname}/{state.namespace}/{state.name}"
        return state.docker_image_repository

    def public_repository(self, state: StreamState) -> str:
        """OpenShift's `publicDockerImageRepository`: empty unless a public registry hostname is configured."""
        if self.registry_public_hostname:
            return f"{self.registry_public_hostname}/{state.namespace}/{state.name}"
        return ""

    # -- tags -----------------------------------------------------------------------------------------------

    def tag(self, namespace: str, stream: str, tag: str, min_position: int = 0) -> TagView:
        if not tag:
            raise InvalidField("tag", "tag is required")
        view, image = self._stream(namespace, stream, min_position, "stream", tag)
        return self._tag_view(view, tag, image)

    def tags(self, namespace: str, stream: str, after: tuple[str, str] | None, limit: int, min_position: int = 0):
        """Tags (with a spec or a status) ordered by stream then tag, starting after the given key."""
        if stream:
            views = [self.stream(namespace, stream, min_position, name_field="stream")]
        else:
            validate_namespace(namespace)
            self.wait_for(min_position)
            with self.log.read() as sql:
                # Streams before the page key's stream are done; that stream itself may have tags left.
                start = (namespace, after[0][:-1]) if after and after[0] else None
                stored = readmodel.list_streams(sql, namespace, start, MAX_PAGE_SIZE * 10)
            views = [StreamView(s.state, s.position) for s in stored if not after or s.state.name >= after[0]]
        result: list[TagView] = []
        for view in views:
            for tag in view.state.tag_names():
                if after and (view.state.name, tag) <= after:
                    continue
                result.append(self._tag_view(view, tag))
                if len(result) == limit:
                    return result
        return result

    def tag_view(self, view: StreamView, tag: str) -> TagView:
        """One tag of a stream as given (the present one, or one of the past: see time_travel.py)."""
        return self._tag_view(view, tag)

    def _tag_view(self, view: StreamView, tag: str, read: readmodel.StoredImage | None = None) -> TagView:
        """`read`: the tag's image if it was read with the stream."""
        state = view.state
        spec = state.spec_tags.get(tag)
        status = state.status_tags.get(tag)
        if spec is None and status is None:
            raise NotFound("imagestreamtag", istag_name(state.namespace, state.name, tag))
        current = state.current(tag)
        image = None
        if current and current.image:
            image = _image_view(read) if read and read.digest == current.image else self._image_for(current)
        return TagView(
            namespace=state.namespace,
            stream=state.name,
            tag=tag,
            spec=spec,
            current=current,
            conditions=list(status.conditions) if status else [],
            lookup_local=state.lookup_local,
            image=image,
            pull_spec=self.pull_spec(state, tag),
            public_pull_spec=self.public_pull_spec(state, tag),
            image_reference=current_pull_spec(state, tag, self.status_repository(state)),
            image_pull_policy=image_pull_policy(f"{state.name}:{tag}"),
            position=view.position,
        )

    def pull_spec(self, state: StreamState, tag: str) -> str:
        """What clients pull for a tag (domain/pull_specs.py has the rules): its current image with the
        reference policy applied, or what its spec names while it has no image at the spec's generation."""
        return resolve_pull_spec(state, tag, self.status_repository(state))

    def public_pull_spec(self, state: StreamState, tag: str) -> str:
        """The pull spec in the form clients outside reach the registry by; empty without a public hostname."""
        if not self.registry_public_hostname:
            return ""
        resolved = resolve_pull_spec(state, tag, self.public_repository(state))
        return public_form(resolved, self.registry_hostname, self.registry_public_hostname)

    def tag_history(
        self,
        namespace: str,
        stream: str,
        tag: str,
        after: tuple[int, str] | None,
        limit: int,
        min_position: int = 0,
        filters: HistoryFilter | None = None,
    ) -> list[readmodel.TagMove]:
        """Every move of a stream's tags, kept by the log past deletes (so a deleted stream still has one)."""
        StreamName(namespace, stream).validate(name_field="stream")
        filters = filters or HistoryFilter()
        filters.validate()
        self.wait_for(min_position)
        with self.log.read() as sql:
            return readmodel.tag_moves(
                sql,
                namespace,
                stream,
                tag,
                after,
                limit,
                newest_first=filters.newest_first,
                actors=filters.actors,
                move_causes=filters.move_causes,
            )

    # -- describe -------------------------------------------------------------------------------------------

    def describe(self, namespace: str, name: str, min_position: int = 0) -> StreamDescription:
        return self.describe_view(self.stream(namespace, name, min_position))

    def describe_view(self, view: StreamView) -> StreamDescription:
        """`describe` of a stream as given (the present one, or one of the past: see time_travel.py)."""
        state = view.state
        names = state.tag_names()
        # An alias is listed on the tag its chain ends at, not on its own (`latest (prod, stable)`).
        aliases: dict[str, list[str]] = {}
        for tag in names:
            root = _alias_root(state, tag, set(names))
            if root != tag:
                aliases.setdefault(root, []).append(tag)
        listed = {a for group in aliases.values() for a in group}
        shown = [t for t in prioritize_tags(names) if t not in listed]
        tags = [
            DescribedTagView(
                tag=tag,
                aliases=prioritize_tags(aliases.get(tag, [])),
                spec=state.spec_tags.get(tag),
                status=state.status_tags.get(tag) or TagStatus(),
                source_description=source_description(state.spec_tags.get(tag), state.namespace),
                import_pending=state.waiting_for_import(tag),
                pull_spec=self.pull_spec(state, tag),
                image_pull_policy=image_pull_policy(f"{state.name}:{tag}"),
            )
            for tag in shown
        ]
        return StreamDescription(
            stream=view,
            unique_images=len(state.images()),
            tags=tags,
            image_repository=self.status_repository(state),
            public_image_repository=self.public_repository(state),
        )

    # -- images ---------------------------------------------------------------------------------------------

    def stream_image(self, namespace: str, stream: str, image_id: str, min_position: int = 0) -> StreamImageView:
        if not image_id:
            raise InvalidField("id", "image id (a digest or a unique prefix of one) is required")
        view = self.stream(namespace, stream, min_position, name_field="stream")
        found = view.state.resolve_image_id(image_id)
        image = self._image_for(found)
        return StreamImageView(namespace, stream, image_id, image, dict(view.state.annotations))

    def image(self, digest: str, min_position: int = 0) -> ImageView:
        if not digest:
            raise InvalidField("name", "image name (its digest) is required")
        try:
            validate_digest(digest)
        except ReferenceError as e:
            raise InvalidField("name", f'invalid image digest "{digest}": {e}') from None
        stored = self._cached(image_id(digest), None, min_position)
        if stored is None:
            self.wait_for(min_position)
            token = self.cache.token()
            with self._read() as sql:
                stored = readmodel.get_image(sql, digest)
            if stored is not None:
                self.cache.put(image_id(digest), None, stored, token)
        if stored is None:
            raise NotFound("image", digest)
        return _image_view(stored)

    def _image_for(self, event: TagEvent) -> ImageView:
        key = image_id(event.image)
        stored = self._cached(key, None, 0)
        if stored is None:
            token = self.cache.token()
            with self._read() as sql:
                stored = readmodel.get_image(sql, event.image)
            if stored is not None:
                self.cache.put(key, None, stored, token)
        if stored is None:
            # Every command that records a digest records its image too; this keeps the read whole if not.
            return ImageView(event.image, event.docker_image_reference, event.created, {})
        return _image_view(stored)


def _image_view(stored: readmodel.StoredImage) -> ImageView:
    return ImageView(stored.digest, stored.docker_image_reference, stored.created, stored.metadata)


def _alias_root(state: StreamState, tag: str, present: set[str]) -> str:
    """The last tag of `tag`'s alias chain that exists in the stream (`tag` itself when not an alias)."""
    seen = {tag}
    root = tag
    while (target := state.tracked_tag(root)) is not None and target in present and target not in seen:
        seen.add(target)
        root = target
    return root
