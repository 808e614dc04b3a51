"""A write is one transaction: if its read models cannot be written, its events are not kept either."""

from __future__ import annotations

import pytest
from imagestreams_server.application.commands import Destination, TagInput
from imagestreams_server.application.service import Service
from imagestreams_server.domain.tags import Source, SourceKind
from imagestreams_server.store import readmodel
from imagestreams_server.store.app import EventLog

from tests.support.builders import pinned


def tag_input(tag: str) -> TagInput:
    return TagInput(
        namespace="team",
        source=Source(SourceKind.DOCKER_IMAGE, pinned("a")),
        destinations=[Destination("team", "ruby", tag)],
    )


def test_a_failing_projection_rolls_back_the_append(store_config, monkeypatch: pytest.MonkeyPatch) -> None:
    log = EventLog(store_config)
    try:
        service = Service(log)
        position = service.commands.tag(tag_input("1")).position
        real_write_state = readmodel._write_state

        def failing_write_state(*args: object) -> None:
            raise RuntimeError("read model unavailable")

        monkeypatch.setattr(readmodel, "_write_state", failing_write_state)
        with pytest.raises(RuntimeError, match="read model unavailable"):
            service.commands.tag(tag_input("2"))
        monkeypatch.setattr(readmodel, "_write_state", real_write_state)

        assert log.max_position() == position
        assert [e for _, e in log.replay() if getattr(e, "tag", None) == "2"] == []
        with log.read() as sql:
            assert readmodel.tracked_position(sql) == position
            stored = readmodel.get_stream(sql, "team", "ruby")
        assert stored is not None and sorted(stored.state.spec_tags) == ["1"]
        # The store is still usable afterwards.
        assert service.commands.tag(tag_input("2")).position > position
    finally:
        log.close()
