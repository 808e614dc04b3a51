"""The event store hands out deep copies of cached aggregates. Immutable values (history entries, spec tags) are
shared between copies, so a command run on a copy must never change the original."""

from __future__ import annotations

import copy
from dataclasses import replace

from imagestreams_server.domain.imagestream import ImageStream

from .builders import ACTOR, D1, D2, D3, LATER, alias, docker, head, new_stream, push, set_tag


def story() -> ImageStream:
    stream = new_stream()
    set_tag(stream, replace(docker(f"quay.io/team/app@{D1}", "2.7"), annotations={"k": "v"}))
    set_tag(stream, alias("latest", "2.7"))
    push(stream, "pushed", D2)
    stream.collect_events()
    return stream


def test_commands_on_a_copy_leave_the_original_alone() -> None:
    original = story()
    before = copy.deepcopy(original.state.to_dict())
    version = original.version
    clone = copy.deepcopy(original)
    push(clone, "2.7", D3, now=LATER)  # moves 2.7 and its alias
    push(clone, "pushed", D2, f"quay.io/elsewhere@{D2}", now=LATER)  # updates in place
    set_tag(clone, replace(docker(f"quay.io/team/app@{D1}", "2.7"), annotations={"k": "changed"}))
    clone.state.status_tags["pushed"].conditions.clear()
    clone.delete_tag("latest", now=LATER, actor=ACTOR)
    clone.update_spec(annotations={"x": "y"}, docker_image_repository="", lookup_local=True, now=LATER, actor=ACTOR)
    assert original.state.to_dict() == before
    assert original.version == version
    assert head(original, "latest").image == D1
    assert original.spec_tags["2.7"].annotations == {"k": "v"}
    assert head(clone, "2.7").image == D3


def test_a_copy_shares_immutable_entries_but_not_containers() -> None:
    original = story()
    clone = copy.deepcopy(original)
    assert clone.state == original.state
    assert clone.state.status_tags["pushed"] is not original.state.status_tags["pushed"]
    assert clone.state.status_tags["pushed"].items is not original.state.status_tags["pushed"].items
    assert clone.state.spec_tags is not original.state.spec_tags
