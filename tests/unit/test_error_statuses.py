"""How errors leave the server: a store outage is retryable, an unexpected error leaks nothing."""

from __future__ import annotations

import grpc
import psycopg
from eventsourcing.persistence import OperationalError
from imagestreams_server.api.errors import to_status
from imagestreams_server.store.deadline import DeadlineExceeded
from imagestreams_server.store.health import StoreUnavailable, connection_failure


def test_a_store_outage_is_unavailable_so_clients_retry() -> None:
    status = to_status(OperationalError("couldn't get a connection after 30.00 sec"))
    assert status.code == grpc.StatusCode.UNAVAILABLE
    assert "connection" not in status.details


def test_an_unexpected_error_is_internal_and_says_nothing_of_itself() -> None:
    status = to_status(KeyError("secret-ish detail"))
    assert status.code == grpc.StatusCode.INTERNAL
    assert status.details == "internal error"


def test_an_unreachable_database_is_unavailable_without_naming_its_host() -> None:
    status = to_status(StoreUnavailable('connection to server at "db.internal", port 5432 failed: Connection refused'))
    assert status.code == grpc.StatusCode.UNAVAILABLE
    assert "cannot be reached" in status.details and "db.internal" not in status.details


def test_work_past_its_deadline_is_deadline_exceeded() -> None:
    assert to_status(DeadlineExceeded()).code == grpc.StatusCode.DEADLINE_EXCEEDED


def test_a_statement_cancelled_or_a_lock_refused_does_not_mark_the_store_down() -> None:
    assert connection_failure(psycopg.errors.QueryCanceled("canceling statement due to statement timeout")) is None
    assert connection_failure(psycopg.errors.LockNotAvailable("could not obtain lock")) is None
    refused = psycopg.OperationalError("connection failed: Connection refused")
    assert connection_failure(OperationalError("no cause")) is None
    wrapped = OperationalError("couldn't get a connection")
    wrapped.__cause__ = refused
    assert connection_failure(wrapped) is refused
    assert connection_failure(psycopg.errors.AdminShutdown("terminating connection")) is not None
