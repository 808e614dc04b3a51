"""One address, one server: a second server on a busy address fails at start instead of sharing the port."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.server import running_server, sqlite_store


def test_a_second_server_on_a_busy_address_fails_at_start(tmp_path: Path) -> None:
    with running_server(sqlite_store(tmp_path / "one")) as first, pytest.raises(OSError) as refused:
        second = running_server(sqlite_store(tmp_path / "two"), listen=first.address)
        second.__enter__()
    assert f"cannot listen on {first.address}: the address is in use" in str(refused.value)
    # Nothing was opened for the refused server: its store was never created.
    assert not (tmp_path / "two").exists()
