"""How long a TAB waits for the server: 2 s, or ISCTL_COMPLETION_TIMEOUT when it is a sensible number."""

from __future__ import annotations

import pytest
from isctl.completion import DEFAULT_SERVER_DEADLINE, TIMEOUT_VARIABLE, server_deadline


@pytest.mark.parametrize(("value", "seconds"), [("10", 10.0), ("0.5", 0.5), ("600", 600.0)])
def test_the_variable_sets_the_deadline(monkeypatch: pytest.MonkeyPatch, value: str, seconds: float) -> None:
    monkeypatch.setenv(TIMEOUT_VARIABLE, value)
    assert server_deadline() == seconds


@pytest.mark.parametrize("value", ["", "soon", "0", "-3", "nan", "inf", "601"])
def test_anything_else_keeps_the_default(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(TIMEOUT_VARIABLE, value)
    assert server_deadline() == DEFAULT_SERVER_DEADLINE == 2.0
