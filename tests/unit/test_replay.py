"""Events record decisions and only their `apply` changes state, so replaying an aggregate's events in order
rebuilds exactly the state its commands produced."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from imagestreams_server.domain.errors import DomainError
from imagestreams_server.domain.imagestream import ImageStream
from imagestreams_server.domain.names import StreamName
from imagestreams_server.domain.tags import ReferencePolicy

from .builders import ACTOR, D1, D2, D3, LATER, LATEST, NOW, alias, digest, docker, isimage, push, set_tag


def replay(events: Iterable[Any], aggregate: ImageStream | None = None) -> ImageStream:
    for event in events:
        aggregate = event.mutate(aggregate)
    assert aggregate is not None
    return aggregate


def assert_same(rebuilt: ImageStream, live: ImageStream) -> None:
    assert rebuilt.state == live.state
    assert rebuilt.state.to_dict() == live.state.to_dict()
    assert rebuilt.version == live.version
    assert rebuilt.deleted == live.deleted
    assert rebuilt.id == live.id


def fresh() -> ImageStream:
    return ImageStream.create(
        StreamName("team", "ruby"), uid="uid-1", now=NOW, actor=ACTOR, annotations={"a": "1"}, lookup_local=True
    )


def test_replay_of_a_created_stream() -> None:
    stream = fresh()
    rebuilt = replay(stream.collect_events())
    assert_same(rebuilt, stream)
    assert type(rebuilt) is ImageStream


def test_replay_of_a_whole_story() -> None:
    stream = fresh()
    other = ImageStream.create(StreamName("team", "python"), uid="uid-9", now=NOW, actor=ACTOR)
    push(other, "3.12", D3)
    set_tag(stream, docker(f"quay.io/team/app@{D1}", "2.7"))
    set_tag(stream, alias("latest", "2.7"))
    set_tag(stream, alias("stable", "latest"))
    set_tag(stream, docker("quay.io/team/app:3.0", "3.0"))
    set_tag(stream, replace(docker("quay.io/team/app:4.0", "4.0"), reference=True))
    set_tag(stream, alias("py", "python:3.12"), source=other)
    set_tag(stream, isimage("pinned", "aa1"), now=LATER)
    push(stream, "2.7", D2, now=LATER)
    set_tag(stream, replace(docker(f"quay.io/team/app@{D1}", "2.7"), reference_policy=ReferencePolicy.LOCAL))
    stream.update_spec(
        annotations={"b": "2"}, docker_image_repository="quay.io/team/ruby", lookup_local=False, now=LATER, actor=ACTOR
    )
    stream.delete_tag("3.0", now=LATEST, actor=ACTOR)
    assert_same(replay(stream.collect_events()), stream)
    assert stream.state.current("stable").image == D2


def test_replay_through_delete_and_recreate() -> None:
    stream = fresh()
    set_tag(stream, docker(f"quay.io/team/app@{D1}"))
    stream.delete(now=LATER, actor=ACTOR)
    stream.recreate(uid="uid-2", now=LATEST, actor=ACTOR)
    push(stream, "latest", D2, now=LATEST)
    rebuilt = replay(stream.collect_events())
    assert_same(rebuilt, stream)
    assert (rebuilt.namespace, rebuilt.name, rebuilt.state.uid) == ("team", "ruby", "uid-2")


def test_replay_continues_from_a_rebuilt_aggregate() -> None:
    stream = fresh()
    set_tag(stream, docker(f"quay.io/team/app@{D1}"))
    first = stream.collect_events()
    push(stream, "latest", D2, now=LATER)
    set_tag(stream, alias("stable", "latest"), now=LATER)
    second = stream.collect_events()
    assert_same(replay(second, replay(first)), stream)


# -- property: any sequence of commands ----------------------------------------------------------------------

_tags = st.sampled_from(["a", "b", "c", "latest"])
_images = st.sampled_from([D1, D2, D3, digest("dd4")])
_commands = st.one_of(
    st.tuples(st.just("push"), _tags, _images),
    st.tuples(st.just("pin"), _tags, _images),
    st.tuples(st.just("by-tag"), _tags, st.sampled_from(["1", "2"])),
    st.tuples(st.just("reference"), _tags, st.sampled_from(["1", "2"])),
    st.tuples(st.just("alias"), _tags, _tags),
    st.tuples(st.just("policy"), _tags, st.booleans()),
    st.tuples(st.just("isimage"), _tags, st.sampled_from(["aa", "bb", "sha256:", "ff"])),
    st.tuples(st.just("delete"), _tags, st.none()),
)


def run(stream: ImageStream, command: tuple[str, str, Any], step: int, *, push_to_aliases: bool = True) -> None:
    verb, tag, arg = command
    now = NOW + timedelta(seconds=step)
    current = stream.spec_tags.get(tag)
    if verb == "push" and (push_to_aliases or stream.state.tracked_tag(tag) is None):
        push(stream, tag, arg, now=now)
    elif verb == "pin":
        set_tag(stream, docker(f"quay.io/team/app@{arg}", tag), now=now)
    elif verb == "by-tag":
        set_tag(stream, docker(f"quay.io/team/app:{arg}", tag), now=now)
    elif verb == "reference":
        set_tag(stream, replace(docker(f"quay.io/team/app:{arg}", tag), reference=True), now=now)
    elif verb == "alias":
        set_tag(stream, alias(tag, arg), now=now)
    elif verb == "policy" and current is not None:
        set_tag(stream, replace(current, insecure=arg), now=now)
    elif verb == "isimage":
        set_tag(stream, isimage(tag, arg), now=now)
    elif verb == "delete":
        stream.delete_tag(tag, now=now, actor=ACTOR)


@settings(max_examples=60, deadline=None)
@given(st.lists(_commands, max_size=12))
def test_replaying_the_events_of_any_commands_rebuilds_the_same_state(commands: list[tuple[str, str, Any]]) -> None:
    stream = fresh()
    for step, command in enumerate(commands):
        with contextlib.suppress(DomainError):  # a refused command records nothing; the rest goes on
            run(stream, command, step)
    assert_same(replay(stream.collect_events()), stream)


@settings(max_examples=60, deadline=None)
@given(st.lists(_commands, max_size=12))
def test_aliases_agree_with_their_targets_after_any_commands(commands: list[tuple[str, str, Any]]) -> None:
    stream = fresh()
    for step, command in enumerate(commands):
        # A push straight to an alias overrides it until its target moves again, as upstream.
        with contextlib.suppress(DomainError):
            run(stream, command, step, push_to_aliases=False)
    for tag in stream.spec_tags:
        target = stream.state.tracked_tag(tag)
        if target is None or stream.state.current(target) is None:
            continue
        mine, theirs = stream.state.current(tag), stream.state.current(target)
        assert mine is not None
        assert (mine.docker_image_reference, mine.image) == (theirs.docker_image_reference, theirs.image)
