"""A small typed client of the image streams gRPC service. For example:

from imagestreams_client import Client, ImageStreamsError

with Client("127.0.0.1:50051", token=token) as client:
    tag = client.get_image_stream_tag("default", "ruby", "latest").image_stream_tag
    for response in client.follow("default", "ruby", "latest"):  # changes as they happen; see watch.py
        ...

Every client (`Client`, `SecretClient`, `AccessClient`, `ProjectClient`) takes the same credentials: `token`,
sent as `authorization: Bearer TOKEN` on every call, and `tls` (a `TLSConfig`) for a TLS channel. Writes
carry a request id of their own and are retried with it when their outcome is unknown (`retry`, a
`RetryPolicy`; see writes.py).
"""

from .access import AccessClient
from .errors import ClientSettingsError, ImageStreamsError
from .projects import ProjectClient
from .secrets import SecretClient
from .tls import TLSConfig
from .watch import Backoff, Client, Follow, Reconnect, WatchCall
from .writes import NO_RETRY, RetryPolicy

__all__ = [
    "NO_RETRY",
    "AccessClient",
    "Backoff",
    "Client",
    "ClientSettingsError",
    "Follow",
    "ImageStreamsError",
    "ProjectClient",
    "Reconnect",
    "RetryPolicy",
    "SecretClient",
    "TLSConfig",
    "WatchCall",
]
