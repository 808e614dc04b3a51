"""`isctl watch --connect-timeout`: a server that never answered is given up on; one that answered once is
always retried. Follow is driven by a fake client, with no server and no real waiting."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams_client import Backoff, Follow, ImageStreamsError, Reconnect


class _Call:
    def __init__(self, responses: list[watch_api.WatchResponse]) -> None:
        self._responses = responses

    def __iter__(self) -> Iterator[watch_api.WatchResponse]:
        yield from self._responses
        raise ImageStreamsError(grpc.StatusCode.UNAVAILABLE, "connection refused")

    def cancel(self) -> None:
        pass


class _Client:
    """Answers the first `answered` calls with one progress marker each, then refuses every call."""

    def __init__(self, answered: int) -> None:
        self.calls = 0
        self.answered = answered

    def _open_watch(self, request: Any, idle_timeout: float | None) -> _Call:
        self.calls += 1
        if self.calls <= self.answered:
            return _Call([watch_api.WatchResponse(position=self.calls, marker=watch_api.MARKER_PROGRESS)])
        return _Call([])


def _follow(client: _Client, on_reconnect: Any, timeout: float) -> Follow:
    return Follow(
        client,  # type: ignore[arg-type]
        watch_api.WatchRequest(namespace="default"),
        backoff=Backoff(initial=0.001, maximum=0.001),
        on_reconnect=on_reconnect,
        connect_timeout=timeout,
    )


def test_a_server_that_never_answered_is_given_up_on() -> None:
    follow = _follow(_Client(answered=0), None, 0.05)
    with pytest.raises(ImageStreamsError, match=r"no answer in 0.05s, giving up \(last error: connection refused\)"):
        list(follow)


def test_a_server_that_answered_once_is_retried_past_the_timeout() -> None:
    reconnects: list[Reconnect] = []
    client = _Client(answered=1)

    def note(reconnect: Reconnect) -> None:
        reconnects.append(reconnect)
        if len(reconnects) >= 50:
            follow.close()

    follow = _follow(client, note, 0.0001)
    responses = list(follow)
    assert [r.position for r in responses] == [1]
    assert len(reconnects) == 50 and reconnects[-1].after_position == 1
