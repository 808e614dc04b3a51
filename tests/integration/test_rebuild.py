"""Read models are derived: drop them, replay the log, and every answer is the same."""

from __future__ import annotations

from google.protobuf import json_format
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams_server.store import readmodel
from imagestreams_server.store.app import EventLog
from imagestreams_server.store.sql import transaction

from tests.support.builders import digest, docker, istag, pinned, push, tag
from tests.support.server import running_server


def make_history(stub) -> None:  # type: ignore[no-untyped-def]
    push(stub, "ruby", "2.0", "a", annotations={"k": "v"})
    tag(stub, istag("ruby:2.0"), "ruby:latest")
    tag(stub, istag("ruby:latest"), "ruby:prod", alias=True)
    push(stub, "ruby", "latest", "b")
    tag(stub, docker(pinned("c")), "web:1", "ops/web:1")
    tag(stub, docker("quay.io/team/web:2"), "web:2")
    tag(stub, docker("quay.io/team/web:3"), "web:3", reference=True)
    stub.DeleteTag(api.DeleteTagRequest(namespace="team", stream="web", tag="2"))
    push(stub, "gone", "1", "d")
    stub.DeleteImageStream(api.DeleteImageStreamRequest(namespace="team", name="gone"))
    push(stub, "back", "1", "e")
    stub.DeleteImageStream(api.DeleteImageStreamRequest(namespace="team", name="back"))
    push(stub, "back", "2", "f")


def answers(stub) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """Everything a client can read, as plain data."""

    def plain(message) -> object:  # type: ignore[no-untyped-def]
        return json_format.MessageToDict(message, preserving_proto_field_name=True)

    result: dict[str, object] = {"streams": plain(stub.ListImageStreams(api.ListImageStreamsRequest()))}
    for namespace, name in (("team", "ruby"), ("team", "web"), ("ops", "web"), ("team", "back")):
        result[f"describe {namespace}/{name}"] = plain(
            stub.DescribeImageStream(api.DescribeImageStreamRequest(namespace=namespace, name=name))
        )
        result[f"tags {namespace}/{name}"] = plain(
            stub.ListImageStreamTags(api.ListImageStreamTagsRequest(namespace=namespace, stream=name))
        )
        result[f"history {namespace}/{name}"] = plain(
            stub.ListTagHistory(api.ListTagHistoryRequest(namespace=namespace, stream=name))
        )
    for seed in "abcdef":
        result[f"image {seed}"] = plain(stub.GetImage(api.GetImageRequest(name=digest(seed))))
    return result


def test_dropping_read_models_and_replaying_the_log_gives_identical_answers(store_config) -> None:
    with running_server(store_config) as server:
        make_history(server.stub)
        before = answers(server.stub)

    log = EventLog(store_config)
    with transaction(log.recorder, commit=True) as sql:
        readmodel.drop_tables(sql)
    log.close()

    with running_server(store_config) as server:  # finds the tables gone and replays the log
        after = answers(server.stub)
    assert after == before
    assert len(before["describe team/ruby"]["tags"]) == 2  # type: ignore[index]
