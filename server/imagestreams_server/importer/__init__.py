"""The importer: reads Docker/OCI registries over HTTP and returns facts (digests, metadata, failures).

It never touches the store: the application runs it first, then records what it returned in one save.

    with RegistryClient(credentials={"quay.io": ("user", "secret")}) as registry:
        tags = registry.list_tags("quay.io/team/app")
        result = registry.import_image("quay.io/team/app:1.0", last_digest=previous_source_digest)
"""

from ._auth import Credential, CredentialSource
from ._client import RegistryClient
from ._errors import (
    ContentIntegrityError,
    CredentialsWithheld,
    Forbidden,
    ImportFailure,
    InsecureRequired,
    InternalError,
    InvalidReference,
    NotFound,
    NotV2Registry,
    RateLimited,
    RegistryTimeout,
    RegistryUnavailable,
    Unauthorized,
    UnsupportedManifest,
)
from ._limits import HostLimits, RequestCounter, RequestKey
from ._results import ImportedImage, TagCheck, Unchanged
from ._retry import RetryPolicy
from ._target import api_host

__all__ = [
    "ContentIntegrityError",
    "Credential",
    "CredentialSource",
    "CredentialsWithheld",
    "Forbidden",
    "HostLimits",
    "ImportFailure",
    "ImportedImage",
    "InsecureRequired",
    "InternalError",
    "InvalidReference",
    "NotFound",
    "NotV2Registry",
    "RateLimited",
    "RegistryClient",
    "RegistryTimeout",
    "RegistryUnavailable",
    "RequestCounter",
    "RequestKey",
    "RetryPolicy",
    "TagCheck",
    "Unauthorized",
    "Unchanged",
    "UnsupportedManifest",
    "api_host",
]
