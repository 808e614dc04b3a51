"""The builder catalog's rules: which tags are builders, what describes them, and how `supports` ranks them."""

from __future__ import annotations

from imagestreams_server.domain.builders import Match, builder_tags, catalog
from imagestreams_server.domain.state import StreamState
from imagestreams_server.domain.tags import TagSpec


def stream(name: str, tags: dict[str, dict[str, str]], annotations: dict[str, str] | None = None) -> StreamState:
    return StreamState(
        namespace="openshift",
        name=name,
        annotations=annotations or {},
        spec_tags={tag: TagSpec(tag, annotations=notes) for tag, notes in tags.items()},
    )


RUBY = stream(
    "ruby",
    {
        "3.3": {
            "tags": "builder,ruby",
            "supports": "ruby:3.3,ruby",
            "version": "3.3",
            "sampleRepo": "https://x/ruby-ex",
        },
        "3.0": {"tags": "builder, ruby, hidden, deprecated", "supports": "ruby:3.0,ruby"},
        "2.7": {"tags": "Builder,Deprecated", "supports": "ruby:2.7,ruby", "openshift.io/display-name": "Ruby 2.7"},
        "runtime": {"tags": "ruby", "supports": "ruby"},
    },
    {
        "openshift.io/display-name": "Ruby",
        "openshift.io/provider-display-name": "Red Hat, Inc.",
        "iconClass": "icon-ruby",
    },
)
PYTHON = stream("python", {"3.12": {"tags": "builder,python", "supports": "python:3.12,python"}})


def test_a_builder_is_a_tag_whose_tags_annotation_holds_builder() -> None:
    assert [b.tag for b in builder_tags(RUBY)] == ["2.7", "3.0", "3.3"]


def test_descriptions_fall_back_from_the_tag_to_the_stream() -> None:
    by_tag = {b.tag: b for b in builder_tags(RUBY)}
    assert by_tag["2.7"].display_name == "Ruby 2.7"
    assert by_tag["3.3"].display_name == "Ruby"
    assert by_tag["3.3"].icon_class == "icon-ruby"
    assert by_tag["3.3"].provider_display_name == "Red Hat, Inc."
    assert by_tag["3.3"].supports == ("ruby:3.3", "ruby")
    assert by_tag["3.3"].sample_repo == "https://x/ruby-ex"
    assert by_tag["3.3"].image == ""


def test_hidden_tags_are_left_out_unless_asked_for_and_deprecated_ones_are_marked() -> None:
    shown = {b.tag: b for b, _ in catalog([RUBY])}
    assert set(shown) == {"2.7", "3.3"}
    assert shown["2.7"].deprecated and not shown["3.3"].deprecated
    everything = {b.tag for b, _ in catalog([RUBY], include_hidden=True)}
    assert everything == {"2.7", "3.0", "3.3"}


def test_supports_ranks_exact_entries_before_language_matches() -> None:
    found = catalog([PYTHON, RUBY], supports="ruby:2.7")
    assert [(b.tag, m) for b, m in found] == [("2.7", Match.EXACT), ("3.3", Match.PARTIAL)]
    assert [b.stream for b, _ in catalog([PYTHON, RUBY], supports="python")] == ["python"]
    assert catalog([PYTHON, RUBY], supports="perl") == []
    assert [b.stream for b, _ in catalog([RUBY, PYTHON])] == ["python", "ruby", "ruby"]
