"""TLS and mutual TLS against a real server, with certificates the test makes; plain text stays on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import access_service_pb2_grpc as access_grpc
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import image_stream_service_pb2_grpc as api_grpc
from imagestreams_server.api.server import InsecureListen, ServerConfig, TlsConfig, check_listen
from imagestreams_server.store.config import StoreConfig

from tests.support.certificates import Authority, Issued
from tests.support.server import TestServer, running_server, sqlite_store


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return Authority(tmp_path)


@pytest.fixture
def server_cert(authority: Authority) -> Issued:
    return authority.issue("server", server=True)


@pytest.fixture
def tls_server(tmp_path: Path, authority: Authority, server_cert: Issued) -> Iterator[TestServer]:
    credentials = grpc.ssl_channel_credentials(root_certificates=authority.cert.read_bytes())
    tls = TlsConfig(server_cert.cert, server_cert.key)
    with running_server(sqlite_store(tmp_path / "data"), credentials=credentials, tls=tls) as server:
        yield server


def whoami(channel: grpc.Channel) -> access_api.WhoAmIResponse:
    return access_grpc.AccessServiceStub(channel).WhoAmI(access_api.WhoAmIRequest(), timeout=10)


def test_a_token_over_tls_works(tls_server: TestServer) -> None:
    assert whoami(tls_server.channel).username == "admin"
    response = tls_server.stub.ListImageStreams(api.ListImageStreamsRequest(namespace="team"))
    assert list(response.image_streams) == []


def test_plain_text_to_a_tls_port_fails_clearly(tls_server: TestServer) -> None:
    with grpc.insecure_channel(tls_server.address) as channel, pytest.raises(grpc.RpcError) as failed:
        whoami(channel)
    assert failed.value.code() == grpc.StatusCode.UNAVAILABLE


def test_a_client_that_does_not_trust_the_server_fails(tls_server: TestServer, tmp_path: Path) -> None:
    stranger = Authority(tmp_path, "other-ca")
    credentials = grpc.ssl_channel_credentials(root_certificates=stranger.cert.read_bytes())
    with tls_server.open_channel(tls_server.admin_token, credentials) as channel, pytest.raises(grpc.RpcError) as e:
        whoami(channel)
    assert e.value.code() == grpc.StatusCode.UNAVAILABLE


def test_mutual_tls_identifies_the_caller_by_its_certificate(
    tmp_path: Path, authority: Authority, server_cert: Issued
) -> None:
    alice = authority.issue("alice", organizations=("devs",))
    tls = TlsConfig(server_cert.cert, server_cert.key, authority.cert)
    admin = authority.issue("admin-client")
    admin_credentials = grpc.ssl_channel_credentials(authority.cert.read_bytes(), *reversed(admin.pem()))
    with running_server(sqlite_store(tmp_path / "data"), credentials=admin_credentials, tls=tls) as server:
        # The bearer token decides when one is sent.
        assert whoami(server.channel).username == "admin"
        as_alice = grpc.ssl_channel_credentials(authority.cert.read_bytes(), *reversed(alice.pem()))
        with server.open_channel(None, as_alice) as channel:
            who = whoami(channel)
            assert who.username == "alice"
            assert "devs" in who.groups and "system:authenticated" in who.groups
            with pytest.raises(grpc.RpcError) as refused:
                api_grpc.ImageStreamServiceStub(channel).GetImageStream(
                    api.GetImageStreamRequest(namespace="team", name="ruby"), timeout=10
                )
            assert refused.value.code() == grpc.StatusCode.PERMISSION_DENIED
            assert 'user "alice" cannot get resource "imagestreams" in project "team"' in str(refused.value.details())
        # With a client CA, a client without a certificate does not get through the handshake.
        no_cert = grpc.ssl_channel_credentials(authority.cert.read_bytes())
        with server.open_channel(server.admin_token, no_cert) as channel, pytest.raises(grpc.RpcError) as failed:
            whoami(channel)
        assert failed.value.code() == grpc.StatusCode.UNAVAILABLE


@pytest.mark.parametrize("listen", ["0.0.0.0:50051", "192.0.2.10:50051", "[::]:50051", "example.com:1"])
def test_plain_text_beyond_loopback_is_refused(listen: str) -> None:
    with pytest.raises(InsecureListen, match="without TLS"):
        check_listen(ServerConfig(listen=listen, store=StoreConfig()))


@pytest.mark.parametrize("listen", ["127.0.0.1:0", "[::1]:50051", "localhost:50051"])
def test_plain_text_on_loopback_is_fine(listen: str) -> None:
    check_listen(ServerConfig(listen=listen, store=StoreConfig()))


def test_plain_text_beyond_loopback_when_told_so(tmp_path: Path, server_cert: Issued) -> None:
    check_listen(ServerConfig(listen="0.0.0.0:1", allow_insecure_listen=True))
    check_listen(ServerConfig(listen="0.0.0.0:1", tls=TlsConfig(server_cert.cert, server_cert.key)))
