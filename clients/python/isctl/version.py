"""`isctl --version` (and `isctl version`): the client's version, and what can be said of the server's.

The API has no version RPC, so the server is asked the one thing every server answers without credentials,
the standard gRPC health check: `Server Version: unknown` when it answers (reachable, version not
reported), and the reason on stderr when it does not. The exit status is 0 either way: `--version` is how
one checks that isctl is installed, server or not."""

from __future__ import annotations

from importlib import metadata

from imagestreams_client import ClientSettingsError, ImageStreamsError

from .context import Context
from .errors import format_error

# isctl's own distribution, and the one a source tree's developer install (the root pyproject.toml) makes of
# the server, the API package and the client together.
DISTRIBUTIONS = ("imagestreams-client", "imagestreams")
HEALTH_TIMEOUT = 5.0


def client_version() -> str:
    for distribution in DISTRIBUTIONS:
        try:
            return metadata.version(distribution)
        except metadata.PackageNotFoundError:
            continue
    return "unknown"


def print_version(context: Context) -> int:
    context.out.write(f"Client Version: {client_version()}\n")
    try:
        with context.client() as client:
            status = client.health(timeout=HEALTH_TIMEOUT)
    except (ImageStreamsError, ClientSettingsError) as error:
        context.err.write(f"Server Version: unknown: {format_error(error, context.server)}\n")
        return 0
    suffix = "" if status == "SERVING" else f" ({status})"
    context.out.write(f"Server: {context.server}\nServer Version: unknown (not reported by the server){suffix}\n")
    return 0
