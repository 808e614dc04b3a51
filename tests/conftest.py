"""Shared fixtures: real servers on loopback over SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import fresh_database, postgres_url, postgres_url_module  # noqa: F401
from tests.support.server import TestServer, postgres_store, running_server, sqlite_store

BACKENDS = ["sqlite", "postgres"]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def store_config(backend: str, tmp_path: Path) -> Iterator:
    """A fresh, empty store of the parametrised kind."""
    if backend == "sqlite":
        yield sqlite_store(tmp_path / "data")
    else:
        with fresh_database() as url:
            yield postgres_store(url)


@pytest.fixture
def server(store_config) -> Iterator[TestServer]:  # type: ignore[no-untyped-def]
    """A running server on a fresh store, once per backend."""
    with running_server(store_config) as running:
        yield running


@pytest.fixture
def stub(server: TestServer):  # type: ignore[no-untyped-def]
    return server.stub
