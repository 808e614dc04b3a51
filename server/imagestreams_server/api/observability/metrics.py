"""Prometheus metrics of one server, served at `/metrics` on the HTTP side.

Each server has its own registry (several servers may share a process, in tests). Counters that the rest of
the server already keeps (the watch hub's, the registry client's request counts) and values that live in the
store (the log's head, each read model's position) are read when scraped, not mirrored: a scrape asks the
database one short query, on a worker thread.

The metrics carry no secret and no name a caller chose (streams, tags, projects): only methods, status codes,
registry hosts and counts.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from typing import TYPE_CHECKING, Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from prometheus_client.registry import Collector
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...domain.reference import DockerImageReference
from ...store import readmodel

if TYPE_CHECKING:
    from ...importer import RequestCounter
    from ...store.app import EventLog
    from ...store.watch_hub import WatchHub

log = logging.getLogger(__name__)

PATH = "/metrics"
CONTENT_TYPE = CONTENT_TYPE_LATEST
DEFAULT_REGISTRY_HOST = "docker.io"


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.rpcs = Counter(
            "imagestreams_rpcs",
            "RPCs handled, by service, method and status code.",
            ["service", "method", "code"],
            registry=self.registry,
        )
        self.rpc_duration = Histogram(
            "imagestreams_rpc_duration_seconds",
            "Time from an RPC's start to its status, by service and method (a watch: its whole life).",
            ["service", "method"],
            registry=self.registry,
        )
        self.events_appended = Counter(
            "imagestreams_events_appended", "Events this process appended to the log.", registry=self.registry
        )
        self.group_commit_batch_size = Histogram(
            "imagestreams_group_commit_batch_size",
            "Appends committed together in one transaction of the log (PostgreSQL; 1: an append alone).",
            buckets=(1, 2, 4, 8, 16, 32, 64),
            registry=self.registry,
        )
        self.imports = Counter(
            "imagestreams_imports",
            "Images asked of registries by imports (on request and in the background), by registry host and "
            "outcome: imported, unchanged, or the failure's reason.",
            ["registry", "outcome"],
            registry=self.registry,
        )

    def rpc_done(self, service: str, method: str, code: str, seconds: float) -> None:
        self.rpcs.labels(service, method, code).inc()
        self.rpc_duration.labels(service, method).observe(seconds)

    def events_recorded(self, recordings: list[Any]) -> None:
        self.events_appended.inc(len(recordings))

    def appends_committed(self, count: int) -> None:
        self.group_commit_batch_size.observe(count)

    def import_read(self, source: str, outcome: str) -> None:
        self.imports.labels(registry_host(source), outcome).inc()

    def follow(self, event_log: EventLog, hub: WatchHub, requests: RequestCounter) -> None:
        """Reads the store's positions, the hub's counts and the import registry client's requests when scraped."""
        self.registry.register(_ServerCollector(event_log, hub, requests))

    def exposition(self) -> bytes:
        """Blocking (the store's positions are read): the text a scrape gets."""
        return generate_latest(self.registry)


def metrics_route(metrics: Metrics, blocking: Callable[[Callable[[], bytes]], Awaitable[bytes]]) -> Route:
    """`GET /metrics`, without credentials as Prometheus scrapes (the metrics hold no secret); the exposition is
    built on a worker thread (it reads the store)."""

    async def scrape(request: Request) -> Response:
        return Response(await blocking(metrics.exposition), media_type=CONTENT_TYPE)

    return Route(PATH, scrape, methods=["GET"])


def registry_host(source: str) -> str:
    """The registry host of a pull spec (Docker Hub's for `ruby:3`); `invalid` for one that does not parse."""
    try:
        return DockerImageReference.parse(source).registry or DEFAULT_REGISTRY_HOST
    except Exception:  # a pull spec the importer refused: still counted, under one label
        return "invalid"


class _ServerCollector(Collector):
    def __init__(self, event_log: EventLog, hub: WatchHub, requests: RequestCounter) -> None:
        self.event_log = event_log
        self.hub = hub
        self.requests = requests

    def describe(self) -> Iterator[Metric]:
        return iter(())  # the store is not asked when the collector is registered

    def collect(self) -> Iterator[Metric]:
        yield from self._store()
        stats = self.hub.stats
        yield GaugeMetricFamily("imagestreams_watchers", "Watches connected to this process.", self.hub.watchers)
        yield CounterMetricFamily(
            "imagestreams_watch_changes_delivered", "Changes handed to watchers as they happened.", stats.delivered
        )
        yield CounterMetricFamily(
            "imagestreams_watch_changes_dropped",
            "Changes a watcher did not get because it had fallen too far behind (it was ended).",
            stats.dropped,
        )
        yield CounterMetricFamily(
            "imagestreams_watches_ended_slow", "Watches ended because they fell too far behind.", stats.ended_slow
        )
        requests = CounterMetricFamily(
            "imagestreams_registry_requests",
            "HTTP requests imports sent to registries (retries included), by registry host, method and kind.",
            labels=["registry", "method", "kind"],
        )
        for key, count in sorted(self.requests.snapshot().items()):
            requests.add_metric([key.host, key.method, key.kind], count)
        yield requests

    def _store(self) -> Iterator[Metric]:
        try:
            head = self.event_log.max_position()
            with self.event_log.read() as sql:
                projected = readmodel.tracked_position(sql)
        except Exception as error:  # the database is down: the other metrics are still worth a scrape
            log.warning("metrics: cannot read the log's positions: %s", error)
            return
        yield GaugeMetricFamily("imagestreams_log_head_position", "The position of the last event in the log.", head)
        yield GaugeMetricFamily(
            "imagestreams_read_model_lag_events",
            "Events in the log that the read models do not reflect yet (0 unless they are being rebuilt: they are "
            "written in the transaction that appends the events).",
            max(head - projected, 0),
        )
        yield GaugeMetricFamily(
            "imagestreams_watch_hub_lag_events",
            "Events in the log not yet offered to this process's watchers.",
            max(head - self.hub.position, 0),
        )
