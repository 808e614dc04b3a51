"""The imagestreams server in a process of its own, for the registry import benchmark (bench/import_throughput.py).

Usage: python bench/import_server_process.py --database-url postgresql://... [--import-max-tags N] [--no-host-limit]

Like bench/server_process.py (prints `port N` and `token T` on stdout once it serves, the token written nowhere
else that outlives the process; SIGTERM or SIGINT drains and stops it),
with the settings the benchmark needs: `import_max_tags` raised, scheduled import off (the benchmark runs the
scheduled checks itself, in process), and with --no-host-limit a registry client without the per-host request
budget (`HostLimits`, 10 requests/s by default), to see what the service costs apart from that politeness.
Not a supported way to run the service: use `isctl serve`.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging

from imagestreams_server.api import server as server_module
from imagestreams_server.api.server import ServerConfig, serve
from imagestreams_server.importer import HostLimits, RegistryClient
from imagestreams_server.store.config import StoreConfig
from server_process import announcer, token_file

# Per-host limits that never hold a request back: as many in flight as the default, and a budget no benchmark
# can spend. Shared with import_throughput.py, which uses it for its in-process registry clients too.
NO_HOST_LIMIT = HostLimits(max_concurrency=HostLimits().max_concurrency, requests_per_second=1e9, burst=1 << 40)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True, help="postgresql:// URL of the (empty) database")
    parser.add_argument("--listen", default="127.0.0.1:0", help="HOST:PORT (default: an ephemeral port)")
    parser.add_argument("--import-max-tags", type=int, default=50, help="tags one `all` import may import (50)")
    parser.add_argument(
        "--no-host-limit", action="store_true", help="no per-host request budget for the registry client"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="server: %(levelname)s %(name)s: %(message)s")
    if args.no_host_limit:
        # The server builds its one RegistryClient with no arguments; there is no setting for its limits.
        server_module.RegistryClient = functools.partial(  # type: ignore[attr-defined,assignment]
            RegistryClient, limits=NO_HOST_LIMIT
        )
    with token_file() as path:
        config = ServerConfig(
            listen=args.listen,
            store=StoreConfig(database_url=args.database_url),
            import_max_tags=args.import_max_tags,
            import_interval=0,
            admin_token_file=path,
        )
        asyncio.run(serve(config, announcer(path)))


if __name__ == "__main__":
    main()
