"""PostgreSQL helpers for the test suite.

scripts/test finds or starts a server and exports its admin URL as IMAGESTREAMS_TEST_DATABASE_URL;
these helpers give every test (or test module) a database of its own on that server, so tests can
run in any order, and in parallel, without seeing each other's events.

Import the fixtures into tests/conftest.py::

    from tests.support.postgres import postgres_url, postgres_url_module  # noqa: F401

(`tests.` resolves because scripts/test runs `python -m pytest` from the repo root, which puts the
root on sys.path; with a bare `pytest` it needs tests/__init__.py or pytest `pythonpath = ["."]`.)
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from urllib.parse import quote, urlencode

import psycopg
import pytest
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

ENV_URL = "IMAGESTREAMS_TEST_DATABASE_URL"
# Same switch as in scripts/test: do not fall back to the server on 127.0.0.1:5432.
ENV_NO_LOCAL_PG = "IMAGESTREAMS_TEST_NO_LOCAL_PG"
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/postgres"

# Keys that have a place of their own in a postgresql:// URL; all others go in the query string.
_URL_PARTS = frozenset({"user", "password", "host", "port", "dbname"})


@cache
def _local_server_answers() -> bool:
    # Cached: admin_url() is called once per fixture use, and a refused or timed-out connect
    # (up to 3 s) per test would add up. The answer doesn't change during a session.
    try:
        with psycopg.connect(DEFAULT_URL, connect_timeout=3) as conn:
            conn.execute("select 1")
    except psycopg.Error:
        return False
    return True


def admin_url() -> str:
    """URL of a role that may CREATE DATABASE: the env var, else the local server on :5432."""
    url = os.environ.get(ENV_URL)
    if url:
        return url
    if os.environ.get(ENV_NO_LOCAL_PG) != "1" and _local_server_answers():
        return DEFAULT_URL
    raise RuntimeError(
        f"no PostgreSQL for the tests: {ENV_URL} is not set and nothing answers at {DEFAULT_URL}. "
        "Run the tests with scripts/test (it finds or starts a server), or set "
        f"{ENV_URL} to a libpq URL of a role that may CREATE DATABASE."
    )


def url_with_dbname(url: str, dbname: str) -> str:
    """The same connection as `url` (a libpq URL or key=value string) but to database `dbname`.

    Returned as a postgresql:// URL because that is what the service's configuration accepts.
    """
    params = conninfo_to_dict(url)
    params["dbname"] = dbname
    # make_conninfo validates the keywords with libpq, so a typo fails here rather than later.
    params = conninfo_to_dict(make_conninfo(**params))
    clean = {k: str(v) for k, v in params.items() if v is not None}

    userinfo = ""
    if "user" in clean:
        userinfo = quote(clean["user"], safe="")
        if "password" in clean:
            userinfo += ":" + quote(clean["password"], safe="")
        userinfo += "@"
    elif "password" in clean:
        userinfo = ":" + quote(clean["password"], safe="") + "@"
    in_query = {k: v for k, v in clean.items() if k not in _URL_PARTS}
    host = port = ""
    if "," in clean.get("host", "") + clean.get("port", ""):
        # Multi-host lists would have to be re-paired as h1:p1,h2:p2 in the authority; libpq
        # accepts them verbatim as query parameters, which is simpler and can't go wrong.
        in_query.update({k: clean[k] for k in ("host", "port") if k in clean})
    else:
        # A Unix-socket directory ("/tmp/...") must be percent-encoded to fit in the host part;
        # libpq decodes it back.
        host = quote(clean.get("host", ""), safe="")
        port = f":{clean['port']}" if "port" in clean else ""
    query = urlencode(sorted(in_query.items()))
    return f"postgresql://{userinfo}{host}{port}/{quote(dbname, safe='')}" + (f"?{query}" if query else "")


@contextmanager
def fresh_database(admin: str | None = None) -> Iterator[str]:
    """Create an empty database `ist_<8 hex>`, yield a URL to it, drop it afterwards."""
    admin = admin or admin_url()
    name = f"ist_{secrets.token_hex(4)}"
    # CREATE/DROP DATABASE cannot run inside a transaction block, hence autocommit.
    with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        yield url_with_dbname(admin, name)
    finally:
        # WITH (FORCE) (PostgreSQL >= 13) ends sessions the code under test may have left open
        # (pools, LISTEN threads), which would otherwise make the DROP fail.
        with psycopg.connect(admin, autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """URL (postgresql://) of an empty database of this test's own, dropped after it."""
    with fresh_database() as url:
        yield url


@pytest.fixture(scope="module")
def postgres_url_module() -> Iterator[str]:
    """Like postgres_url, but shared by the tests of one module (cheaper for slow set-ups)."""
    with fresh_database() as url:
        yield url
