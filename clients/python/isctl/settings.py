"""Which server, namespace and credentials a command uses. Each setting on its own: a flag, else the
environment (ISCTL_SERVER, ISCTL_NAMESPACE, ISCTL_TOKEN), else the context of the configuration file
(`--context`, else its current context), else the default."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from imagestreams_client import TLSConfig

from .config import ClientConfig, ContextEntry
from .errors import UserInputError
from .global_flags import DEFAULT_NAMESPACE, DEFAULT_SERVER, GlobalFlags
from .server_address import normalize_server

ENV_SERVER = "ISCTL_SERVER"
ENV_NAMESPACE = "ISCTL_NAMESPACE"
ENV_TOKEN = "ISCTL_TOKEN"

# Where the token came from: `login` reuses a context's own token only for that context's server.
FROM_FLAG, FROM_ENV, FROM_CONTEXT = "flag", "environment", "context"


@dataclass(frozen=True)
class Settings:
    server: str = DEFAULT_SERVER
    namespace: str = DEFAULT_NAMESPACE
    token: str = field(default="", repr=False)
    token_source: str = ""
    certificate_authority: str = ""
    insecure_skip_tls_verify: bool = False
    client_certificate: str = ""
    client_key: str = ""
    # The configuration file's context these settings were read with ("" for none).
    context: str = ""

    def tls(self) -> TLSConfig | None:
        """TLS settings, or None for a plain channel (an `https://` server asks for TLS by itself)."""
        if not (
            self.certificate_authority or self.insecure_skip_tls_verify or self.client_certificate or self.client_key
        ):
            return None
        return TLSConfig(
            ca_file=self.certificate_authority or None,
            client_cert_file=self.client_certificate or None,
            client_key_file=self.client_key or None,
            insecure_skip_verify=self.insecure_skip_tls_verify,
        )


def resolve(flags: GlobalFlags, environ: Mapping[str, str], config: ClientConfig) -> Settings:
    entry = _context(flags, config)
    token, token_source = _token(flags, environ, entry)
    insecure = flags.insecure_skip_tls_verify
    return Settings(
        server=normalize_server(
            _first(flags.server, environ.get(ENV_SERVER), entry.server if entry else None) or DEFAULT_SERVER
        ),
        namespace=(
            _first(flags.namespace, environ.get(ENV_NAMESPACE), entry.namespace if entry else None) or DEFAULT_NAMESPACE
        ),
        token=token,
        token_source=token_source,
        certificate_authority=_first(flags.certificate_authority, entry.certificate_authority if entry else None),
        insecure_skip_tls_verify=insecure if insecure is not None else bool(entry and entry.insecure_skip_tls_verify),
        client_certificate=_first(flags.client_certificate, entry.client_certificate if entry else None),
        client_key=_first(flags.client_key, entry.client_key if entry else None),
        context=entry.name if entry else "",
    )


def _context(flags: GlobalFlags, config: ClientConfig) -> ContextEntry | None:
    if flags.context:
        entry = config.get(flags.context)
        if entry is None:
            raise UserInputError(f'context "{flags.context}" does not exist')
        return entry
    # A current-context that names no context is ignored, as kubectl ignores it.
    return config.current()


def _token(flags: GlobalFlags, environ: Mapping[str, str], entry: ContextEntry | None) -> tuple[str, str]:
    for value, source in (
        (flags.token, FROM_FLAG),
        (environ.get(ENV_TOKEN), FROM_ENV),
        (entry.token if entry else None, FROM_CONTEXT),
    ):
        if value and value.strip():
            return value.strip(), source
    return "", ""


def _first(*values: str | None) -> str:
    """The first value that is set and not empty (an empty variable counts as unset, as for kubectl)."""
    return next((v for v in values if v), "")
