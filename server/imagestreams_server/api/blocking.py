"""Runs blocking application code for a servicer: on a worker thread, within the caller's deadline, errors turned
into statuses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import NoReturn, TypeVar

import grpc

from ..store import deadline
from .errors import to_status

T = TypeVar("T")


async def run_blocking(executor: Executor, context: grpc.aio.ServicerContext, fn: Callable[[], T]) -> T:
    # The deadline as an instant: the time spent queued for a thread counts against it.
    expires = deadline.instant_in(context.time_remaining())

    def bounded() -> T:
        with deadline.deadline_at(expires):
            # Work whose caller has stopped waiting (it queued while every thread was busy) is not started.
            deadline.check()
            return fn()

    try:
        return await asyncio.get_running_loop().run_in_executor(executor, bounded)
    except Exception as error:  # every error leaves as a status, never as a crash
        await abort(context, error)


async def abort(context: grpc.aio.ServicerContext, error: Exception) -> NoReturn:
    await context.abort_with_status(to_status(error))
    raise AssertionError("abort_with_status returns only by raising") from error
