"""A NUL in a map value is named by its key, cut short so the status stays within gRPC's metadata bounds."""

from __future__ import annotations

from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams_server.api.decoding import MAX_SHOWN_KEY, nul_field


def test_a_long_map_key_is_cut_in_the_field_path() -> None:
    key = "\U0001f642" * 5000
    path = nul_field(api.TagRequest(annotations={key: "\x00"}))
    assert path == f"annotations[{key[:MAX_SHOWN_KEY]}...]"
    assert nul_field(api.TagRequest(annotations={"short": "\x00"})) == "annotations[short]"
