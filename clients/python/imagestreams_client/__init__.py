"""A small typed client of the image streams gRPC service. For example:

from imagestreams_client import Client, ImageStreamsError

with Client("127.0.0.1:50051") as client:
    tag = client.get_image_stream_tag("default", "ruby", "latest").image_stream_tag
"""

from .client import Client
from .errors import ImageStreamsError

__all__ = ["Client", "ImageStreamsError"]
