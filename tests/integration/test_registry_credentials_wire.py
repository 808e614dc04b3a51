"""Credentials never travel in clear: an HTTPS registry whose Bearer challenge names a plain-HTTP token
realm gets no password there unless the registry is allowed insecure, and then only on its own host.

The registries are small servers on loopback (tests/support/faulty_registry.py) with a throwaway CA; the
token realm is a second server that records every request it gets, headers included."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from imagestreams.v1 import image_stream_service_pb2 as api
from imagestreams.v1 import import_service_pb2 as import_api
from imagestreams.v1 import import_service_pb2_grpc as import_grpc
from imagestreams.v1 import secret_service_pb2 as secret_api
from imagestreams.v1 import secret_service_pb2_grpc as secret_grpc
from imagestreams_server.importer import CredentialsWithheld, ImportedImage

from tests.support.certificates import Authority, Issued
from tests.support.faulty_registry import FaultyRegistry
from tests.support.registry import PASSWORD, USERNAME, build_image, make_client
from tests.support.server import running_server, sqlite_store


@pytest.fixture
def authority(tmp_path: Path) -> Authority:
    return Authority(tmp_path)


@pytest.fixture
def certificate(authority: Authority) -> Issued:
    return authority.issue("registry", server=True)


@pytest.fixture
def plain_realm() -> Iterator[FaultyRegistry]:
    """A token server on plain HTTP."""
    with FaultyRegistry() as realm:
        yield realm


@pytest.fixture
def registry(certificate: Issued, plain_realm: FaultyRegistry) -> Iterator[FaultyRegistry]:
    """An HTTPS registry whose Bearer challenge sends callers to `plain_realm`."""
    with FaultyRegistry("bearer", tls=certificate, token_server=plain_realm) as r:
        r.add_image("demo/app", "v1", build_image(layer_texts=["wire\n"]))
        yield r


def trusting(authority: Authority) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(authority.cert))


def authorised(server: FaultyRegistry) -> list[str]:
    """The paths of the requests `server` received with an Authorization header."""
    return [r.path for r in server.requests if any(k.lower() == "authorization" for k in r.headers)]


def test_a_plain_http_realm_gets_no_password_from_a_secure_import(
    authority: Authority, registry: FaultyRegistry, plain_realm: FaultyRegistry
) -> None:
    credentials = {registry.host: (USERNAME, PASSWORD)}
    client = make_client(credentials=credentials, verify=trusting(authority))
    with client, pytest.raises(CredentialsWithheld) as refused:
        client.import_image(f"{registry.host}/demo/app:v1")

    assert refused.value.reason == "BadRequest"
    assert refused.value.message == (
        f"{registry.host}/demo/app:v1: credentials not sent: the registry {registry.host} asks for credentials "
        f"to be sent over plain HTTP to {plain_realm.host}; they are sent over HTTPS only, unless the registry "
        "is allowed insecure"
    )
    assert PASSWORD not in refused.value.message
    # Nothing at all went to the realm, let alone an Authorization header.
    assert plain_realm.requests == []


def test_the_same_realm_works_when_the_registry_is_allowed_insecure(
    authority: Authority, registry: FaultyRegistry, plain_realm: FaultyRegistry
) -> None:
    credentials = {registry.host: (USERNAME, PASSWORD)}
    with make_client(credentials=credentials, verify=trusting(authority)) as client:
        result = client.import_image(f"{registry.host}/demo/app:v1", insecure=True)

    assert isinstance(result, ImportedImage)
    assert authorised(plain_realm) == ["/token?scope=repository%3Ademo%2Fapp%3Apull&service=faulty"]
    assert plain_realm.token_requests == [(USERNAME, "repository:demo/app:pull")]


def test_an_anonymous_import_may_take_a_token_from_a_plain_http_realm(
    authority: Authority, registry: FaultyRegistry, plain_realm: FaultyRegistry
) -> None:
    """No credentials, nothing to leak: an anonymous token is fetched as before."""
    plain_realm.anonymous_pull = True
    with make_client(verify=trusting(authority)) as client:
        result = client.import_image(f"{registry.host}/demo/app:v1")

    assert isinstance(result, ImportedImage)
    assert plain_realm.token_requests == [(None, "repository:demo/app:pull")]
    assert authorised(plain_realm) == []


def test_plain_http_to_another_host_is_refused_even_when_insecure(
    authority: Authority, certificate: Issued, plain_realm: FaultyRegistry
) -> None:
    # The registry is named `localhost`, its realm `127.0.0.1`: another host, over plain HTTP.
    with FaultyRegistry("bearer", tls=certificate, token_server=plain_realm) as registry:
        registry.add_image("demo/app", "v1", build_image())
        host = registry.host.replace("127.0.0.1", "localhost")
        client = make_client(credentials={host: (USERNAME, PASSWORD)}, verify=trusting(authority))
        with client, pytest.raises(CredentialsWithheld) as refused:
            client.import_image(f"{host}/demo/app:v1", insecure=True)

    assert refused.value.message == (
        f"{host}/demo/app:v1: credentials not sent: the registry {host} asks for credentials to be sent over "
        f"plain HTTP to another host, {plain_realm.host}; plain HTTP is allowed only to the insecure "
        "registry's own host"
    )
    assert plain_realm.requests == []


def test_an_https_realm_on_another_host_gets_the_credentials(authority: Authority, certificate: Issued) -> None:
    """As on Docker Hub: the registry's token server is elsewhere, and reached over verified TLS."""
    with (
        FaultyRegistry(tls=certificate) as realm,
        FaultyRegistry("bearer", tls=certificate, token_server=realm) as registry,
    ):
        registry.add_image("demo/app", "v1", build_image())
        host = registry.host.replace("127.0.0.1", "localhost")
        with make_client(credentials={host: (USERNAME, PASSWORD)}, verify=trusting(authority)) as client:
            result = client.import_image(f"{host}/demo/app:v1")

        assert isinstance(result, ImportedImage)
        assert realm.token_requests == [(USERNAME, "repository:demo/app:pull")]


def test_the_refusal_is_recorded_as_the_tags_import_condition(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    authority: Authority,
    registry: FaultyRegistry,
    plain_realm: FaultyRegistry,
) -> None:
    # The server's registry client trusts the CA the way an operator makes it: SSL_CERT_FILE.
    monkeypatch.setenv("SSL_CERT_FILE", str(authority.cert))
    with running_server(sqlite_store(tmp_path / "data")) as server:
        credential = secret_api.RegistryCredential(server=registry.host, username=USERNAME, password=PASSWORD)
        secret_grpc.SecretServiceStub(server.channel).CreateSecret(
            secret_api.CreateSecretRequest(namespace="team", name="creds", credential=credential)
        )
        request = import_api.ImportImageRequest(namespace="team", name="app", tag="v1", confirm=True)
        setattr(request, "from", f"{registry.host}/demo/app:v1")
        (outcome,) = import_grpc.ImportServiceStub(server.channel).ImportImage(request).tags
        stream = server.stub.GetImageStream(api.GetImageStreamRequest(namespace="team", name="app")).image_stream

    assert not outcome.succeeded and outcome.reason == "BadRequest"
    assert "credentials not sent" in outcome.message and PASSWORD not in outcome.message
    (status,) = stream.status_tags
    assert [(c.type, c.status, c.reason) for c in status.conditions] == [("ImportSuccess", "False", "BadRequest")]
    assert status.conditions[0].message == outcome.message
    assert plain_realm.requests == []
