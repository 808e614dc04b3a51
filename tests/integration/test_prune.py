"""PruneImages over gRPC, on both stores: OpenShift's rules (`oc adm prune images`) on the examples of its
pruning documentation: keep 3 revisions per tag, keep what is younger than the cutoff, keep the current
entry, keep images still referenced; a dry run changes nothing; the log still sees everything."""

from __future__ import annotations

import time
from datetime import timedelta

import grpc
from google.protobuf.duration_pb2 import Duration
from imagestreams.v1 import image_stream_service_pb2 as api

from tests.support.builders import digest, failure, push


def prune(stub, *, confirm: bool, keep: int | None = None, younger_than: float = 0.0, **fields):  # type: ignore[no-untyped-def]
    request = api.PruneImagesRequest(confirm=confirm, **fields)
    if keep is not None:
        request.keep_tag_revisions = keep
    request.keep_younger_than.FromTimedelta(timedelta(seconds=younger_than))
    return stub.PruneImages(request)


def history(stub, stream: str, tag: str, **as_of) -> list[str]:  # type: ignore[no-untyped-def]
    """The tag's status history, newest first, as describe lists it (images)."""
    request = api.GetImageStreamRequest(namespace="team", name=stream, **as_of)
    status = {t.tag: t for t in stub.GetImageStream(request).image_stream.status_tags}
    return [item.image for item in status[tag].items] if tag in status else []


def image_exists(stub, seed: str) -> bool:  # type: ignore[no-untyped-def]
    try:
        stub.GetImage(api.GetImageRequest(name=digest(seed)))
    except grpc.RpcError as error:
        assert error.code() == grpc.StatusCode.NOT_FOUND
        return False
    return True


def moves(stub, stream: str, tag: str) -> list[str]:  # type: ignore[no-untyped-def]
    request = api.ListTagHistoryRequest(namespace="team", stream=stream, tag=tag)
    return [entry.event.image for entry in stub.ListTagHistory(request).entries if entry.change == "moved"]


def test_a_dry_run_answers_what_it_would_remove_and_changes_nothing(stub) -> None:
    for seed in "abcde":
        push(stub, "ruby", "prod", seed)
    before = history(stub, "ruby", "prod")
    result = prune(stub, confirm=False)
    assert result.dry_run
    assert [(e.tag, e.revision, e.image) for e in result.tag_entries] == [
        ("prod", 2, digest("b")),
        ("prod", 1, digest("a")),
    ]
    assert [image.name for image in result.images] == [digest("a"), digest("b")]
    assert history(stub, "ruby", "prod") == before
    assert image_exists(stub, "a") and image_exists(stub, "b")
    # Nothing was written: the log did not move.
    assert prune(stub, confirm=False).position == result.position


def test_prune_keeps_three_revisions_the_current_one_and_referenced_images(stub) -> None:
    for seed in "abcde":
        push(stub, "ruby", "prod", seed)
    # Image b is also another tag's current image: it stays, though prod's history lets go of it.
    last = push(stub, "ruby", "latest", "b")
    result = prune(stub, confirm=True)
    assert not result.dry_run and result.position > last.position
    assert history(stub, "ruby", "prod") == [digest(s) for s in "edc"]
    assert history(stub, "ruby", "latest") == [digest("b")]
    assert [image.name for image in result.images] == [digest("a")]
    assert not image_exists(stub, "a") and image_exists(stub, "b")
    # Keeping no revisions still keeps the current one.
    prune(stub, confirm=True, keep=0)
    assert history(stub, "ruby", "prod") == [digest("e")]
    assert not image_exists(stub, "c") and not image_exists(stub, "d")
    # Pruning again finds nothing more.
    again = prune(stub, confirm=True, keep=0)
    assert (list(again.tag_entries), list(again.images)) == ([], [])


def test_the_log_still_sees_everything_before_the_prune(stub) -> None:
    first = push(stub, "ruby", "prod", "a")
    for seed in "bcde":
        last = push(stub, "ruby", "prod", seed)
    prune(stub, confirm=True, keep=1)
    # The tag as it was, though its image record is gone: read from the tag's entry.
    request = api.GetImageStreamTagRequest(
        namespace="team", stream="ruby", tag="prod", as_of=api.AsOf(position=first.position)
    )
    assert stub.GetImageStreamTag(request).image_stream_tag.image.name == digest("a")
    assert not image_exists(stub, "a")
    assert history(stub, "ruby", "prod") == [digest("e")]
    assert moves(stub, "ruby", "prod") == [digest(s) for s in "abcde"]
    past = history(stub, "ruby", "prod", as_of=api.AsOf(position=last.position))
    assert past == [digest(s) for s in "edcba"]
    # A pruned image recorded again is back.
    push(stub, "ruby", "old", "a")
    assert image_exists(stub, "a")


def test_entries_and_images_younger_than_the_cutoff_are_kept(stub) -> None:
    for seed in "abcd":
        push(stub, "ruby", "prod", seed)
    time.sleep(2.5)
    for seed in "ef":
        push(stub, "ruby", "prod", seed)
    result = prune(stub, confirm=True, keep=1, younger_than=2)
    # f is current, e is young; d is beyond one revision and old.
    assert history(stub, "ruby", "prod") == [digest(s) for s in "fe"]
    assert sorted(image.name for image in result.images) == [digest(s) for s in "abcd"]


def test_a_young_stream_is_left_alone(stub) -> None:
    for seed in "abcde":
        push(stub, "fresh", "prod", seed)
    result = prune(stub, confirm=True, keep=1, younger_than=3600)
    assert (list(result.tag_entries), list(result.images)) == ([], [])
    assert len(history(stub, "fresh", "prod")) == 5


def test_a_pinned_tag_is_pruned_like_any_other(stub) -> None:
    for seed in "abcde":
        push(stub, "ruby", "prod", seed)
    stub.PinTag(api.PinTagRequest(namespace="team", stream="ruby", tag="prod", reason="incident 42"))
    prune(stub, confirm=True)
    assert history(stub, "ruby", "prod") == [digest(s) for s in "edc"]


def test_only_managed_images_without_all(stub) -> None:
    # The test server fronts no registry: no image is a managed one, so only histories are trimmed.
    for seed in "abcde":
        push(stub, "ruby", "prod", seed)
    result = prune(stub, confirm=True, all=False)
    assert len(result.tag_entries) == 2 and list(result.images) == []
    assert image_exists(stub, "a")


def test_one_namespace_trims_its_streams_and_removes_no_image(stub) -> None:
    for seed in "abcde":
        push(stub, "ruby", "prod", seed)
    result = prune(stub, confirm=True, namespace="team")
    assert len(result.tag_entries) == 2 and list(result.images) == []
    other = prune(stub, confirm=False, namespace="elsewhere")
    assert list(other.tag_entries) == []


def test_bad_options_name_their_field(stub) -> None:
    negative = failure(lambda: prune(stub, confirm=False, keep=-1))
    assert negative.code == grpc.StatusCode.INVALID_ARGUMENT and "keep_tag_revisions" in negative.fields
    request = api.PruneImagesRequest(keep_younger_than=Duration(seconds=-5))
    backwards = failure(lambda: stub.PruneImages(request))
    assert backwards.code == grpc.StatusCode.INVALID_ARGUMENT and "keep_younger_than" in backwards.fields
    forever = failure(lambda: stub.PruneImages(api.PruneImagesRequest(keep_younger_than=Duration(seconds=10**11))))
    assert forever.code == grpc.StatusCode.INVALID_ARGUMENT and "keep_younger_than" in forever.fields
    bad_namespace = failure(lambda: prune(stub, confirm=False, namespace="Not_A_Namespace"))
    assert bad_namespace.code == grpc.StatusCode.INVALID_ARGUMENT and "namespace" in bad_namespace.fields
