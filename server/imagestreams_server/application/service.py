"""The application's one door: commands and queries over one event log, with clock, ids and actor injected."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from ..store.app import EventLog
from .commands import Commands
from .queries import Queries
from .unit_of_work import Context

# Until callers authenticate, every change is recorded as made by this identity.
LOCAL_ACTOR = "system:local"


def utc_now() -> datetime:
    return datetime.now(UTC)


def new_uid() -> str:
    return str(uuid.uuid4())


class Service:
    def __init__(
        self,
        log: EventLog,
        *,
        clock: Callable[[], datetime] = utc_now,
        uid: Callable[[], str] = new_uid,
        registry_hostname: str = "",
    ) -> None:
        self.log = log
        self.clock = clock
        self.queries = Queries(log, registry_hostname=registry_hostname)
        self.commands = Commands(log, self.context, uid, self.queries.position_of)

    def context(self, actor: str = LOCAL_ACTOR, cause: str = "") -> Context:
        return Context(now=self.clock(), actor=actor, cause=cause)
