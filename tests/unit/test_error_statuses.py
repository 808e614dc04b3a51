"""How errors leave the server: a store outage is retryable, an unexpected error leaks nothing."""

from __future__ import annotations

import grpc
from eventsourcing.persistence import OperationalError
from imagestreams_server.api.errors import to_status


def test_a_store_outage_is_unavailable_so_clients_retry() -> None:
    status = to_status(OperationalError("couldn't get a connection after 30.00 sec"))
    assert status.code == grpc.StatusCode.UNAVAILABLE
    assert "connection" not in status.details


def test_an_unexpected_error_is_internal_and_says_nothing_of_itself() -> None:
    status = to_status(KeyError("secret-ish detail"))
    assert status.code == grpc.StatusCode.INTERNAL
    assert status.details == "internal error"
