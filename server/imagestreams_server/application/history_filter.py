"""Which moves of a tag's history a reader asks for, and in which order."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain import limits
from ..domain.errors import InvalidField
from ..domain.history import MoveCause

# Filters are a handful of names: more than this is not a question anyone asks.
MAX_FILTER_VALUES = 50


@dataclass(frozen=True)
class HistoryFilter:
    newest_first: bool = False
    # Empty: every actor, every cause.
    actors: tuple[str, ...] = ()
    move_causes: tuple[str, ...] = ()

    def validate(self) -> None:
        for field, values in (("actors", self.actors), ("move_causes", self.move_causes)):
            limits.check_count(field, len(values), MAX_FILTER_VALUES, "values")
        known = [cause.value for cause in MoveCause]
        for i, cause in enumerate(self.move_causes):
            if cause not in known:
                raise InvalidField(f"move_causes[{i}]", f'unknown cause "{cause}"; use one of {", ".join(known)}')
