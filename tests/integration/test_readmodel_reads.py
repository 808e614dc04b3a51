"""Reads of the read models (store/readmodel.py) on both databases: a page of streams, one stream, one tag with
its image, every stream with only each tag's newest entry, and every stream's own fields agree with the
aggregates they come from."""

from __future__ import annotations

from imagestreams_server.application.commands import Destination, MappingInput, StreamInput, TagInput
from imagestreams_server.application.service import Service
from imagestreams_server.domain.imagestream import stream_id
from imagestreams_server.domain.tags import Source, SourceKind
from imagestreams_server.store import readmodel
from imagestreams_server.store.app import EventLog

from tests.support.builders import REGISTRY, digest, pinned


def fill(service: Service) -> None:
    """`team/a` with three tags of several entries, `team/b` with none, `team/c` with one."""
    commands = service.commands
    for name in ("a", "b", "c"):
        commands.create_stream(StreamInput("team", name))
    for tag, moves in (("t1", 3), ("t2", 1), ("t3", 4)):
        source = Source(SourceKind.DOCKER_IMAGE, pinned("a0"))
        commands.tag(TagInput("team", source, [Destination("team", "a", tag)]))
        for move in range(1, moves):
            seed = f"a{move}{len(tag)}"
            commands.create_mapping(MappingInput("team", "a", tag, digest(seed), f"{REGISTRY}/team/a@{digest(seed)}"))
    commands.tag(TagInput("team", Source(SourceKind.DOCKER_IMAGE, pinned("c0")), [Destination("team", "c", "x")]))


def aggregate_state(log: EventLog, name: str):  # type: ignore[no-untyped-def]
    return log.repository.get(stream_id("team", name)).state


def test_reads_agree_with_the_aggregates(store_config) -> None:  # type: ignore[no-untyped-def]
    log = EventLog(store_config)
    try:
        fill(Service(log))
        expected = {name: aggregate_state(log, name) for name in ("a", "b", "c")}
        with log.read() as sql:
            page = readmodel.list_streams(sql, "team", None, 10)
            second = readmodel.list_streams(sql, "team", ("team", "a"), 1)
            one = readmodel.get_stream(sql, "team", "a")
            tag, image = readmodel.get_stream_and_image(sql, "team", "a", "t3")
            missing = readmodel.get_stream_and_image(sql, "team", "a", "nope")
            newest = readmodel.list_streams(sql, "", None, 1 << 31, newest_only=True)
            headers = readmodel.stream_headers(sql)
        assert [s.state.name for s in page] == ["a", "b", "c"]
        assert [s.state.name for s in second] == ["b"]
        for stored in page:
            want = expected[stored.state.name]
            assert stored.state.status_tags == want.status_tags
            assert stored.state.spec_tags == want.spec_tags
        assert one is not None and one.state.status_tags == expected["a"].status_tags
        assert [len(s.items) for _, s in sorted(one.state.status_tags.items())] == [3, 1, 4]

        assert tag is not None and list(tag.state.status_tags) == ["t3"]
        assert tag.state.status_tags["t3"] == expected["a"].status_tags["t3"]
        current = expected["a"].current("t3")
        assert image is not None and image.digest == current.image
        with log.read() as sql:
            assert image == readmodel.get_image(sql, current.image)
        assert missing[0] is not None and missing[0].state.status_tags == {} and missing[1] is None

        assert [h.name for h in headers] == ["a", "b", "c"]
        for header in headers:
            want = expected[header.name]
            assert (header.uid, header.created, header.annotations) == (want.uid, want.created, want.annotations)
            assert header.spec_tags == {} and header.status_tags == {}

        assert [s.state.name for s in newest] == ["a", "b", "c"]
        for stored in newest:
            want = expected[stored.state.name]
            assert stored.state.spec_tags == want.spec_tags
            for name, status in want.status_tags.items():
                assert stored.state.status_tags[name].items == status.items[:1]
                assert stored.state.status_tags[name].conditions == status.conditions
    finally:
        log.close()


def test_a_stream_that_does_not_exist(store_config) -> None:  # type: ignore[no-untyped-def]
    log = EventLog(store_config)
    try:
        with log.read() as sql:
            assert readmodel.get_stream(sql, "team", "none") is None
            assert readmodel.get_stream_and_image(sql, "team", "none", "t") == (None, None)
            assert readmodel.list_streams(sql, "team", None, 10) == []
    finally:
        log.close()
