"""Access across projects, on both stores: tagging and importing from another project, watches (refused,
narrowed, and ended when the right goes), and lists of every project narrowed to what the caller may see."""

from __future__ import annotations

import itertools
import queue
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from pathlib import Path

import grpc
import pytest
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import resources_pb2 as pb
from imagestreams.v1 import secret_service_pb2 as secret_api
from imagestreams.v1 import watch_service_pb2 as watch_api

from tests.support.access import (
    Admin,
    Outcome,
    Stubs,
    bearer,
    denied,
    outcome,
    outcome_of_error,
    sa_username,
    secret_key_for,
    service_account,
    user,
)
from tests.support.builders import dest, digest, istag, push
from tests.support.postgres import fresh_database
from tests.support.server import TestServer, postgres_store, running_server, sqlite_store
from tests.support.watch import Watcher

PERMISSION_DENIED = grpc.StatusCode.PERMISSION_DENIED
UNAUTHENTICATED = grpc.StatusCode.UNAUTHENTICATED
_scenes = itertools.count()


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def shared(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestServer]:
    """One server per store for the module: each test works in projects and as users of its own."""
    with ExitStack() as stack:
        if request.param == "sqlite":
            store = sqlite_store(Path(tmp_path_factory.mktemp("cross")) / "data")
        else:
            store = postgres_store(stack.enter_context(fresh_database()))
        yield stack.enter_context(running_server(store, secret_key=secret_key_for(store)))


@dataclass
class Scene:
    """A test's own pair of projects (`team-a-N`, `team-b-N`, each with a stream `src:1`), its own user names,
    and the channels it opens."""

    server: TestServer
    admin: Admin
    a: str
    b: str
    n: int
    opened: list[grpc.Channel] = field(default_factory=list)

    def name(self, base: str) -> str:
        return f"{base}-{self.n}"

    def login(self, token: str) -> Stubs:
        channel = bearer(self.server.address, token)
        self.opened.append(channel)
        return Stubs(channel)

    def user(self, base: str, role: str = "", namespace: str = "") -> Stubs:
        """A user of this test, bound to `role` in `namespace` when given, calling with a token of its own."""
        name = self.name(base)
        self.admin.create_user(name)
        if role:
            self.admin.bind(namespace, role, user(name))
        return self.login(self.admin.token(user(name)))


@pytest.fixture
def scene(shared: TestServer) -> Iterator[Scene]:
    n = next(_scenes)
    admin = Admin(shared)
    made = Scene(shared, admin, f"team-a-{n}", f"team-b-{n}", n)
    for namespace, seed in ((made.a, "a1"), (made.b, "b1")):
        admin.create_project(namespace)
        push(admin.stubs.streams, "src", "1", seed, namespace=namespace)
    yield made
    for channel in made.opened:
        channel.close()


def cross_tag(stubs: Stubs, scene: Scene) -> api.TagResponse:
    """Tags team-b's `src:1` into team-a's `copy:1`."""
    request = api.TagRequest(namespace=scene.a, source=istag("src:1", scene.b), destinations=[dest("copy:1")])
    return stubs.streams.Tag(request, timeout=30)


def team_a_default(scene: Scene) -> tuple[access_api.Subject, str, Stubs]:
    """team-a's `default` service account, granted `edit` in team-a: its subject, how messages name it, and
    stubs that call with a token of its own."""
    subject = service_account(scene.a, "default")
    scene.admin.bind(scene.a, "edit", subject)
    return subject, f'serviceaccount "{sa_username(scene.a, "default")}"', scene.login(scene.admin.token(subject))


def test_tagging_from_another_project_needs_image_puller_there(scene: Scene) -> None:
    a, b, admin = scene.a, scene.b, scene.admin
    subject, who, sa = team_a_default(scene)

    refused = outcome(lambda: cross_tag(sa, scene))
    assert refused.code == PERMISSION_DENIED
    assert refused.message == denied(who, "get", "imagestreams/layers", b)
    assert refused.reason == "FORBIDDEN"
    assert refused.metadata == {"verb": "get", "resource": "imagestreams/layers", "namespace": b}
    nothing = outcome(
        lambda: admin.stubs.streams.GetImageStreamTag(
            api.GetImageStreamTagRequest(namespace=a, stream="copy", tag="1"), timeout=30
        )
    )
    assert nothing.code == grpc.StatusCode.NOT_FOUND, "a refused tag writes nothing"

    admin.bind(b, "system:image-puller", subject)
    cross_tag(sa, scene)
    copied = sa.streams.GetImageStreamTag(api.GetImageStreamTagRequest(namespace=a, stream="copy", tag="1"))
    assert copied.image_stream_tag.image.name == digest("b1")
    # Pulling from team-b is all it may do there: team-b's streams stay unreadable.
    read = outcome(lambda: sa.streams.GetImageStream(api.GetImageStreamRequest(namespace=b, name="src")))
    assert (read.code, read.message) == (PERMISSION_DENIED, denied(who, "get", "imagestreams", b))


def import_into(namespace: str) -> import_api.ImportImageRequest:
    """Nothing to import from: a caller let through is told INVALID_ARGUMENT at once (no registry is asked)."""
    return import_api.ImportImageRequest(namespace=namespace, name="imported", tag="latest")


LET_THROUGH = grpc.StatusCode.INVALID_ARGUMENT


def test_importing_into_another_project_needs_create_imagestreamimports_there(scene: Scene) -> None:
    subject, who, sa = team_a_default(scene)
    scene.admin.bind(scene.b, "system:image-puller", subject)
    importer = import_grpc.ImportServiceStub(sa.channel)

    assert outcome(lambda: importer.ImportImage(import_into(scene.a), timeout=30)).code == LET_THROUGH
    refused = outcome(lambda: importer.ImportImage(import_into(scene.b), timeout=30))
    assert (refused.code, refused.message) == (
        PERMISSION_DENIED,
        denied(who, "create", "imagestreamimports", scene.b),
    )

    scene.admin.bind(scene.b, "registry-editor", subject)
    assert outcome(lambda: importer.ImportImage(import_into(scene.b), timeout=30)).code == LET_THROUGH


def test_watching_a_project_needs_watch_there(scene: Scene) -> None:
    b = scene.b
    val = scene.user("val", "system:image-puller", b)
    with pytest.raises(grpc.RpcError) as refused:
        Watcher(val.channel, namespace=b)
    got = outcome_of_error(refused.value)
    assert got.code == PERMISSION_DENIED
    assert got.message == denied(f'user "{scene.name("val")}"', "watch", "imagestreams", b)

    scene.admin.bind(b, "registry-viewer", user(scene.name("val")))
    watcher = Watcher(val.channel, namespace=b)
    try:
        assert watcher.start is not None and watcher.start.marker == watch_api.MARKER_PROGRESS
        moved = push(scene.admin.stubs.streams, "src", "2", "b2", namespace=b)
        [change] = watcher.changes(1)
        assert (change.namespace, change.tag, change.position) == (b, "2", moved.position)
    finally:
        watcher.cancel()


def test_a_watch_of_every_project_never_delivers_projects_the_caller_may_not_watch(scene: Scene) -> None:
    val = scene.user("val", "view", scene.a)
    try:
        replay = Watcher(val.channel, after_position=0)
    except grpc.RpcError as error:
        # A watch names its project (docs/watch.md): one with none asks for the cluster scope, which only a
        # cluster-wide grant allows; it shows no project's changes at all.
        assert error.code() == grpc.StatusCode.PERMISSION_DENIED, error.details()
        assert "at the cluster scope" in str(error.details())
        return
    try:
        push(scene.admin.stubs.streams, "src", "2", "b2", namespace=scene.b)
        last = push(scene.admin.stubs.streams, "src", "2", "a2", namespace=scene.a)
        seen = []
        while not seen or seen[-1].position < last.position:
            response = replay.next()
            if response.marker == watch_api.MARKER_UNSPECIFIED:
                seen.append(response)
        assert {r.namespace for r in seen} == {scene.a}, [(r.namespace, r.stream, r.tag) for r in seen]
    finally:
        replay.cancel()


def watch_end(watcher: Watcher, last: int, what: str, seconds: float = 5) -> tuple[Outcome, int]:
    """Reads a watch until it ends (within `seconds`); only progress markers may come first. The error, and
    the position of the last response sent."""
    deadline = time.monotonic() + seconds
    while True:
        remaining = deadline - time.monotonic()
        assert remaining > 0, f"the watch still runs {seconds} s after {what}"
        try:
            response = watcher.next(timeout=remaining)
        except grpc.RpcError as error:
            return outcome_of_error(error), last
        except queue.Empty:
            continue
        assert response.marker == watch_api.MARKER_PROGRESS, (
            f"delivered {watch_api.ChangeKind.Name(response.kind)} at {response.position} after {what}"
        )
        last = response.position


@pytest.mark.parametrize("lost", ["role", "token"])
@pytest.mark.parametrize("then", ["a change", "silence"])
def test_a_running_watch_ends_when_its_right_goes(scene: Scene, lost: str, then: str) -> None:
    """A removed role ends it PERMISSION_DENIED, a revoked token UNAUTHENTICATED; both name the last position
    sent (to resume from once allowed again), whether a change of the project or only silence follows."""
    b, admin, name = scene.b, scene.admin, scene.name("val")
    admin.create_user(name)
    admin.bind(b, "registry-viewer", user(name))
    token = admin.token(user(name))
    watcher = Watcher(scene.login(token).channel, namespace=b, progress_interval_seconds=1)
    try:
        seen = push(admin.stubs.streams, "src", "2", "b2", namespace=b)
        [change] = watcher.changes(1)
        assert change.position == seen.position
        if lost == "role":
            admin.unbind(b, "registry-viewer", user(name))
        else:
            admin.revoke(token)
        if then == "a change":
            push(admin.stubs.streams, "src", "3", "b3", namespace=b)
        ended, last = watch_end(watcher, change.position, f"its {lost} went ({then} followed)")
        if lost == "role":
            assert ended.code == PERMISSION_DENIED, ended
            assert denied(f'user "{name}"', "watch", "imagestreams", b) in ended.message
        else:
            assert ended.code == UNAUTHENTICATED, ended
        assert ended.metadata.get("last_position") == str(last), ended.metadata
    finally:
        watcher.cancel()


def test_a_running_watch_ends_when_its_token_expires(scene: Scene) -> None:
    name = scene.name("val")
    scene.admin.create_user(name)
    scene.admin.bind(scene.b, "registry-viewer", user(name))
    val = scene.login(scene.admin.token(user(name), seconds=2))
    watcher = Watcher(val.channel, namespace=scene.b, progress_interval_seconds=1)
    try:
        assert watcher.start is not None
        ended, last = watch_end(watcher, watcher.start.position, "its 2 s token was issued")
        assert ended.code == UNAUTHENTICATED, ended
        assert ended.metadata.get("last_position") == str(last), ended.metadata
    finally:
        watcher.cancel()


def test_lists_of_every_project_hold_only_what_the_caller_may_list(scene: Scene) -> None:
    a, b, c, admin = scene.a, scene.b, scene.name("team-c"), scene.admin
    admin.create_project(c)
    for namespace in (a, b, c):
        for name in ("one", "two"):
            admin.stubs.streams.CreateImageStream(
                api.CreateImageStreamRequest(image_stream=pb.ImageStream(namespace=namespace, name=name))
            )
        credential = secret_api.RegistryCredential(server="quay.io", username="u", password="p")
        admin.stubs.secrets.CreateSecret(
            secret_api.CreateSecretRequest(namespace=namespace, name="pull", credential=credential)
        )
    val = scene.user("val", "view", a)
    ed = scene.user("ed", "edit", a)
    admin.bind(b, "registry-viewer", user(scene.name("ed")))
    nobody = scene.user("nobody")

    def streams(stubs: Stubs, page_size: int = 0) -> set[tuple[str, str]]:
        found: list[tuple[str, str]] = []
        token = ""
        while True:
            page = stubs.streams.ListImageStreams(
                api.ListImageStreamsRequest(page_size=page_size, page_token=token), timeout=30
            )
            found += [(s.namespace, s.name) for s in page.image_streams]
            token = page.next_page_token
            if not token:
                break
        assert len(found) == len(set(found)), "no stream twice across pages"
        return set(found)

    def secrets(stubs: Stubs) -> set[str]:
        return {s.namespace for s in stubs.secrets.ListSecrets(secret_api.ListSecretsRequest(), timeout=30).secrets}

    def projects(stubs: Stubs) -> set[str]:
        return {p.name for p in stubs.projects.ListProjects(project_api.ListProjectsRequest(), timeout=30).projects}

    assert streams(val) == {(a, "one"), (a, "two"), (a, "src")}
    assert streams(val, page_size=1) == streams(val)
    assert {ns for ns, _ in streams(ed)} == {a, b}
    assert streams(ed, page_size=1) == streams(ed)
    assert streams(nobody) == set()
    assert {ns for ns, _ in streams(admin.stubs)} >= {a, b, c}

    assert secrets(val) == set(), "view holds no secrets"
    assert secrets(ed) == {a}, "registry-viewer in team-b holds no secrets"
    assert secrets(nobody) == set()
    assert secrets(admin.stubs) >= {a, b, c}

    assert projects(val) == {a}
    assert projects(ed) == {a, b}
    assert projects(nobody) == set()
    assert projects(admin.stubs) >= {a, b, c, "default"}
