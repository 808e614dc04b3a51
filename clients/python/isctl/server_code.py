"""The verbs that run the server's own code (`isctl serve`, `isctl adm registry-config`) import it when they
run: isctl installs without the server (the imagestreams-client distribution), and these verbs then say what
to install, in one line, instead of ending in a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

SERVER_DISTRIBUTION = "imagestreams-server"


@contextmanager
def server_code(verb: str) -> Iterator[None]:
    """Wraps the imports of the server's modules: a missing one (the server's package or one of its own
    dependencies) exits with the error that names what to install."""
    try:
        yield
    except ModuleNotFoundError as error:
        raise SystemExit(
            f"error: isctl {verb} runs the server, and {SERVER_DISTRIBUTION} is not installed here"
            f" (no module named {error.name!r}): pip install ./proto/python ./server, from the source tree"
        ) from None
