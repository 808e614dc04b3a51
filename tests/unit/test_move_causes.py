"""Why a tag moved: recorded on every move, and read from the request trail of moves recorded before."""

from __future__ import annotations

from datetime import UTC, datetime

from imagestreams_server.domain.history import MoveCause, legacy_move_cause
from imagestreams_server.domain.imagestream import ImageStream, move_cause_of
from imagestreams_server.domain.names import StreamName
from imagestreams_server.domain.tags import Source, SourceKind, TagSpec

NOW = datetime(2026, 1, 1, tzinfo=UTC)
DIGEST = "sha256:" + "a" * 64


def test_moves_recorded_before_causes_read_their_request_trail() -> None:
    assert legacy_move_cause("Tag request=abc") is MoveCause.TAG
    assert legacy_move_cause("registry push") is MoveCause.PUSH
    assert legacy_move_cause("CreateImageStreamMapping") is MoveCause.PUSH
    assert legacy_move_cause("ImportImage request=1") is MoveCause.IMPORT
    assert legacy_move_cause("CreateImageStream") is MoveCause.APPLY
    # The server's own background imports recorded no trail.
    assert legacy_move_cause("") is MoveCause.IMPORT


def test_an_event_stored_without_a_cause_reads_one() -> None:
    stream = ImageStream.create(StreamName("team", "ruby"), uid="u", now=NOW, actor="alice", cause="Tag")
    spec = TagSpec(name="1", source=Source(SourceKind.DOCKER_IMAGE, f"quay.io/x/ruby@{DIGEST}"))
    stream.set_tag(spec, source_stream=None, now=NOW, actor="alice", cause="Tag request=1")
    moved = next(e for e in stream.collect_events() if isinstance(e, ImageStream.TagStatusChanged))
    assert move_cause_of(moved) is MoveCause.TAG
    stored = moved.__dict__.copy()
    del stored["move_cause"]
    old = object.__new__(ImageStream.TagStatusChanged)
    old.__dict__.update({**stored, "cause": "ImportImage request=2"})
    assert move_cause_of(old) is MoveCause.IMPORT
