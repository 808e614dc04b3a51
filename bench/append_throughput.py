"""The log's append alone, on PostgreSQL: appends/s and the client's CPU per append with N threads.

    .venv/bin/python bench/append_throughput.py [--threads 1 4 16] [--appends 300] [--runs 3] [--database-url URL]

Each run creates a fresh database, opens the server's event log on it in this process (the recorder the server
uses, with group commit) and has each thread append `--appends` one-event batches to a stream of its own, as
fast as it can; the server, gRPC and the commands are left out. The client's CPU is this process's (the
threads' Python and psycopg), per append. What it shows: what one transaction per append costs against one
transaction shared by the appends that meet (store/group_commit.py); run it with the server's code from before
on PYTHONPATH for the other side. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid

from eventsourcing.persistence import StoredEvent
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.config import StoreConfig
from tag_throughput import DEFAULT_ADMIN_URL, fresh_database


def one_run(admin_url: str, threads: int, appends: int) -> tuple[float, float]:
    """(appends/s, client CPU ms per append)."""
    with fresh_database(admin_url) as url:
        log = EventLog(StoreConfig(database_url=url))
        try:

            def writer() -> None:
                stream = str(uuid.uuid4())
                for version in range(1, appends + 1):
                    log.recorder.insert_events([StoredEvent(stream, version, "bench:Append", b"{}")])

            writer()  # warm-up: the pool's connections, prepared statements
            workers = [threading.Thread(target=writer) for _ in range(threads)]
            cpu, wall = time.process_time(), time.monotonic()
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
            cpu, wall = time.process_time() - cpu, time.monotonic() - wall
        finally:
            log.close()
    total = threads * appends
    return total / wall, 1000 * cpu / total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--appends", type=int, default=300, help="appends per thread per run (300)")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--database-url", default=DEFAULT_ADMIN_URL)
    args = parser.parse_args()
    print("| threads | appends/s, median (min-max) | client CPU ms per append, median (min-max) |")
    print("|---:|---:|---:|")
    for threads in args.threads:
        results = [one_run(args.database_url, threads, args.appends) for _ in range(args.runs)]
        rates, cpus = [r for r, _ in results], [c for _, c in results]
        print(
            f"| {threads} | {statistics.median(rates):,.0f} ({min(rates):,.0f}-{max(rates):,.0f}) "
            f"| {statistics.median(cpus):.2f} ({min(cpus):.2f}-{max(cpus):.2f}) |"
        )


if __name__ == "__main__":
    main()
