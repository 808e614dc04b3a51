"""The application's one door: commands and queries over one event log, with clock, ids and actor injected."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from ..store.app import EventLog
from . import caller
from .commands import Commands
from .pruning import Pruning
from .queries import Queries
from .registry_manifests import RegistryManifests
from .unit_of_work import Context

# Changes made by the server itself (background imports), outside any request.
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
        registry_public_hostname: str = "",
        max_status_history: int = 0,
    ) -> None:
        self.log = log
        self.clock = clock
        self.max_status_history = max_status_history
        self.queries = Queries(
            log, registry_hostname=registry_hostname, registry_public_hostname=registry_public_hostname
        )
        self.commands = Commands(log, self.context, uid, self.queries.position_of)
        manifests = RegistryManifests(self._registry_hosts, registry_hostname)
        self.pruning = Pruning(log, self.context, uid, self._registry_hosts, manifests)

    def _registry_hosts(self) -> set[str]:
        """The hosts of the registry this service fronts: images pushed there are "managed" ones."""
        queries = self.queries
        return {host for host in (queries.registry_hostname, queries.registry_public_hostname) if host}

    def context(self, actor: str = "", cause: str = "") -> Context:
        """When and by whom: the request's caller unless told otherwise; the server itself outside requests."""
        current = caller.current()
        if not actor:
            actor = current.actor if current else LOCAL_ACTOR
            cause = cause or (current.cause if current else "")
        return Context(now=self.clock(), actor=actor, cause=cause, max_status_history=self.max_status_history)
