"""A small typed client of the image streams gRPC service. For example:

from imagestreams_client import Client, ImageStreamsError

with Client("127.0.0.1:50051") as client:
    tag = client.get_image_stream_tag("default", "ruby", "latest").image_stream_tag
    for response in client.follow("default", "ruby", "latest"):  # changes as they happen; see watch.py
        ...
"""

from .errors import ImageStreamsError
from .watch import Backoff, Client, Follow, Reconnect, WatchCall

__all__ = ["Backoff", "Client", "Follow", "ImageStreamsError", "Reconnect", "WatchCall"]
