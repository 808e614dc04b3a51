"""The builder catalog: which tags of a stream are S2I builder images, read from OpenShift's catalog annotations.

A spec tag is a builder when its `tags` annotation (a comma list) holds `builder`; `hidden` keeps it out of the
catalog (OpenShift's new-app does not offer it) and `deprecated` marks it. The other annotations describe it:
`openshift.io/display-name` (the tag's, else the stream's), `description`, `iconClass`, `sampleRepo`,
`version`, `supports` (a comma list such as `ruby:3.3,ruby`) and the stream's
`openshift.io/provider-display-name`. `supports` matching is new-app's: an entry equal to the query matches
exactly, an entry whose name part (before `:`) equals the query's name part matches loosely.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from .state import StreamState

DISPLAY_NAME = "openshift.io/display-name"
PROVIDER_DISPLAY_NAME = "openshift.io/provider-display-name"
BUILDER, HIDDEN, DEPRECATED = "builder", "hidden", "deprecated"


class Match(Enum):
    """How a builder answers a `supports` query; EXACT ranks first, as new-app scores it (0.0 before 0.5)."""

    EXACT = 0
    PARTIAL = 1


@dataclass(frozen=True)
class BuilderTag:
    namespace: str
    stream: str
    tag: str
    display_name: str
    provider_display_name: str
    description: str
    icon_class: str
    sample_repo: str
    version: str
    supports: tuple[str, ...]
    deprecated: bool
    hidden: bool
    # The digest of the tag's current image; empty while it has none.
    image: str

    def match(self, query: str) -> Match | None:
        """How this builder supports `query` (`ruby` or `ruby:3.3`), or None."""
        if not query:
            return Match.EXACT
        wanted = query.strip().lower()
        entries = [entry.lower() for entry in self.supports]
        if wanted in entries:
            return Match.EXACT
        name = wanted.partition(":")[0]
        if any(entry.partition(":")[0] == name for entry in entries):
            return Match.PARTIAL
        return None


def comma_list(value: str) -> tuple[str, ...]:
    return tuple(word.strip() for word in value.split(",") if word.strip())


def builder_tags(state: StreamState) -> list[BuilderTag]:
    """The stream's builder tags, hidden ones included (callers decide), in tag-name order."""
    found = []
    for name in sorted(state.spec_tags):
        annotations = state.spec_tags[name].annotations
        kinds = {word.lower() for word in comma_list(annotations.get("tags", ""))}
        if BUILDER not in kinds:
            continue
        current = state.current(name)
        found.append(
            BuilderTag(
                namespace=state.namespace,
                stream=state.name,
                tag=name,
                display_name=annotations.get(DISPLAY_NAME) or state.annotations.get(DISPLAY_NAME, ""),
                provider_display_name=state.annotations.get(PROVIDER_DISPLAY_NAME, ""),
                description=annotations.get("description") or state.annotations.get("description", ""),
                icon_class=annotations.get("iconClass") or state.annotations.get("iconClass", ""),
                sample_repo=annotations.get("sampleRepo", ""),
                version=annotations.get("version", ""),
                supports=comma_list(annotations.get("supports", "")),
                deprecated=DEPRECATED in kinds,
                hidden=HIDDEN in kinds,
                image=current.image if current else "",
            )
        )
    return found


def catalog(
    states: list[StreamState], *, supports: str = "", include_hidden: bool = False
) -> list[tuple[BuilderTag, Match]]:
    """The builders of `states` that support `supports` (every one when empty), exact matches first, then by
    namespace, stream and tag."""
    matches = []
    for state in states:
        for builder in builder_tags(state):
            if builder.hidden and not include_hidden:
                continue
            match = builder.match(supports)
            if match is not None:
                matches.append((builder, match))
    return sorted(matches, key=lambda m: (m[1].value, m[0].namespace, m[0].stream, m[0].tag))
