"""A tag's history as a product: every move with its actor and cause, either order, filtered; on both stores."""

from __future__ import annotations

import grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import resources_pb2 as pb
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams_server.store import readmodel
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.config import StoreConfig

from tests.support.builders import digest, docker, failure, istag, pinned, push, tag
from tests.support.server import TestServer
from tests.support.watch import Watcher


def moves(stub, stream: str, tag_name: str = "", **request):  # type: ignore[no-untyped-def]
    response = stub.ListTagHistory(api.ListTagHistoryRequest(namespace="team", stream=stream, tag=tag_name, **request))
    return list(response.entries)


def causes(entries) -> list[tuple[str, str, str]]:  # type: ignore[no-untyped-def]
    return [(e.tag, e.change, e.move_cause) for e in entries]


def test_every_move_says_why(stub) -> None:
    push(stub, "ruby", "2.0", "a")
    tag(stub, istag("ruby:2.0"), "ruby:latest", alias=True)
    tag(stub, docker(pinned("b", "team/ruby")), "ruby:prod")
    tag(stub, docker(pinned("c", "team/ruby")), "ruby:prod", from_manifest=True)
    push(stub, "ruby", "2.0", "d")
    stub.CreateImageStream(
        api.CreateImageStreamRequest(
            image_stream=pb.ImageStream(
                namespace="team",
                name="node",
                spec_tags=[pb.TagReference(name="1", **{"from": docker(pinned("e", "team/node"))})],
            )
        )
    )
    assert causes(moves(stub, "ruby")) == [
        ("2.0", "moved", "push"),
        # Set up to track 2.0: pointed by the tag command; it follows 2.0 from then on.
        ("latest", "moved", "tag"),
        ("prod", "moved", "tag"),
        ("prod", "moved", "apply"),
        ("2.0", "moved", "push"),
        ("latest", "moved", "alias"),
    ]
    assert causes(moves(stub, "node")) == [("1", "moved", "apply")]
    # Beside the actor and the request that made it.
    entry = moves(stub, "ruby", "prod")[0]
    assert entry.actor and entry.cause.startswith("Tag")


def test_newest_first_and_filters_page_through_the_same_moves(stub) -> None:
    for seed in range(5):
        push(stub, "app", "1", seed)
    tag(stub, istag("app:1"), "app:stable", alias=True)
    push(stub, "app", "1", 5)
    tag(stub, docker(pinned("f")), "app:stable")
    oldest = moves(stub, "app")
    newest = moves(stub, "app", newest_first=True)
    assert [e.position for e in newest] == [e.position for e in reversed(oldest)]
    for newest_first in (False, True):
        paged, token = [], ""
        while True:
            page = stub.ListTagHistory(
                api.ListTagHistoryRequest(
                    namespace="team", stream="app", page_size=2, page_token=token, newest_first=newest_first
                )
            )
            paged.extend(page.entries)
            token = page.next_page_token
            if not token:
                break
            other = failure(
                lambda t=token, n=newest_first: moves(stub, "app", page_token=t, newest_first=not n, page_size=2)
            )
            assert other.code == grpc.StatusCode.INVALID_ARGUMENT and "page_token" in other.fields
        assert paged == (newest if newest_first else oldest)
    assert causes(moves(stub, "app", move_causes=["alias", "tag"])) == [
        ("stable", "moved", "tag"),
        ("stable", "moved", "alias"),
        ("stable", "moved", "tag"),
    ]
    assert [e.event.image for e in moves(stub, "app", "1", move_causes=["push"], newest_first=True)][:2] == [
        digest(5),
        digest(4),
    ]
    actor = oldest[0].actor
    assert len(moves(stub, "app", actors=[actor])) == len(oldest)
    assert moves(stub, "app", actors=["somebody-else"]) == []
    unknown = failure(lambda: moves(stub, "app", move_causes=["push", "magic"]))
    assert unknown.code == grpc.StatusCode.INVALID_ARGUMENT and "move_causes[1]" in unknown.fields


def test_watch_says_why_a_tag_moved(server: TestServer) -> None:
    watcher = Watcher(server.channel, namespace="team", stream="web", kinds=[watch_api.CHANGE_KIND_TAG_UPDATED])
    push(server.stub, "web", "1", "a")
    tag(server.stub, istag("web:1"), "web:live", alias=True)
    tag(server.stub, docker(pinned("b", "team/web")), "web:2")
    seen = watcher.changes(3)
    push(server.stub, "web", "1", "c")
    seen += watcher.changes(2)
    assert [(c.tag, c.move_cause) for c in seen] == [
        ("1", "push"),
        ("live", "tag"),
        ("2", "tag"),
        ("1", "push"),
        ("live", "alias"),
    ]
    watcher.call.cancel()


def test_tables_of_the_older_shape_are_rebuilt_with_causes(server: TestServer, store_config: StoreConfig) -> None:
    push(server.stub, "old", "1", "a")
    before = moves(server.stub, "old")
    log = EventLog(store_config)
    try:
        with log.write() as sql:
            # What an older server left: the history table without its cause column, no schema version.
            sql.execute("DROP TABLE is_tag_history")
            sql.execute(readmodel.SCHEMA[3].replace("        move_cause TEXT NOT NULL,\n", ""))
            sql.execute("DELETE FROM is_tracking WHERE name = %s", (readmodel.SCHEMA_TRACKING_NAME,))
        assert log.ensure_read_models() > 0
        with log.read() as sql:
            rebuilt = readmodel.tag_moves(sql, "team", "old", "", None, 10)
    finally:
        log.close()
    assert [(m.position, m.move_cause) for m in rebuilt] == [(e.position, "push") for e in before]
