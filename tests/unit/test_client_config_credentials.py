"""Credentials in the client library (`imagestreams_client`): the bearer token and request id on every call
of every client, unary and streaming, over plain and TLS channels (a CA, a pinned certificate for
insecure_skip_verify, a client certificate), against an in-process gRPC server that echoes what it got."""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Iterator
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import access_service_pb2_grpc as access_grpc
from imagestreams.v1 import project_service_pb2 as project_api
from imagestreams.v1 import project_service_pb2_grpc as project_grpc
from imagestreams.v1 import watch_service_pb2 as watch_api
from imagestreams.v1 import watch_service_pb2_grpc as watch_grpc
from imagestreams_client import (
    AccessClient,
    Client,
    ClientSettingsError,
    ImageStreamsError,
    ProjectClient,
    SecretClient,
    TLSConfig,
)
from imagestreams_client.access import token_name
from imagestreams_client.channel import split_scheme
from imagestreams_client.tls import certificate_name, split_host_port

TOKEN = "ist_" + "Z" * 43


class Echo(access_grpc.AccessServiceServicer, watch_grpc.WatchServiceServicer, project_grpc.ProjectServiceServicer):
    """Answers with the call's metadata: WhoAmI's username is the authorization header, its token_name the
    request id; Watch sends one change naming them; GetProject fails with a rich status."""

    def WhoAmI(self, request: Any, context: grpc.ServicerContext) -> access_api.WhoAmIResponse:
        metadata = dict(context.invocation_metadata())
        return access_api.WhoAmIResponse(
            username=metadata.get("authorization", ""), token_name=metadata.get("x-request-id", "")
        )

    def Watch(self, request: Any, context: grpc.ServicerContext) -> Iterator[watch_api.WatchResponse]:
        metadata = dict(context.invocation_metadata())
        yield watch_api.WatchResponse(
            position=7, namespace=metadata.get("authorization", ""), stream=metadata.get("x-request-id", "")
        )

    def GetProject(self, request: Any, context: grpc.ServicerContext) -> project_api.GetProjectResponse:
        detail = any_pb2.Any()
        detail.Pack(error_details_pb2.ErrorInfo(reason="FORBIDDEN", metadata={"verb": "get"}))
        status = status_pb2.Status(
            code=grpc.StatusCode.PERMISSION_DENIED.value[0],
            message=f'user "alice" cannot get resource "projects" in project "{request.name}"',
            details=[detail],
        )
        context.abort_with_status(rpc_status.to_status(status))
        raise AssertionError("abort_with_status returns only by raising")


@dataclass
class Pki:
    """A CA, a server certificate it signed (for `localhost` and 127.0.0.1), a self-signed one for a name
    the address does not carry, and a client certificate."""

    directory: Path
    ca: Path
    server_cert: bytes
    server_key: bytes
    self_signed_cert: bytes
    self_signed_key: bytes
    client_cert: Path
    client_key: Path


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _certificate(
    subject: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: str,
    issuer_key: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    names: list[x509.GeneralName] | None = None,
) -> bytes:
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(hours=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(issuer_key, hashes.SHA256()).public_bytes(serialization.Encoding.PEM)


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    directory = tmp_path_factory.mktemp("pki")
    ca_key, server_key, self_key, client_key = _key(), _key(), _key(), _key()
    ca = _certificate("test-ca", ca_key, "test-ca", ca_key, ca=True)
    localhost = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    server = _certificate("localhost", server_key, "test-ca", ca_key, names=localhost)
    self_signed = _certificate("is.internal", self_key, "is.internal", self_key, names=[x509.DNSName("is.internal")])
    client = _certificate("alice", client_key, "test-ca", ca_key)
    (directory / "ca.crt").write_bytes(ca)
    (directory / "client.crt").write_bytes(client)
    (directory / "client.key").write_bytes(_pem_key(client_key))
    return Pki(
        directory,
        directory / "ca.crt",
        server,
        _pem_key(server_key),
        self_signed,
        _pem_key(self_key),
        directory / "client.crt",
        directory / "client.key",
    )


def serve(credentials: grpc.ServerCredentials | None = None) -> tuple[grpc.Server, str]:
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    echo = Echo()
    access_grpc.add_AccessServiceServicer_to_server(echo, server)  # type: ignore[no-untyped-call]
    watch_grpc.add_WatchServiceServicer_to_server(echo, server)  # type: ignore[no-untyped-call]
    project_grpc.add_ProjectServiceServicer_to_server(echo, server)  # type: ignore[no-untyped-call]
    if credentials is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    return server, f"127.0.0.1:{port}"


@pytest.fixture
def plain_server() -> Iterator[str]:
    server, address = serve()
    yield address
    server.stop(0)


def first_change(client: Client) -> watch_api.WatchResponse:
    call = client.watch("default")
    try:
        return next(iter(call))
    finally:
        call.cancel()


def test_the_token_and_request_id_go_with_unary_and_streaming_calls(plain_server: str) -> None:
    with Client(plain_server, token=TOKEN, request_id="req-1") as client:
        change = first_change(client)
    assert (change.namespace, change.stream) == (f"Bearer {TOKEN}", "req-1")
    with AccessClient(plain_server, token=TOKEN, request_id="req-2") as access:
        answer = access.who_am_i()
    assert (answer.username, answer.token_name) == (f"Bearer {TOKEN}", "req-2")


def test_without_a_token_no_authorization_is_sent(plain_server: str) -> None:
    with AccessClient(plain_server) as access:
        assert access.who_am_i().username == ""
    with Client(plain_server) as client:
        assert first_change(client).namespace == ""


def test_rich_errors_survive_the_interceptor(plain_server: str) -> None:
    with ProjectClient(plain_server, token=TOKEN) as projects, pytest.raises(ImageStreamsError) as raised:
        projects.get_project("team-b")
    assert raised.value.code == grpc.StatusCode.PERMISSION_DENIED
    assert raised.value.message == 'user "alice" cannot get resource "projects" in project "team-b"'
    assert (raised.value.reason, raised.value.metadata) == ("FORBIDDEN", {"verb": "get"})


def test_every_client_takes_the_same_credentials_and_no_repr_shows_the_token(plain_server: str) -> None:
    for kind in (Client, SecretClient, AccessClient, ProjectClient):
        with kind(plain_server, timeout=5, token=TOKEN, tls=None, request_id="r") as client:
            assert TOKEN not in repr(client) and TOKEN not in repr(client._channels)
            assert "authenticated=True" in repr(client)


@pytest.mark.parametrize("token", ["ist_a b", "ist_a\nb", "ist_é"])
def test_a_token_that_cannot_be_sent_is_refused_without_quoting_it(token: str) -> None:
    with pytest.raises(ClientSettingsError) as raised:
        Client("127.0.0.1:1", token=token)
    assert token not in str(raised.value)


def test_tls_with_a_certificate_authority(pki: Pki) -> None:
    server, address = serve(grpc.ssl_server_credentials([(pki.server_key, pki.server_cert)]))
    try:
        with AccessClient(address, token=TOKEN, tls=TLSConfig(ca_file=str(pki.ca))) as access:
            assert access.who_am_i().username == f"Bearer {TOKEN}"
        with Client(address, token=TOKEN, tls=TLSConfig(ca_file=str(pki.ca))) as client:
            assert first_change(client).namespace == f"Bearer {TOKEN}"
        # Without the CA the certificate is not trusted: nothing is sent.
        with AccessClient(address, timeout=5, token=TOKEN, tls=TLSConfig()) as access:
            with pytest.raises(ImageStreamsError) as raised:
                access.who_am_i()
            assert raised.value.code == grpc.StatusCode.UNAVAILABLE
    finally:
        server.stop(0)


def test_insecure_skip_verify_pins_the_certificate_the_server_presents(pki: Pki) -> None:
    # Self-signed, for a name the address does not carry: verification would fail on both counts.
    server, address = serve(grpc.ssl_server_credentials([(pki.self_signed_key, pki.self_signed_cert)]))
    try:
        tls = TLSConfig(insecure_skip_verify=True)
        with Client(address, token=TOKEN, tls=tls, request_id="r") as client:
            assert first_change(client).namespace == f"Bearer {TOKEN}"  # the watch's own channel too
        with AccessClient(address, token=TOKEN, tls=tls) as access:
            assert access.who_am_i().username == f"Bearer {TOKEN}"
        # Told the name instead, with the CA... it is not signed by it: refused.
        wrong = TLSConfig(ca_file=str(pki.ca), server_name="is.internal")
        with AccessClient(address, timeout=5, tls=wrong) as bad, pytest.raises(ImageStreamsError):
            bad.who_am_i()
    finally:
        server.stop(0)


def test_insecure_skip_verify_of_a_server_that_is_not_there_is_unavailable() -> None:
    with pytest.raises(ImageStreamsError) as raised:
        Client("127.0.0.1:1", tls=TLSConfig(insecure_skip_verify=True))
    assert raised.value.code == grpc.StatusCode.UNAVAILABLE
    assert "cannot read the server's TLS certificate" in raised.value.message


def test_a_server_name_override(pki: Pki) -> None:
    # The CA-signed certificate names localhost: reached by IP, and told to expect localhost.
    server, address = serve(grpc.ssl_server_credentials([(pki.server_key, pki.server_cert)]))
    try:
        tls = TLSConfig(ca_file=str(pki.ca), server_name="localhost")
        with AccessClient(address, token=TOKEN, tls=tls) as access:
            assert access.who_am_i().username == f"Bearer {TOKEN}"
    finally:
        server.stop(0)


def test_mutual_tls_presents_the_client_certificate(pki: Pki) -> None:
    credentials = grpc.ssl_server_credentials(
        [(pki.server_key, pki.server_cert)], root_certificates=pki.ca.read_bytes(), require_client_auth=True
    )
    server, address = serve(credentials)
    try:
        with_cert = TLSConfig(
            ca_file=str(pki.ca), client_cert_file=str(pki.client_cert), client_key_file=str(pki.client_key)
        )
        with AccessClient(address, token=TOKEN, tls=with_cert) as access:
            assert access.who_am_i().username == f"Bearer {TOKEN}"
        skip = TLSConfig(
            insecure_skip_verify=True, client_cert_file=str(pki.client_cert), client_key_file=str(pki.client_key)
        )
        with AccessClient(address, token=TOKEN, tls=skip) as access:
            assert access.who_am_i().username == f"Bearer {TOKEN}"
        without = TLSConfig(ca_file=str(pki.ca))
        with AccessClient(address, timeout=5, tls=without) as access, pytest.raises(ImageStreamsError):
            access.who_am_i()
    finally:
        server.stop(0)


def test_https_asks_for_tls_and_http_for_none() -> None:
    assert split_scheme("https://is.example.com:8443/") == ("is.example.com:8443", True)
    assert split_scheme("HTTP://127.0.0.1:50051") == ("127.0.0.1:50051", False)
    assert split_scheme("127.0.0.1:50051") == ("127.0.0.1:50051", False)
    with Client("https://127.0.0.1:1") as client:
        assert client._channels.tls == TLSConfig()
    with Client("127.0.0.1:1") as client:
        assert client._channels.tls is None


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (TLSConfig(ca_file="/ca.crt", insecure_skip_verify=True), "root certificates file with the insecure flag"),
        (TLSConfig(client_cert_file="/c.crt"), "needs its key"),
        (TLSConfig(client_key_file="/c.key"), "needs its key"),
        (TLSConfig(ca_file="/nonexistent/ca.crt"), "cannot read the certificate authority file /nonexistent/ca.crt"),
    ],
)
def test_tls_settings_that_cannot_work(settings: TLSConfig, message: str) -> None:
    with pytest.raises(ClientSettingsError, match=message):
        Client("127.0.0.1:1", tls=settings)


def test_the_name_of_a_certificate(pki: Pki) -> None:
    der = x509.load_pem_x509_certificate(pki.self_signed_cert).public_bytes(serialization.Encoding.DER)
    assert certificate_name(der) == "is.internal"
    key = _key()
    ip_only = _certificate("x", key, "x", key, names=[x509.IPAddress(ipaddress.ip_address("10.1.2.3"))])
    common_only = _certificate("legacy.example.com", key, "x", key)
    for pem, name in ((ip_only, "10.1.2.3"), (common_only, "legacy.example.com")):
        assert certificate_name(x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)) == name


def test_certificate_names_read_as_cryptography_reads_them() -> None:
    """The client reads the names with a DER walk of its own (it installs without a cryptography library):
    the order of the names, IPv6, a non-ASCII common name, names of other kinds, and bytes that are not a
    certificate."""
    key = _key()
    ip = x509.IPAddress(ipaddress.ip_address("10.1.2.3"))
    cases = [
        ("cn.example.com", [ip, x509.DNSName("second.example.com")], "second.example.com"),
        ("cn.example.com", [x509.IPAddress(ipaddress.ip_address("fd00::1")), ip], "fd00::1"),
        ("cn.example.com", [x509.RFC822Name("ops@example.com")], "cn.example.com"),
        ("bücher.example", None, "bücher.example"),
        ("x" * 60, [x509.DNSName(f"{'a' * 60}.{'b' * 60}.example.com")] * 3, f"{'a' * 60}.{'b' * 60}.example.com"),
    ]
    for subject, names, expected in cases:
        pem = _certificate(subject, key, "issuer", key, names=names)
        assert certificate_name(x509.load_pem_x509_certificate(pem).public_bytes(serialization.Encoding.DER)) == (
            expected
        )
    now = datetime.datetime.now(datetime.UTC)
    nameless = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "team")]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "issuer")]))
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    assert certificate_name(nameless.public_bytes(serialization.Encoding.DER)) is None
    der = x509.load_pem_x509_certificate(_certificate("cn", key, "issuer", key)).public_bytes(
        serialization.Encoding.DER
    )
    for broken in (b"", b"\x30\x03\x02\x01", der[: len(der) // 2], b"\x04" + der[1:]):
        assert certificate_name(broken) is None


def test_host_and_port() -> None:
    assert split_host_port("is.example.com:8443") == ("is.example.com", 8443)
    assert split_host_port("is.example.com") == ("is.example.com", 443)
    assert split_host_port("[::1]:50051") == ("::1", 50051)
    with pytest.raises(ClientSettingsError):
        split_host_port("host:port")


def test_token_names_are_the_servers() -> None:
    # `sha256~` and the unpadded base64url SHA-256 of the whole token, as the server names it.
    assert token_name("ist_abc") == "sha256~7uMexLffC9AulZG4UMSzYUlRHUqahvbDw-Ec32rywLo"
    assert not token_name(TOKEN).endswith("=")
