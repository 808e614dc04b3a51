"""Runs blocking application code for a servicer: on a worker thread, errors turned into statuses."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import NoReturn, TypeVar

import grpc

from .errors import to_status

T = TypeVar("T")


async def run_blocking(executor: Executor, context: grpc.aio.ServicerContext, fn: Callable[[], T]) -> T:
    try:
        return await asyncio.get_running_loop().run_in_executor(executor, fn)
    except Exception as error:  # every error leaves as a status, never as a crash
        await abort(context, error)


async def abort(context: grpc.aio.ServicerContext, error: Exception) -> NoReturn:
    await context.abort_with_status(to_status(error))
    raise AssertionError("abort_with_status returns only by raising") from error
