"""Registry tokens: what a caller may do in a registry (Docker's token authentication), decided by its roles,
and the short-lived JWT that says so, signed for a `docker-registry` (distribution 2.8) that trusts our key.

The rights are the access snapshot's, never a second policy: `pull` on `repository:NS/STREAM` needs `get` on
`imagestreams/layers` in NS; `push` needs `update` there, and `create` on `imagestreams` when the stream does
not exist yet (and the project must exist); the catalog (`registry:catalog:*`) needs `list` on `imagestreams`
cluster-wide, as OpenShift's registry asks. Anything else asked for is left out: a token server grants the
intersection of what is asked and what is allowed, and the registry answers 401 for the rest.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..domain.identity import Identity
from ..domain.names import NAMESPACE_RE, STREAM_NAME_RE
from .access_snapshot import AccessSnapshot

KEY_FILE = "registry-token.key"
CERT_FILE = "registry-token.crt"
DEFAULT_SERVICE = "imagestreams-registry"
DEFAULT_ISSUER = "imagestreams"
# Seconds a registry token is good for: enough for one pull or push; a client asks again when it runs out.
DEFAULT_LIFETIME = 300
# Scopes one request may ask for (docker asks for one or two).
MAX_SCOPES = 32
# The user the server itself is when it reads a pushed image's metadata from the registry (pull only).
# No `:` in it: Basic authentication ends the user name at the first one.
METADATA_READER = "imagestreams.registry-reader"
# The user the server itself is when pruning deletes manifests in the registry (delete only).
IMAGE_PRUNER = "imagestreams.image-pruner"


class ScopeError(ValueError):
    """A `scope` parameter that is not `TYPE:NAME:ACTIONS`."""


@dataclass(frozen=True)
class Scope:
    type: str
    name: str
    actions: tuple[str, ...]


def parse_scopes(values: Iterable[str]) -> list[Scope]:
    """`repository:team/app:pull,push` (several per request, each also space separated, as some clients send
    them) -> scopes. Names may hold a port-like `:`; the actions are after the last one."""
    found: list[Scope] = []
    for value in values:
        for item in value.split():
            kind, _, rest = item.partition(":")
            name, _, actions = rest.rpartition(":")
            if not kind or not name:
                raise ScopeError(f"scope {item[:200]!r} is not TYPE:NAME:ACTIONS")
            found.append(Scope(kind, name, tuple(dict.fromkeys(a for a in actions.split(",") if a))))
    if len(found) > MAX_SCOPES:
        raise ScopeError(f"at most {MAX_SCOPES} scopes may be asked for at once")
    return found


def granted(
    snapshot: AccessSnapshot,
    identity: Identity,
    scopes: list[Scope],
    stream_exists: Callable[[str, str], bool],
) -> list[dict[str, Any]]:
    """The token's `access` claim: for each scope, the actions asked for that the caller's roles allow (a
    scope with none is still listed, empty, as distribution's own token servers do)."""
    access: list[dict[str, Any]] = []
    for scope in scopes:
        actions: list[str] = []
        if scope.type == "repository":
            namespace, _, stream = scope.name.partition("/")
            if NAMESPACE_RE.fullmatch(namespace) and STREAM_NAME_RE.fullmatch(stream):
                for action in scope.actions:
                    if _repository_allows(snapshot, identity, action, namespace, stream, stream_exists):
                        actions.append(action)
        elif (
            scope.type == "registry"
            and scope.name == "catalog"
            and "*" in scope.actions
            and snapshot.decide(identity, "list", "imagestreams", "").allowed
        ):
            actions.append("*")
        access.append({"type": scope.type, "name": scope.name, "actions": actions})
    return access


def _repository_allows(
    snapshot: AccessSnapshot,
    identity: Identity,
    action: str,
    namespace: str,
    stream: str,
    stream_exists: Callable[[str, str], bool],
) -> bool:
    def may(verb: str, resource: str) -> bool:
        return snapshot.decide(identity, verb, resource, namespace).allowed

    if action == "pull":
        return may("get", "imagestreams/layers")
    if action == "push":
        if not snapshot.project_exists(namespace) or not may("update", "imagestreams/layers"):
            return False
        return stream_exists(namespace, stream) or may("create", "imagestreams")
    return False


# -- the signing key --------------------------------------------------------------------------------------


class SigningKey:
    """An ECDSA P-256 key and its certificate: the registry's `rootcertbundle` holds the certificate, and each
    token names the key by its libtrust key id (`kid`), which is how distribution finds it."""

    def __init__(self, private_key: Any, certificate_pem: bytes, cert_path: Path) -> None:
        from cryptography.hazmat.primitives import serialization

        self._key = private_key
        self.certificate_pem = certificate_pem
        self.cert_path = cert_path
        der = private_key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        raw = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
        self.kid = ":".join(raw[i : i + 4] for i in range(0, 48, 4))
        private = private_key.private_bytes(
            serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # Derived from the key, so every replica that shares the key agrees on it, and nothing else is stored.
        self._reader_password = _b64url(hmac.new(private, b"imagestreams registry metadata reader", "sha256").digest())

    def sign(self, claims: dict[str, Any]) -> str:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

        header = {"typ": "JWT", "alg": "ES256", "kid": self.kid}
        signing_input = f"{_b64url(_json(header))}.{_b64url(_json(claims))}"
        r, s = decode_dss_signature(self._key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return f"{signing_input}.{_b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def verify(self, token: str) -> dict[str, Any] | None:
        """The claims of a token this key signed (None: not one, or not intact). Times are not checked here."""
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

        parts = token.split(".")
        if len(parts) != 3 or len(token) > 64 * 1024:
            return None
        try:
            header = json.loads(_unb64url(parts[0]))
            signature = _unb64url(parts[2])
            if header.get("alg") != "ES256" or header.get("kid") != self.kid or len(signature) != 64:
                return None
            der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
            self._key.public_key().verify(der, f"{parts[0]}.{parts[1]}".encode(), ec.ECDSA(hashes.SHA256()))
            claims = json.loads(_unb64url(parts[1]))
        except (ValueError, InvalidSignature, AttributeError):
            return None
        return claims if isinstance(claims, dict) else None

    def reader_credential(self) -> tuple[str, str]:
        """What the server itself presents to the token service to read pushed images (pull only)."""
        return METADATA_READER, self._reader_password

    def is_reader(self, username: str, password: str) -> bool:
        return username == METADATA_READER and hmac.compare_digest(password.encode(), self._reader_password.encode())


def load_signing_key(key_path: Path, cert_path: Path) -> SigningKey:
    """The key and certificate given (PEM), checked to belong together."""
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise ValueError(f"{key_path}: the registry token key must be an ECDSA P-256 key (ES256)")
    pem = cert_path.read_bytes()
    certificate = x509.load_pem_x509_certificate(pem)
    if certificate.public_key().public_numbers() != key.public_key().public_numbers():
        raise ValueError(f"{cert_path} is not the certificate of {key_path}")
    return SigningKey(key, pem, cert_path)


def ensure_signing_key(directory: Path, *, years: int = 10) -> SigningKey:
    """The key in `directory`, made on first use: a new P-256 key (mode 0600) and a self-signed certificate
    for the registry's `rootcertbundle`. Replicas share one by giving the same files (`load_signing_key`)."""
    key_path, cert_path = directory / KEY_FILE, directory / CERT_FILE
    if key_path.exists() and cert_path.exists():
        return load_signing_key(key_path, cert_path)
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "imagestreams registry token issuer")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=365 * years))
        .sign(key, hashes.SHA256())
    )
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    pem_key = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_private(key_path, pem_key)
    # Not a secret, but the data directory's files are all its owner's: a registry running as another user
    # gets a copy (rootcertbundle may point anywhere).
    _write_private(cert_path, certificate.public_bytes(serialization.Encoding.PEM))
    return SigningKey(key, certificate.public_bytes(serialization.Encoding.PEM), cert_path)


def _write_private(path: Path, data: bytes) -> None:
    # Created with its mode: never readable by others, even for an instant.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(data)


# -- issuing ----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TokenSettings:
    """The registry's `auth.token.service` and `issuer`, how long a token lasts, and the signing key's files
    (none: DATA_DIR/registry-token.key and .crt, made on first start)."""

    service: str = DEFAULT_SERVICE
    issuer: str = DEFAULT_ISSUER
    lifetime: int = DEFAULT_LIFETIME
    key_file: Path | None = None
    cert_file: Path | None = None

    def signing_key(self, data_dir: Path) -> SigningKey:
        if self.key_file is not None and self.cert_file is not None:
            return load_signing_key(self.key_file, self.cert_file)
        return ensure_signing_key(data_dir)


@dataclass(frozen=True)
class IssuedRegistryToken:
    token: str
    expires_in: int
    issued_at: str


def issue(
    key: SigningKey, settings: TokenSettings, subject: str, access: list[dict[str, Any]], now: dt.datetime
) -> IssuedRegistryToken:
    """A signed token for `subject` (the user name the registry reports as the actor of what it does)."""
    seconds = int(now.timestamp())
    claims = {
        "iss": settings.issuer,
        "sub": subject,
        "aud": settings.service,
        "exp": seconds + settings.lifetime,
        # A little slack for a registry whose clock is a few seconds behind ours.
        "nbf": seconds - 10,
        "iat": seconds,
        "jti": secrets.token_urlsafe(16),
        "access": access,
    }
    issued_at = now.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return IssuedRegistryToken(key.sign(claims), settings.lifetime, issued_at)


def allows_pull(key: SigningKey, settings: TokenSettings, token: str, repository: str, now: dt.datetime) -> bool:
    """Whether `token` is one of ours, current, for this service, and grants `pull` on `repository`."""
    claims = key.verify(token)
    if claims is None or claims.get("aud") != settings.service or claims.get("iss") != settings.issuer:
        return False
    seconds = now.timestamp()
    if not isinstance(claims.get("exp"), int) or claims["exp"] <= seconds:
        return False
    if isinstance(claims.get("nbf"), int) and claims["nbf"] > seconds:
        return False
    for entry in claims.get("access") or []:
        if (
            isinstance(entry, dict)
            and entry.get("type") == "repository"
            and entry.get("name") == repository
            and "pull" in (entry.get("actions") or [])
        ):
            return True
    return False


def _unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()
