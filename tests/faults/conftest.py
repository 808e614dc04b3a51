"""Fault tests run with the rest of the suite; the `faults` mark selects them alone (`pytest -m faults`)."""

from __future__ import annotations

import pytest

from tests.faults.figures import FIGURES


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "faults: hostile input, crashes and recovery (tests/faults)")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.section("fault figures")
        for name, text in sorted(FIGURES.items()):
            terminalreporter.write_line(f"{name}: {text}")
