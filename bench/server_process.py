"""The imagestreams server in a process of its own, for the benchmarks.

Usage: python bench/server_process.py --database-url postgresql://...|sqlite:///PATH [--no-access-control]
    [--max-status-history N]

Prints `port N`, then `token T` (the cluster administrator's bearer token, which the server creates on a new
store; `token -` on a store that had one already) on stdout once it serves; SIGTERM or SIGINT drains and stops
it. The token goes only to stdout, the parent's pipe, and nothing logs it: the server's own copy
(`admin_token_file`) goes to a private temporary directory and is deleted as soon as the lines are printed.
--no-access-control runs the server with no access checks at all (`ServerConfig(access_control=False)`), for
bench/auth_overhead.py. Not a supported way to run the service: use `isctl serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from imagestreams_server.api.server import RunningServer, ServerConfig, serve
from imagestreams_server.store.config import StoreConfig


def announcer(token_file: Path) -> Callable[[RunningServer], None]:
    """What `serve` calls once the server serves: the two lines the load generator reads, to learn the
    ephemeral port and the token to call with; then the server's copy of the token is deleted."""

    def announce(running: RunningServer) -> None:
        print(f"port {running.port}", flush=True)
        print(f"token {running.admin_token or '-'}", flush=True)
        token_file.unlink(missing_ok=True)

    return announce


@contextmanager
def token_file() -> Iterator[Path]:
    """Where the server writes its copy of the administrator token (by default DATA_DIR/admin.token, which for
    a PostgreSQL store is ./data/ under the working directory): in a private temporary directory, removed
    when the process ends."""
    with tempfile.TemporaryDirectory(prefix="bench-admin-token-") as directory:
        yield Path(directory) / "admin.token"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database-url",
        required=True,
        help="postgresql:// URL of the (empty) database, or sqlite:///PATH of a new SQLite file",
    )
    parser.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (default: an ephemeral port)")
    parser.add_argument(
        "--no-access-control", action="store_true", help="no access checks at all (to measure what they cost)"
    )
    parser.add_argument(
        "--max-status-history", type=int, default=0, help="entries kept in each tag's status history (0: all)"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="server: %(levelname)s %(name)s: %(message)s")
    with token_file() as path:
        config = ServerConfig(
            listen=args.listen,
            store=StoreConfig(database_url=args.database_url),
            admin_token_file=path,
            access_control=not args.no_access_control,
            max_status_history=args.max_status_history,
        )
        asyncio.run(serve(config, announcer(path)))


if __name__ == "__main__":
    main()
