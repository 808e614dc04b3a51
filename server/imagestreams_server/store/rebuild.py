"""The full rebuild of the read models: the whole log replayed into empty tables, in one transaction.

Row for row what the live projection (`readmodel.project`) wrote, built by the same row functions, but written
another way, since a rebuild of a large log must not cost a statement (a round trip to PostgreSQL) per event:

- the log is read in the order of its aggregates (each aggregate's events together, in version order, from
  the events table's primary key), a page at a time. An aggregate's final rows are written once, when its
  last event has been read, and no more than the aggregate being folded and three pages (one fetched, one
  folded, one written) are held in memory, however long the log;
- the tables start empty and only ever receive the final rows, so nothing is updated or deleted: a tag's
  status entries are kept in memory, as the live projection's statements would leave its rows
  (`_StatusRows`), until the stream is complete;
- rows go out in bulk, a page of the log at a time: one COPY per table on PostgreSQL, one `executemany` on
  SQLite (`Sql.insert_many`). Secrets and access aggregates, a few per project, keep their own statements;
- on PostgreSQL the database's work overlaps this process's: a thread fetches the next page while the last
  is decoded and folded, and another writes the rows of the one before;
- each event's state is parsed by the C JSON parser with no Python call per object: the only transcoded
  value most events hold is their timestamp, converted afterwards (`_FastJSON`).
"""

from __future__ import annotations

import json
import queue
import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from eventsourcing.persistence import JSONTranscoder, Mapper, StoredEvent

from ..domain.history import HistoryChange
from ..domain.image import Image
from ..domain.imagestream import ImageStream
from ..domain.secret import Secret
from . import access_rows, readmodel, secret_rows, tracking
from .sql import Sql, events_table

# Events read (and rows written) at a time.
PAGE = 2000


def rebuild(sql: Sql, pages: Iterable[Sequence[tuple[int, Any]]]) -> int:
    """Empties the read-model tables and writes them again from `pages` of (position, event), every event of
    the log, grouped by aggregate in version order (`log_pages`). Returns the number of events replayed.

    On PostgreSQL a page's rows are written by a thread of their own while the next page is read and folded
    (the log is then read on another connection: see `EventLog.rebuild_read_models`), so the database's work
    and this process's overlap; at most one page of rows waits for it."""
    with _Writer(sql, threaded=not sql.is_sqlite) as writer:
        writer.statements([f"DELETE FROM {table}" for table in readmodel.TABLES])
        out = _Rows()
        folding: _Folding | None = None
        count = top = access_position = 0
        for page in pages:
            for position, event in page:
                if folding is None or folding.id != event.originator_id:
                    if folding is not None:
                        folding.finish(out)
                    folding = _Folding(event.originator_id)
                folding.add(position, event, out)
                count += 1
                top = max(top, position)
                if folding.access:
                    access_position = max(access_position, position)
            writer.write(out.take())
        if folding is not None:
            folding.finish(out)
        writer.write(out.take())
    tracking.advance(sql, readmodel.SCHEMA_TRACKING_NAME, readmodel.SCHEMA_VERSION)
    if count:
        tracking.advance(sql, readmodel.TRACKING_NAME, top)
    if access_position:
        tracking.advance(sql, access_rows.TRACKING_NAME, access_position)
    return count


class _Rows:
    """Rows waiting to be written, by table, and the aggregates whose rows are written by their own
    statements (secrets and access: `secret_rows.write`, `access_rows.write`)."""

    def __init__(self) -> None:
        self.history: list[tuple[Any, ...]] = []
        self.status: list[tuple[Any, ...]] = []
        self.streams: list[tuple[Any, ...]] = []
        self.tags: list[tuple[Any, ...]] = []
        self.images: list[tuple[Any, ...]] = []
        self.others: list[tuple[Any, int]] = []

    def take(self) -> _Rows:
        """These rows, handed over; this object starts empty again."""
        taken = _Rows()
        taken.__dict__.update(self.__dict__)
        self.__init__()  # type: ignore[misc]
        return taken

    def write(self, sql: Sql) -> None:
        for table, columns, rows in (
            ("is_tag_history", readmodel.HISTORY_COLUMNS, self.history),
            ("is_tag_status_items", readmodel.STATUS_ITEM_COLUMNS, self.status),
            ("is_streams", readmodel.STREAM_COLUMNS, self.streams),
            ("is_tags", readmodel.TAG_COLUMNS, self.tags),
            ("is_images", readmodel.IMAGE_COLUMNS, self.images),
        ):
            sql.insert_many(table, columns, rows)
        if self.others:
            with sql.pipeline():
                for aggregate, position in self.others:
                    if isinstance(aggregate, Secret):
                        secret_rows.write(sql, aggregate, position)
                    else:
                        access_rows.write(sql, aggregate, position)


class _Writer:
    """Writes pages of rows on `sql`: in a thread of its own when `threaded` (the caller must then leave
    `sql` alone until the block ends), else at once. A page waits while the previous one is being written,
    so memory holds at most two."""

    def __init__(self, sql: Sql, *, threaded: bool) -> None:
        self._sql = sql
        self._queue: queue.Queue[_Rows | list[str] | None] | None = queue.Queue(maxsize=1) if threaded else None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def __enter__(self) -> _Writer:
        if self._queue is not None:
            self._thread = threading.Thread(target=self._run, name="rebuild-writer", daemon=True)
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self._queue is not None and self._thread is not None:
            self._put(None)
            self._thread.join()
        if self._error is not None and exc[0] is None:
            raise self._error

    def statements(self, statements: list[str]) -> None:
        self._submit(statements)

    def write(self, rows: _Rows) -> None:
        self._submit(rows)

    def _submit(self, item: _Rows | list[str]) -> None:
        if self._queue is None:
            self._do(item)
            return
        if self._error is not None:
            raise self._error
        self._put(item)

    def _put(self, item: _Rows | list[str] | None) -> None:
        # A writer that failed takes no more: the failure is raised here instead of waiting forever.
        assert self._queue is not None
        while True:
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if self._error is not None:
                    if item is None:
                        return
                    raise self._error from None

    def _run(self) -> None:
        assert self._queue is not None
        while (item := self._queue.get()) is not None:
            if self._error is None:
                try:
                    self._do(item)
                except BaseException as error:
                    self._error = error

    def _do(self, item: _Rows | list[str]) -> None:
        if isinstance(item, _Rows):
            item.write(self._sql)
        else:
            for statement in item:
                self._sql.execute(statement)


class _StatusRows:
    """A stream's `is_tag_status_items` rows as `readmodel._write_status_items` leaves them, kept in memory
    until the stream's last event: the same steps on (seq, entry text) pairs instead of statements."""

    def __init__(self) -> None:
        self.tags: dict[str, list[tuple[int, str]]] = {}

    def add(self, position: int, event: Any, entry: str) -> None:
        """`entry`: the text of a moved tag's new entry (`readmodel.entry_text(event.current)`)."""
        if isinstance(event, readmodel.ALL_TAGS):
            self.tags.clear()
        elif isinstance(event, ImageStream.TagDeleted):
            self.tags.pop(event.tag, None)
        elif isinstance(event, ImageStream.TagStatusChanged):
            rows = self.tags.setdefault(event.tag, [])
            if event.change != HistoryChange.MOVED.value and rows:
                # In place: the row with the highest seq goes.
                rows.remove(max(rows))
            rows.append((position, entry))
        elif isinstance(event, ImageStream.TagHistoryPruned) and event.removed:
            removed = {readmodel.entry_text(item) for item in event.removed}
            rows = self.tags.get(event.tag)
            if rows:
                rows[:] = [row for row in rows if row[1] not in removed]

    def rows(self, namespace: str, stream: str) -> Iterator[tuple[Any, ...]]:
        for tag, rows in self.tags.items():
            for seq, entry in rows:
                yield (namespace, stream, tag, seq, entry)


class _Folding:
    """One aggregate being replayed: its state, the position of its last event, which of its tags changed
    where, and (for a stream) its status entries."""

    def __init__(self, aggregate_id: str) -> None:
        self.id = aggregate_id
        self.aggregate: Any = None
        self.position = 0
        self.changes = readmodel.TagChanges()
        self.status = _StatusRows()
        # Whether its last event changed the access read model (`is_tracking` row `access`).
        self.access = False

    def add(self, position: int, event: Any, out: _Rows) -> None:
        self.aggregate = event.mutate(self.aggregate)
        self.position = position
        self.changes.add(position, event)
        if isinstance(event, ImageStream.Event):
            entry = ""
            if isinstance(event, ImageStream.TagStatusChanged):
                # `apply` has just made `event.current` the tag's newest entry: its text is `entry_text`'s,
                # without parsing the entry a second time.
                entry = json.dumps(self.aggregate.state.status_tags[event.tag].items[0].to_dict())
            self.status.add(position, event, entry)
            out.history.extend(readmodel.history_rows(position, event))
        else:
            self.access = access_rows.is_access_event(event)

    def finish(self, out: _Rows) -> None:
        """The aggregate's final rows: what the live projection's last save of it left."""
        aggregate = self.aggregate
        if isinstance(aggregate, ImageStream):
            out.status.extend(self.status.rows(*readmodel.stream_of(self.id)))
            if aggregate.deleted:
                return
            out.streams.append(readmodel.stream_row(aggregate, self.position))
            # A stream's log starts with an event that rewrites every tag; were it missing, every row is
            # written all the same.
            every = self.position if self.changes.every is None else self.changes.every
            for tag in aggregate.state.tag_names():
                row = readmodel.tag_row(aggregate.state, tag, self.changes.named.get(tag, every))
                if row is not None:
                    out.tags.append(row)
        elif isinstance(aggregate, Image):
            if not aggregate.deleted:
                out.images.append(readmodel.image_row(aggregate, self.position))
        elif aggregate is not None:
            out.others.append((aggregate, self.position))


# -- reading the log ----------------------------------------------------------------------------------------


def log_pages(sql: Sql, recorder: Any, mapper: Mapper[Any], size: int = PAGE) -> Iterator[list[tuple[int, Any]]]:
    """Every event of the log as (position, event), in pages of `size`, ordered by aggregate and version (the
    events table's primary key: each page is a range of its index). On PostgreSQL the next page is fetched
    by a thread while this one is decoded."""
    decode = _fast_mapper(mapper)
    rows = _raw_pages(sql, recorder, size)
    for page in rows if sql.is_sqlite else _prefetched(rows):
        yield [
            (
                int(position),
                decode.to_domain_event(
                    StoredEvent(
                        originator_id=aggregate_id, originator_version=int(version), topic=topic, state=bytes(state)
                    )
                ),
            )
            for position, aggregate_id, version, topic, state in page
        ]


def _raw_pages(sql: Sql, recorder: Any, size: int) -> Iterator[list[Sequence[Any]]]:
    position = "rowid" if sql.is_sqlite else "notification_id"
    statement = (
        f"SELECT {position} AS position, originator_id, originator_version, topic, state"
        f" FROM {events_table(recorder, sqlite=sql.is_sqlite)}"
        " WHERE (originator_id, originator_version) > (%s, %s)"
        " ORDER BY originator_id, originator_version LIMIT %s"
    )
    after: tuple[str, int] = ("", -1)
    while True:
        rows = sql.tuples(statement, (*after, size))
        yield rows
        if len(rows) < size:
            return
        after = (rows[-1][1], int(rows[-1][2]))


def _prefetched(pages: Iterator[list[Sequence[Any]]]) -> Iterator[list[Sequence[Any]]]:
    """`pages`, each fetched by a thread while the one before is used: at most one waits."""
    ready: queue.Queue[tuple[list[Sequence[Any]] | None, BaseException | None]] = queue.Queue(maxsize=1)
    stop = threading.Event()

    def offer(item: tuple[list[Sequence[Any]] | None, BaseException | None]) -> bool:
        """Hands `item` over once there is room; False when the consumer has stopped."""
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        try:
            for page in pages:
                if not offer((page, None)):
                    return
            offer((None, None))
        except BaseException as error:
            offer((None, error))

    thread = threading.Thread(target=fetch, name="rebuild-reader", daemon=True)
    thread.start()
    try:
        while True:
            page, error = ready.get()
            if error is not None:
                raise error
            if page is None:
                return
            yield page
    finally:
        # The consumer stopped early (an error): the reader must not go on using the connection.
        stop.set()
        thread.join()


def _fast_mapper(mapper: Mapper[Any]) -> Mapper[Any]:
    """A mapper that makes the same events as `mapper`, with `_FastJSON` in place of the library's JSON
    transcoder (any other mapper is used as it is)."""
    transcoder = mapper.transcoder
    if type(mapper) is not Mapper or type(transcoder) is not JSONTranscoder or "datetime_iso" not in transcoder.names:
        return mapper
    return Mapper(transcoder=_FastJSON(transcoder), compressor=mapper.compressor, cipher=mapper.cipher)


class _FastJSON(JSONTranscoder):
    """Decodes what `JSONTranscoder` encoded, to the same values. The library's decoder calls a Python hook
    for every JSON object, to find transcoded values (`{"_type_": ..., "_data_": ...}`); most events hold
    one, their timestamp. Those are parsed with no hook and their timestamp converted afterwards; a state
    with any other transcoded value goes through the library's decoder."""

    def __init__(self, transcoder: JSONTranscoder) -> None:
        super().__init__()
        self.types = transcoder.types
        self.names = transcoder.names
        self._library = transcoder

    def decode(self, data: bytes) -> Any:
        # Inside a JSON string a quote is escaped, so `"_type_"` occurs only as a key or a whole string.
        if data.count(b'"_type_"') == 1:
            value = json.loads(data.decode("utf8"))
            timestamp = value.get("timestamp") if type(value) is dict else None
            if type(timestamp) is dict and len(timestamp) == 2 and "_data_" in timestamp:
                transcoding = self.names.get(timestamp.get("_type_"))  # type: ignore[arg-type]
                if transcoding is not None:
                    value["timestamp"] = transcoding.decode(timestamp["_data_"])
                    return value
        return self._library.decode(data)
