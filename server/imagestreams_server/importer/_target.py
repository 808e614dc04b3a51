"""From a pull spec as the user wrote it to what we ask a registry for."""

from __future__ import annotations

from dataclasses import dataclass

from ..domain.reference import DOCKER_HUB_HOSTS, DockerImageReference, ReferenceError
from ._errors import InvalidReference
from ._problems import Subject

# Docker Hub's API does not live at the name users write (library-go `DockerClientDefaults`, §5.3).
DOCKER_HUB_API_HOST = "registry-1.docker.io"


def api_host(registry: str) -> str:
    """The host to contact for a registry name: `docker.io` and `index.docker.io` -> `registry-1.docker.io`."""
    return DOCKER_HUB_API_HOST if registry.lower() in DOCKER_HUB_HOSTS else registry


@dataclass(frozen=True)
class Target:
    """One image (or repository) to ask a registry about."""

    written: DockerImageReference
    defaulted: DockerImageReference

    @property
    def registry(self) -> str:
        """The registry as named (`docker.io`): what credentials are looked up by."""
        return self.defaulted.registry

    @property
    def host(self) -> str:
        return api_host(self.defaulted.registry)

    @property
    def repository(self) -> str:
        """The path in the registry API: `library/busybox`."""
        return self.defaulted.repository_name()

    @property
    def digest(self) -> str:
        return self.defaulted.id

    @property
    def reference(self) -> str:
        """What goes after `/manifests/`: the digest when there is one (the most specific), else the tag."""
        return self.defaulted.id or self.defaulted.tag

    @property
    def scope(self) -> str:
        return f"repository:{self.repository}:pull"

    def pull_spec(self, digest: str) -> str:
        """`repo@digest` with the repository as the user wrote it (OpenShift's `MostSpecific`)."""
        return self.written.with_digest(digest).exact()

    def at(self, digest: str) -> Target:
        """The same repository, by digest (a child of a manifest list)."""
        return Target(self.written.with_digest(digest), self.defaulted.with_digest(digest))

    def subject(self) -> Subject:
        return Subject(
            reference=str(self.defaulted),
            repository=str(self.defaulted.as_repository()),
            host=self.host,
        )


def resolve(spec: str | DockerImageReference, *, repository_only: bool = False) -> Target:
    """Parses and defaults a pull spec; a registry alone (`quay.io`) names no image and is refused."""
    if isinstance(spec, DockerImageReference):
        written = spec
    else:
        try:
            written = DockerImageReference.parse(spec)
        except ReferenceError as e:
            raise InvalidReference(f'invalid pull spec "{spec}": {e}') from None
    if not written.name:
        raise InvalidReference(f'invalid pull spec "{written.exact()}": a repository name is required')
    if repository_only:
        written = written.as_repository()
        defaulted = written.docker_client_defaults().as_repository()
    else:
        defaulted = written.docker_client_defaults()
    return Target(written, defaulted)
