"""The imagestreams server in a process of its own, for the benchmarks.

Usage: python bench/server_process.py --database-url postgresql://...  (prints `port N` on stdout once it
serves; SIGTERM or SIGINT drains and stops it). Not a supported way to run the service: use `isctl serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import logging

from imagestreams_server.api.server import RunningServer, ServerConfig, serve
from imagestreams_server.store.config import StoreConfig


def _announce(running: RunningServer) -> None:
    # The load generator reads this line to learn the ephemeral port.
    print(f"port {running.port}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="postgresql:// URL of the (empty) database")
    parser.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (default: an ephemeral port)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="server: %(levelname)s %(name)s: %(message)s")
    config = ServerConfig(listen=args.listen, store=StoreConfig(database_url=args.database_url))
    asyncio.run(serve(config, _announce))


if __name__ == "__main__":
    main()
