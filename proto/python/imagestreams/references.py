"""Registry pull specs and digests, parsed the way OpenShift parses them.

`registry.example.com:5000/team/app:1.0`, `app@sha256:...`, `localhost/bar`. No defaults are applied when
parsing (no `docker.io`, no `library/`, no `latest`); rendering helpers add them where a consumer needs them.

Hand-written, beside the generated stubs: the server (its domain) and isctl both read pull specs, and this
package is the one both depend on. It imports only the standard library.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

_ALNUM = r"[a-z0-9]+"
# Separators inside a path component: '.', '_', '__' or any run of '-'.
_SEPARATOR = r"(?:[._]|__|-+)"
_NAME_COMPONENT = rf"{_ALNUM}(?:{_SEPARATOR}{_ALNUM})*"
_DOMAIN_COMPONENT = r"(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])"
_DOMAIN = rf"{_DOMAIN_COMPONENT}(?:\.{_DOMAIN_COMPONENT})*(?::[0-9]+)?"
_TAG = r"[\w][\w.-]{0,127}"
_DIGEST = r"[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}"
_NAME = rf"(?:{_DOMAIN}/)?{_NAME_COMPONENT}(?:/{_NAME_COMPONENT})*"
_REFERENCE_RE = re.compile(rf"({_NAME})(?::({_TAG}))?(?:@({_DIGEST}))?", re.ASCII)

NAME_TOTAL_MAX = 255
DOCKER_HUB_HOSTS = frozenset({"docker.io", "index.docker.io", "registry-1.docker.io"})

_DIGEST_FORMAT_RE = re.compile(r"[a-zA-Z0-9-_+.]+:[a-fA-F0-9]+")
DIGEST_HEX_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}


class ReferenceError(ValueError):
    """A pull spec or digest that does not parse; the message is the parser's rule."""


def validate_digest(value: str) -> str:
    """Returns the digest if it is `<alg>:<hex>` with a supported algorithm and the right length."""
    if not _DIGEST_FORMAT_RE.fullmatch(value):
        raise ReferenceError("invalid checksum digest format")
    algorithm, hex_part = value.split(":", 1)
    expected = DIGEST_HEX_LENGTHS.get(algorithm)
    if expected is None:
        raise ReferenceError("unsupported digest algorithm")
    if len(hex_part) != expected:
        raise ReferenceError("invalid checksum digest length")
    return value


def is_digest(value: str) -> bool:
    try:
        validate_digest(value)
    except ReferenceError:
        return False
    return True


@dataclass(frozen=True)
class DockerImageReference:
    """A parsed pull spec. `namespace` is the first path segment after the registry, `name` the rest."""

    registry: str = ""
    namespace: str = ""
    name: str = ""
    tag: str = ""
    id: str = ""

    @classmethod
    def parse(cls, spec: str) -> DockerImageReference:
        if not spec:
            raise ReferenceError("repository name must have at least one component")
        match = _REFERENCE_RE.fullmatch(spec)
        if match is None:
            if _REFERENCE_RE.fullmatch(spec.lower()):
                raise ReferenceError("repository name must be lowercase")
            raise ReferenceError("invalid reference format")
        full_name, tag, digest = match.group(1), match.group(2) or "", match.group(3) or ""
        if len(full_name) > NAME_TOTAL_MAX:
            raise ReferenceError(f"repository name must not be more than {NAME_TOTAL_MAX} characters")
        if digest:
            validate_digest(digest)

        registry, namespace, name = "", "", ""
        if "/" not in full_name:
            if "." in full_name or full_name.startswith("localhost"):
                # A bare host: `quay.io`, `localhost:5000` (the "tag" was the port).
                return cls(registry=full_name + (f":{tag}" if tag else ""), id=digest)
            name = full_name
        else:
            first, rest = full_name.split("/", 1)
            if ":" not in first and "." not in first and first != "localhost":
                name = full_name
            else:
                registry, name = first, rest
        if "/" in name:
            namespace, name = name.split("/", 1)
        return cls(registry=registry, namespace=namespace, name=name, tag=tag, id=digest)

    def name_string(self) -> str:
        if not self.name:
            return ""
        if self.id:
            return f"{self.name}@{self.id}" if is_digest(self.id) else f"{self.name}:{self.id}"
        return f"{self.name}:{self.tag}" if self.tag else self.name

    def exact(self) -> str:
        """The spec exactly as parsed, with no defaults."""
        parts = [p for p in (self.registry, self.namespace, self.name_string()) if p]
        return "/".join(parts)

    def __str__(self) -> str:
        if not self.namespace and self.registry in DOCKER_HUB_HOSTS:
            return replace(self, namespace="library").exact()
        return self.exact()

    def repository_name(self) -> str:
        return "/".join(p for p in (self.namespace, self.name) if p)

    def as_repository(self) -> DockerImageReference:
        return replace(self, tag="", id="")

    def with_digest(self, digest: str) -> DockerImageReference:
        """`repo@digest`: the most specific form, as an import or a pin records it."""
        return replace(self, tag="", id=digest)

    def docker_client_defaults(self) -> DockerImageReference:
        registry = self.registry or "docker.io"
        namespace = self.namespace
        if not namespace and registry in DOCKER_HUB_HOSTS:
            namespace = "library"
        tag = self.tag or ("" if self.id else "latest")
        return replace(self, registry=registry, namespace=namespace, tag=tag)


_BARE_HEX_RE = re.compile(r"[a-f0-9]{64}")


def image_pull_policy(image: str) -> str:
    """What Kubernetes defaults a container's imagePullPolicy to for this image: `Always` when its tag is
    `latest`, or when it has neither tag nor digest; `IfNotPresent` otherwise, and for what does not parse.

    The tag is read the way docker reads it (the text after a `:` in the last path segment), so
    `localhost:5000` is image `localhost` with tag `5000`, not a registry.
    """
    if _BARE_HEX_RE.fullmatch(image):
        return "IfNotPresent"
    try:
        DockerImageReference.parse(image)
    except ReferenceError:
        return "IfNotPresent"
    name, has_digest = image.split("@", 1)[0], "@" in image
    colon = name.rfind(":")
    tag = name[colon + 1 :] if colon > name.rfind("/") else ""
    if tag == "latest" or (not tag and not has_digest):
        return "Always"
    return "IfNotPresent"


def digest_matches(digest: str, query: str) -> bool:
    """True when `query` is a prefix of the digest, with or without its `sha256:` algorithm."""
    if not query:
        return False
    if digest.startswith(query):
        return True
    _, _, hex_part = digest.partition(":")
    return bool(hex_part) and hex_part.startswith(query)
