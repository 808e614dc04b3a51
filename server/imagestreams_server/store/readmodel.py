"""Read models: current streams, images and every tag move, kept beside the log and derived only from it.

A tag's status history is a row per entry (`is_tag_status_items`), written from the events that change it: a
move inserts one row, an in-place update replaces the newest, a trim deletes the trimmed ones. So a save costs
what it changed, whatever the history's length, instead of rewriting a row that grows with every move.

`project` runs inside the transaction that appends the events (so a write is visible to the next read);
`rebuild.py` replays the whole log into empty tables with the same rows, built by the same functions
(`history_rows`, `entry_text`, `stream_row`, `tag_row`, `image_row`). Both record the log position the tables
reflect in `is_tracking`, in the same transaction as the rows.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..domain.history import HistoryChange, TagCondition, TagEvent
from ..domain.image import Image
from ..domain.imagestream import ImageStream, move_cause_of
from ..domain.secret import Secret
from ..domain.state import StreamState, TagStatus
from ..domain.tags import TagSpec
from . import access_rows, secret_rows, tracking
from .sql import Sql, keyset_where

TRACKING_NAME = "readmodels"
# The shape of the tables below: tables written by an older shape are dropped and rebuilt from the log at start.
SCHEMA_VERSION = 3
SCHEMA_TRACKING_NAME = "readmodels-schema"

SCHEMA = (
    """CREATE TABLE IF NOT EXISTS is_streams (
        namespace TEXT NOT NULL,
        name TEXT NOT NULL,
        position BIGINT NOT NULL,
        doc TEXT NOT NULL,
        PRIMARY KEY (namespace, name))""",
    """CREATE TABLE IF NOT EXISTS is_tags (
        namespace TEXT NOT NULL,
        stream TEXT NOT NULL,
        tag TEXT NOT NULL,
        position BIGINT NOT NULL,
        spec TEXT,
        conditions TEXT,
        PRIMARY KEY (namespace, stream, tag))""",
    # A tag's status history, an entry a row; `seq` is the log position of the event that wrote the entry, so
    # the newest entry has the highest.
    """CREATE TABLE IF NOT EXISTS is_tag_status_items (
        namespace TEXT NOT NULL,
        stream TEXT NOT NULL,
        tag TEXT NOT NULL,
        seq BIGINT NOT NULL,
        entry TEXT NOT NULL,
        PRIMARY KEY (namespace, stream, tag, seq))""",
    """CREATE TABLE IF NOT EXISTS is_images (
        digest TEXT PRIMARY KEY,
        position BIGINT NOT NULL,
        doc TEXT NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS is_tag_history (
        position BIGINT NOT NULL,
        namespace TEXT NOT NULL,
        stream TEXT NOT NULL,
        tag TEXT NOT NULL,
        change TEXT NOT NULL,
        current TEXT,
        previous TEXT,
        actor TEXT NOT NULL,
        cause TEXT NOT NULL,
        time TEXT NOT NULL,
        move_cause TEXT NOT NULL,
        PRIMARY KEY (position, tag))""",
    "CREATE INDEX IF NOT EXISTS is_tag_history_by_tag ON is_tag_history (namespace, stream, tag, position)",
    """CREATE TABLE IF NOT EXISTS is_tracking (
        name TEXT PRIMARY KEY,
        position BIGINT NOT NULL)""",
    *secret_rows.SCHEMA,
    *access_rows.SCHEMA,
)
TABLES = (
    "is_streams",
    "is_tags",
    "is_tag_status_items",
    "is_images",
    "is_tag_history",
    "is_tracking",
    secret_rows.TABLE,
    *access_rows.TABLES,
)


def create_tables(sql: Sql) -> None:
    for statement in SCHEMA:
        sql.execute(statement)


def drop_tables(sql: Sql) -> None:
    for table in TABLES:
        sql.execute(f"DROP TABLE IF EXISTS {table}")


def schema_outdated(sql: Sql) -> bool:
    """Whether the tables were written by an older shape of them (or never rebuilt since they were made)."""
    return tracking.position(sql, SCHEMA_TRACKING_NAME) < SCHEMA_VERSION


# -- writing ------------------------------------------------------------------------------------------------


# Stream events that change every tag's row (the others name the one tag they change).
ALL_TAGS = (ImageStream.Created, ImageStream.Recreated, ImageStream.Deleted)


class TagChanges:
    """Which tag rows of one stream a run of its events changed, and at which log position: a tag's row
    records the position of the last event that named the tag, or of the last event that rewrote every tag
    (created, re-created, deleted), whichever came later. Defined by the events alone, so the live
    projection (batch by batch) and a rebuild (the whole log at once) write the same positions."""

    def __init__(self) -> None:
        # Position of the last event that rewrote every tag; None when none did (only `named` changed).
        self.every: int | None = None
        self.named: dict[str, int] = {}

    def add(self, position: int, event: Any) -> None:
        if isinstance(event, ALL_TAGS):
            self.every = position
            self.named.clear()
        elif isinstance(event.__dict__.get("tag"), str):
            self.named[event.tag] = position


def project(sql: Sql, recorded: Sequence[tuple[int, Any]], aggregates: Iterable[Any]) -> None:
    """Applies one committed batch: a row per tag move, then the resulting state of what the batch changed:
    each aggregate's own row and the rows of the tags its events named."""
    last_position: dict[str, int] = {}
    changes: dict[str, TagChanges] = {}
    access_position = 0
    for position, event in recorded:
        _write_event_rows(sql, position, event)
        if access_rows.is_access_event(event):
            access_position = position
        last_position[event.originator_id] = position
        changes.setdefault(event.originator_id, TagChanges()).add(position, event)
    for aggregate in aggregates:
        if aggregate.id in last_position:
            _write_state(sql, aggregate, last_position[aggregate.id], changes[aggregate.id])
    if recorded:
        tracking.advance(sql, TRACKING_NAME, max(p for p, _ in recorded))
    if access_position:
        tracking.advance(sql, access_rows.TRACKING_NAME, access_position)


HISTORY_COLUMNS = (
    "position",
    "namespace",
    "stream",
    "tag",
    "change",
    "current",
    "previous",
    "actor",
    "cause",
    "time",
    "move_cause",
)
_INSERT_HISTORY = (
    f"INSERT INTO is_tag_history ({', '.join(HISTORY_COLUMNS)}) VALUES ({', '.join(['%s'] * len(HISTORY_COLUMNS))})"
)


def _write_event_rows(sql: Sql, position: int, event: Any) -> None:
    """The rows of `history_rows`, and the status history rows the event changed."""
    if isinstance(event, ImageStream.Event):
        _write_status_items(sql, position, event)
    for row in history_rows(position, event):
        sql.execute(_INSERT_HISTORY, row)


def history_rows(position: int, event: Any) -> list[tuple[Any, ...]]:
    """The `is_tag_history` rows of an event (HISTORY_COLUMNS): one per tag it moved or removed (a deleted
    stream removes all of its tags)."""
    move_cause = ""
    if isinstance(event, ImageStream.TagStatusChanged):
        rows = [(event.tag, event.change, json.dumps(event.current), _json_or_none(event.previous))]
        move_cause = move_cause_of(event).value
    elif isinstance(event, ImageStream.TagMoveSkipped):
        # Where a pin kept the tag from going: `current` is where it would have gone.
        rows = [(event.tag, "skipped", json.dumps(event.current), _json_or_none(event.previous))]
        move_cause = event.move_cause
    elif isinstance(event, ImageStream.TagDeleted):
        rows = [(event.tag, "deleted", None, None)]
    elif isinstance(event, ImageStream.Deleted):
        rows = [(tag, "deleted", None, None) for tag in event.tags]
    else:
        return []
    namespace, name = stream_of(event.originator_id)
    time = event.timestamp.isoformat()
    return [
        (position, namespace, name, tag, change, current, previous, event.actor, event.cause, time, move_cause)
        for tag, change, current, previous in rows
    ]


STATUS_ITEM_COLUMNS = ("namespace", "stream", "tag", "seq", "entry")
_STATUS_ITEMS_KEY = "namespace = %s AND stream = %s AND tag = %s"


def _write_status_items(sql: Sql, position: int, event: Any) -> None:
    """Keeps `is_tag_status_items` what the events' `apply` makes of a tag's `status.items`: the same steps,
    on rows instead of a list (tests/integration/test_rebuild.py and the read tests compare the two)."""
    key = stream_of(event.originator_id)
    if isinstance(event, ImageStream.Created | ImageStream.Recreated | ImageStream.Deleted):
        sql.execute("DELETE FROM is_tag_status_items WHERE namespace = %s AND stream = %s", key)
    elif isinstance(event, ImageStream.TagDeleted):
        sql.execute(f"DELETE FROM is_tag_status_items WHERE {_STATUS_ITEMS_KEY}", (*key, event.tag))
    elif isinstance(event, ImageStream.TagStatusChanged):
        if event.change != HistoryChange.MOVED.value:
            # In place: the newest entry is replaced (by one that sorts newest again).
            sql.execute(
                f"DELETE FROM is_tag_status_items WHERE {_STATUS_ITEMS_KEY} AND seq ="
                f" (SELECT MAX(seq) FROM is_tag_status_items WHERE {_STATUS_ITEMS_KEY})",
                (*key, event.tag, *key, event.tag),
            )
        sql.execute(
            "INSERT INTO is_tag_status_items (namespace, stream, tag, seq, entry) VALUES (%s, %s, %s, %s, %s)",
            (*key, event.tag, position, entry_text(event.current)),
        )
    elif isinstance(event, ImageStream.TagHistoryPruned) and event.removed:
        # `apply` removes every entry equal to a removed one; entries are kept in one canonical text, so equal
        # entries have equal texts.
        removed = sorted({entry_text(item) for item in event.removed})
        sql.execute(
            f"DELETE FROM is_tag_status_items WHERE {_STATUS_ITEMS_KEY}"
            f" AND entry IN ({', '.join(['%s'] * len(removed))})",
            (*key, event.tag, *removed),
        )


def entry_text(entry: dict[str, Any]) -> str:
    """A history entry's one text: what `TagEvent` makes of it, so two equal entries are stored alike."""
    return json.dumps(TagEvent.from_dict(entry).to_dict())


STREAM_COLUMNS = ("namespace", "name", "position", "doc")
TAG_COLUMNS = ("namespace", "stream", "tag", "position", "spec", "conditions")
IMAGE_COLUMNS = ("digest", "position", "doc")


def _write_state(sql: Sql, aggregate: Any, position: int, changes: TagChanges) -> None:
    """Writes an aggregate's row; for a stream also the rows of the tags `changes` names (all of its tags
    when an event rewrote every tag), so a save costs what it changed, not the size of the stream's whole
    history."""
    if isinstance(aggregate, ImageStream):
        state = aggregate.state
        key = (state.namespace, state.name)
        every = changes.every
        if every is not None:
            sql.execute("DELETE FROM is_tags WHERE namespace = %s AND stream = %s", key)
        if aggregate.deleted:
            sql.execute("DELETE FROM is_streams WHERE namespace = %s AND name = %s", key)
            return
        sql.execute(
            "INSERT INTO is_streams (namespace, name, position, doc) VALUES (%s, %s, %s, %s)"
            " ON CONFLICT (namespace, name) DO UPDATE SET position = excluded.position, doc = excluded.doc",
            stream_row(aggregate, position),
        )
        for tag in state.tag_names() if every is not None else sorted(changes.named):
            row = tag_row(state, tag, changes.named.get(tag, every))
            if row is None:
                sql.execute("DELETE FROM is_tags WHERE namespace = %s AND stream = %s AND tag = %s", (*key, tag))
                continue
            sql.execute(
                "INSERT INTO is_tags (namespace, stream, tag, position, spec, conditions)"
                " VALUES (%s, %s, %s, %s, %s, %s)"
                " ON CONFLICT (namespace, stream, tag) DO UPDATE SET position = excluded.position,"
                " spec = excluded.spec, conditions = excluded.conditions",
                row,
            )
    elif isinstance(aggregate, Image):
        if aggregate.deleted:
            sql.execute("DELETE FROM is_images WHERE digest = %s", (aggregate.digest,))
            return
        sql.execute(
            "INSERT INTO is_images (digest, position, doc) VALUES (%s, %s, %s)"
            " ON CONFLICT (digest) DO UPDATE SET position = excluded.position, doc = excluded.doc",
            image_row(aggregate, position),
        )
    elif isinstance(aggregate, Secret):
        secret_rows.write(sql, aggregate, position)
    else:
        access_rows.write(sql, aggregate, position)


def stream_row(stream: ImageStream, position: int) -> tuple[Any, ...]:
    """A live stream's `is_streams` row (STREAM_COLUMNS): the stream without its tags."""
    state = stream.state
    return (state.namespace, state.name, position, json.dumps(state.header_dict(), sort_keys=True))


def tag_row(state: StreamState, tag: str, position: int | None) -> tuple[Any, ...] | None:
    """A tag's `is_tags` row (TAG_COLUMNS), None when the stream has no such tag. The status's entries have
    rows of their own (`_write_status_items`); this row says whether the tag has a status at all, and holds
    its conditions."""
    spec, status = state.spec_tags.get(tag), state.status_tags.get(tag)
    if spec is None and status is None:
        return None
    return (
        state.namespace,
        state.name,
        tag,
        position,
        _json_or_none(spec.to_dict() if spec else None),
        _json_or_none([c.to_dict() for c in status.conditions] if status else None),
    )


def image_row(image: Image, position: int) -> tuple[Any, ...]:
    """A live image's `is_images` row (IMAGE_COLUMNS)."""
    return (image.digest, position, json.dumps(image_doc(image), sort_keys=True))


def image_doc(image: Image) -> dict[str, Any]:
    return {
        "digest": image.digest,
        "docker_image_reference": image.docker_image_reference,
        "created": image.created.isoformat(),
        "metadata": image.metadata,
    }


def _json_or_none(value: Any) -> str | None:
    return None if value is None else json.dumps(value)


def stream_of(aggregate_id: str) -> tuple[str, str]:
    namespace, name = aggregate_id.removeprefix("imagestream:").split("/", 1)
    return namespace, name


# -- reading ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredStream:
    state: StreamState
    position: int


@dataclass(frozen=True)
class StoredImage:
    digest: str
    docker_image_reference: str
    created: datetime
    metadata: dict[str, Any]
    position: int


@dataclass(frozen=True)
class TagMove:
    position: int
    namespace: str
    stream: str
    tag: str
    change: str
    current: TagEvent | None
    previous: TagEvent | None
    actor: str
    cause: str
    time: datetime
    # Why the tag moved (a MoveCause value); empty for a deletion.
    move_cause: str = ""


def tracked_position(sql: Sql) -> int:
    return tracking.position(sql, TRACKING_NAME)


def get_stream(sql: Sql, namespace: str, name: str, tag: str | None = None) -> StoredStream | None:
    """A stream with all of its tags, or with only `tag` when one is named (enough for one tag's view)."""
    found = _streams(sql, _ONE_STREAM, (namespace, name), tag)
    return found[0][0] if found else None


def get_stream_and_image(
    sql: Sql, namespace: str, name: str, tag: str
) -> tuple[StoredStream | None, StoredImage | None]:
    """A stream with only `tag`, and the image the tag is at (None when it has none, or the image is not
    recorded): one tag's view. On PostgreSQL one statement reads it all."""
    if sql.is_sqlite:
        stored = get_stream(sql, namespace, name, tag)
        current = stored.state.current(tag) if stored else None
        return stored, get_image(sql, current.image) if current and current.image else None
    found = _streams(sql, _ONE_STREAM, (namespace, name), tag, with_image=True)
    return found[0] if found else (None, None)


def stream_position(sql: Sql, namespace: str, name: str) -> int:
    """The log position of a stream's last change (0 when it does not exist)."""
    row = sql.execute(
        "SELECT position FROM is_streams WHERE namespace = %s AND name = %s", (namespace, name)
    ).fetchone()
    return int(row["position"]) if row else 0


def list_streams(
    sql: Sql,
    namespace: str,
    after: tuple[str, str] | None,
    limit: int,
    within: Collection[str] | None = None,
    *,
    newest_only: bool = False,
) -> list[StoredStream]:
    """Streams ordered by (namespace, name), starting after the given key; all namespaces (or all of
    `within`) when empty. `newest_only`: each tag's status holds only its newest entry (its `current`), not its
    history, for work that looks at every stream but only at where its tags are; never for an answer."""
    where, params = keyset_where(namespace, after, within)
    page = f"SELECT namespace, name, doc, position FROM is_streams{where} ORDER BY namespace, name LIMIT %s"
    return [stored for stored, _ in _streams(sql, page, (*params, limit), None, newest_only=newest_only)]


def stream_headers(sql: Sql) -> list[StreamState]:
    """Every stream's own fields (its name, repository, annotations...) without its tags, ordered by
    (namespace, name): for work that looks at every stream but not at its tags."""
    rows = sql.execute("SELECT doc FROM is_streams ORDER BY namespace, name").fetchall()
    return [StreamState.from_dict(json.loads(row["doc"])) for row in rows]


def list_images(sql: Sql) -> list[StoredImage]:
    """Every image (pruning weighs them all)."""
    return [_image(row) for row in sql.execute("SELECT doc, position FROM is_images ORDER BY digest").fetchall()]


def get_image(sql: Sql, digest: str) -> StoredImage | None:
    row = sql.execute("SELECT doc, position FROM is_images WHERE digest = %s", (digest,)).fetchone()
    return _image(row) if row else None


def _image(row: Any) -> StoredImage:
    doc = json.loads(row["doc"])
    return StoredImage(
        digest=doc["digest"],
        docker_image_reference=doc["docker_image_reference"],
        created=datetime.fromisoformat(doc["created"]),
        metadata=doc["metadata"],
        position=int(row["position"]),
    )


def tag_moves(
    sql: Sql,
    namespace: str,
    stream: str,
    tag: str,
    after: tuple[int, str] | None,
    limit: int,
    *,
    newest_first: bool = False,
    actors: Collection[str] = (),
    move_causes: Collection[str] = (),
) -> list[TagMove]:
    """Moves in log order (then by tag, for a stream deletion that removed several), or the reverse, after a
    page key; only those by one of `actors` and for one of `move_causes` when they are given."""
    params: list[Any] = [namespace, stream]
    clauses = ""
    if after is not None:
        beyond = "<" if newest_first else ">"
        clauses += f" AND (position {beyond} %s OR (position = %s AND tag {beyond} %s))"
        params.extend([after[0], after[0], after[1]])
    if tag:
        clauses += " AND tag = %s"
        params.append(tag)
    for column, wanted in (("actor", actors), ("move_cause", move_causes)):
        if wanted:
            clauses += f" AND {column} IN ({', '.join(['%s'] * len(wanted))})"
            params.extend(wanted)
    order = "position DESC, tag DESC" if newest_first else "position, tag"
    rows = sql.execute(
        f"SELECT * FROM is_tag_history WHERE namespace = %s AND stream = %s{clauses} ORDER BY {order} LIMIT %s",
        (*params, limit),
    ).fetchall()
    return [
        TagMove(
            position=int(r["position"]),
            namespace=r["namespace"],
            stream=r["stream"],
            tag=r["tag"],
            change=r["change"],
            current=TagEvent.from_dict(json.loads(r["current"])) if r["current"] else None,
            previous=TagEvent.from_dict(json.loads(r["previous"])) if r["previous"] else None,
            actor=r["actor"],
            cause=r["cause"],
            time=datetime.fromisoformat(r["time"]),
            move_cause=r["move_cause"],
        )
        for r in rows
    ]


_ONE_STREAM = "SELECT namespace, name, doc, position FROM is_streams WHERE namespace = %s AND name = %s"
# A tag's status entries, newest first, as one text: the entries' JSON texts joined by commas (PostgreSQL).
_JOINED_ENTRIES = (
    "(SELECT string_agg(i.entry, ',' ORDER BY i.seq DESC) FROM is_tag_status_items i"
    " WHERE i.namespace = t.namespace AND i.stream = t.stream AND i.tag = t.tag)"
)
# A tag's newest status entry alone (PostgreSQL).
_NEWEST_ENTRY = (
    "(SELECT i.entry FROM is_tag_status_items i"
    " WHERE i.namespace = t.namespace AND i.stream = t.stream AND i.tag = t.tag ORDER BY i.seq DESC LIMIT 1)"
)
# The image a tag is at: the one its newest status entry names (PostgreSQL).
_TAG_IMAGE = (
    " LEFT JOIN LATERAL (SELECT doc, position FROM is_images WHERE digest ="
    " (SELECT i.entry::json ->> 'image' FROM is_tag_status_items i"
    " WHERE i.namespace = t.namespace AND i.stream = t.stream AND i.tag = t.tag ORDER BY i.seq DESC LIMIT 1)) img"
    " ON true"
)


def _streams(
    sql: Sql,
    streams: str,
    params: Sequence[Any],
    tag: str | None,
    *,
    with_image: bool = False,
    newest_only: bool = False,
) -> list[tuple[StoredStream, StoredImage | None]]:
    """The streams that `streams` selects (namespace, name, doc and position of is_streams rows, in the order
    wanted), each with its tags (only `tag` when given) and their status entries, and the image `tag` is at
    when `with_image` (PostgreSQL only; None otherwise, or when the tag has no recorded image); with
    `newest_only`, only each tag's newest entry.

    A fixed number of statements, however many streams: on PostgreSQL one, which joins each tag's entries into
    one text; on SQLite (no round trips to save, and no ordered text aggregate before 3.44) a second one reads
    the entries, a row each. Either way a tag's entries are decoded with one `json.loads`."""
    tag_filter, tag_params = (" AND g.tag = %s", (tag,)) if tag is not None else ("", ())
    entries = "NULL" if sql.is_sqlite else _NEWEST_ENTRY if newest_only else _JOINED_ENTRIES
    image_columns, image_join = (
        (", img.doc AS image_doc, img.position AS image_position", _TAG_IMAGE) if with_image else ("", "")
    )
    # The rows are put in order first and the entries read for them after: ordered with their entries, a page's
    # rows (megabytes) would be sorted on disk. `OFFSET 0` keeps PostgreSQL from merging the ordered subquery
    # into the outer one; ordered by the same keys, the outer query needs no sort of its own.
    fence = "" if sql.is_sqlite else " OFFSET 0"
    rows = sql.execute(
        f"SELECT t.namespace, t.stream, t.doc, t.position, t.tag, t.spec, t.conditions, {entries} AS entries"
        f"{image_columns} FROM (SELECT s.namespace, s.name AS stream, s.doc, s.position, g.tag, g.spec, g.conditions"
        f" FROM ({streams}) s LEFT JOIN is_tags g ON g.namespace = s.namespace AND g.stream = s.name{tag_filter}"
        f" ORDER BY s.namespace, s.name, g.tag{fence}) t{image_join}"
        " ORDER BY t.namespace, t.stream, t.tag",
        (*params, *tag_params),
    ).fetchall()
    texts: dict[tuple[str, str, str], list[str]] = {}
    if sql.is_sqlite and rows:
        items = sql.execute(
            "SELECT g.namespace, g.stream, g.tag, g.entry FROM is_tag_status_items g"
            f" WHERE (g.namespace, g.stream) IN (SELECT namespace, name FROM ({streams})){tag_filter}"
            " ORDER BY g.namespace, g.stream, g.tag, g.seq DESC",
            (*params, *tag_params),
        ).fetchall()
        for item in items:
            texts.setdefault((item["namespace"], item["stream"], item["tag"]), []).append(item["entry"])
    result: list[tuple[StoredStream, StoredImage | None]] = []
    key: tuple[str, str] | None = None
    state: StreamState | None = None
    for row in rows:
        if (row["namespace"], row["stream"]) != key:
            key = (row["namespace"], row["stream"])
            state = StreamState.from_dict(json.loads(row["doc"]))
            image = None
            if with_image and row["image_doc"] is not None:
                image = _image({"doc": row["image_doc"], "position": row["image_position"]})
            result.append((StoredStream(state, int(row["position"])), image))
        name = row["tag"]
        if name is None:
            continue  # a stream without tags
        assert state is not None
        if row["spec"]:
            state.spec_tags[name] = TagSpec.from_dict(json.loads(row["spec"]))
        if row["conditions"] is None:
            continue  # no status: its entries, if any were left, are not part of the stream
        conditions = [TagCondition.from_dict(c) for c in json.loads(row["conditions"])]
        status = TagStatus(conditions=conditions)
        state.status_tags[name] = status
        if sql.is_sqlite:
            found = texts.get((*key, name), [])
            joined = ",".join(found[:1] if newest_only else found)
        else:
            joined = row["entries"]
        if joined:
            status.items.extend(TagEvent.from_dict(entry) for entry in json.loads(f"[{joined}]"))
    return result
