"""Figures the fault tests measure (calls made, statuses seen, writes checked), printed at the end of the run
by the `pytest_terminal_summary` hook in conftest.py, for docs/reliability.md."""

from __future__ import annotations

FIGURES: dict[str, str] = {}


def record(name: str, text: str) -> None:
    FIGURES[name] = text
