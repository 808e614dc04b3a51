"""What a pushed image is: its metadata (config, layers, sizes) read from the registry it was pushed to, as
an import would read it, so a pushed image is described like an imported one.

The registry that asks this service for tokens asks it for this read too: the server presents the signing
key's own reader credential to its token service, which grants `pull` and nothing else. Plain HTTP (and no
TLS verification) only for a registry on loopback or the one `--registry-hostname` names. A read that fails
leaves the push recorded without metadata (and says so in the log): the push happened either way.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..domain.errors import NotFound
from ..domain.tags import ImportMode
from ..importer import ImportFailure, RegistryClient
from .fronted_registry import may_skip_tls
from .queries import Queries
from .registry_tokens import SigningKey

log = logging.getLogger(__name__)


class PushedImages:
    def __init__(
        self, registry: RegistryClient, key: SigningKey, queries: Queries, registry_hostname: str = ""
    ) -> None:
        self.registry = registry
        self.key = key
        self.queries = queries
        self.registry_hostname = registry_hostname

    def metadata(self, digest: str, reference: str) -> dict[str, Any]:
        """The metadata of the image `reference` (`HOST/NS/NAME@DIGEST`) names; empty when it is already known
        (metadata is fixed by the digest) or cannot be read."""
        if self._known(digest):
            return {}
        host = reference.split("/", 1)[0]
        try:
            image = self.registry.import_image(
                reference,
                import_mode=ImportMode.PRESERVE_ORIGINAL,
                insecure=may_skip_tls(host, self.registry_hostname),
                credentials={host: self.key.reader_credential()},
            )
        except ImportFailure as failure:
            log.warning("pushed image %s recorded without metadata: %s", reference[:300], failure.message)
            return {}
        return dict(image.metadata) if getattr(image, "digest", "") == digest else {}

    def _known(self, digest: str) -> bool:
        try:
            return bool(self.queries.image(digest).metadata)
        except NotFound:
            return False


MetadataReader = Callable[[str, str], dict[str, Any]]
