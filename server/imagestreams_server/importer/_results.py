"""What the importer returns: facts about images, for the application to record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ImportedImage:
    """One image read from a registry.

    `metadata` is shaped like the proto `Image` in JSON without its name, pull spec, create time and
    `metadata_known` (see `_metadata`): store it as it is.
    """

    # The manifest digest: the image's name.
    digest: str
    # `<repository as the user wrote it>@<digest>`.
    docker_image_reference: str
    media_type: str
    metadata: dict[str, Any]
    # PreserveOriginal on a manifest list: every child, in list order (each digest once). Empty otherwise.
    children: tuple[ImportedImage, ...] = ()
    # The digest the reference resolved to at the registry. It differs from `digest` when a Legacy import
    # picked one platform out of a list (it is then the list's). Pass it back as `last_digest` next time:
    # a HEAD answers with this digest, so an unchanged multi-platform tag costs one HEAD and no GET.
    source_digest: str = ""
    # The size in bytes of the manifest document.
    manifest_size: int = 0

    @property
    def is_list(self) -> bool:
        return "manifests" in self.metadata


@dataclass(frozen=True)
class Unchanged:
    """The registry still has the digest the caller last saw: nothing was fetched beyond a HEAD."""

    digest: str
    docker_image_reference: str


@dataclass(frozen=True)
class TagCheck:
    """What a HEAD said about a reference."""

    # Empty when the registry did not send Docker-Content-Digest on HEAD (then nothing can be concluded).
    digest: str
    media_type: str
    size: int | None
    # True when the registry's digest is the one the caller last saw.
    unchanged: bool
    docker_image_reference: str = field(default="")
