"""Who the current request acts as: set by the api layer for the request's duration, read when events are
recorded. A context variable, so it follows the request onto the worker thread (see `ContextExecutor`)."""

from __future__ import annotations

import contextvars
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Caller:
    # `alice`, `system:serviceaccount:team-a:builder`.
    actor: str
    # Why: the RPC, and the client's request id when it sent one (`Tag request=8f0c...`).
    cause: str = ""


_current: contextvars.ContextVar[Caller | None] = contextvars.ContextVar("imagestreams_caller", default=None)


def current() -> Caller | None:
    return _current.get()


def set_current(caller: Caller) -> contextvars.Token[Caller | None]:
    return _current.set(caller)


def reset_current(token: contextvars.Token[Caller | None]) -> None:
    _current.reset(token)


@contextmanager
def acting_as(caller: Caller) -> Iterator[None]:
    token = set_current(caller)
    try:
        yield
    finally:
        reset_current(token)


class ContextExecutor(ThreadPoolExecutor):
    """A thread pool that runs each task in a copy of the submitter's context variables, so the caller set on
    the event loop is the caller on the worker thread (`loop.run_in_executor` does not copy them)."""

    def submit(self, fn: Callable[..., T], /, *args: Any, **kwargs: Any) -> Future[T]:
        context = contextvars.copy_context()
        return super().submit(context.run, fn, *args, **kwargs)
