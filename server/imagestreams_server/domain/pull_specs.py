"""Turning a tag into a pull spec, with OpenShift's rules (library-go `ResolvePullSpecForTag`, newest mode).

`repository` is the stream's repository as consumers reach it (`<registry>/<namespace>/<stream>`, or the
stream's own `docker_image_repository` when no registry hostname is configured); empty when it has none.
"""

from __future__ import annotations

from .history import TagEvent
from .names import DEFAULT_TAG
from .state import StreamState
from .tags import ReferencePolicy, SourceKind, TagSpec


def resolve_pull_spec(state: StreamState, tag: str, repository: str) -> str:
    """What a client pulls for `tag` (empty means `latest`): the current image with the reference policy
    applied; or, while the tag has no image at its spec's generation (an import pending or failed, a source
    with no image yet), what the spec says: a registry source under `Source` policy is pulled from the
    registry, anything else through the stream's repository by tag (`<repository>:<tag>`). Empty when
    nothing pullable can be named."""
    tag = tag or DEFAULT_TAG
    spec = state.spec_tags.get(tag)
    current = state.current(tag)
    if current is not None and not spec_is_newer(spec, current):
        return apply_reference_policy(spec, current, repository)
    source = spec.source if spec is not None else None
    from_registry = source.name if source is not None and source.kind is SourceKind.DOCKER_IMAGE else ""
    if from_registry and spec is not None and spec.reference_policy is ReferencePolicy.SOURCE:
        return from_registry
    if repository:
        return f"{repository}:{tag}"
    # `Local` with no repository to pull through falls back to the source, as it does for an image.
    return from_registry


def current_pull_spec(state: StreamState, tag: str, repository: str) -> str:
    """The pull spec of the tag's current image (the last one recorded, even if the spec has moved on since),
    with the reference policy applied; empty when the tag has no image. This is what an image stream tag's
    image carries (OpenShift's `ResolveLatestTaggedImage`)."""
    tag = tag or DEFAULT_TAG
    current = state.current(tag)
    if current is None:
        return ""
    return apply_reference_policy(state.spec_tags.get(tag), current, repository)


def spec_is_newer(spec: TagSpec | None, current: TagEvent) -> bool:
    """Whether the spec tag was changed after its current image was recorded (a newer generation)."""
    return spec is not None and spec.generation > current.generation


def apply_reference_policy(spec: TagSpec | None, event: TagEvent, repository: str) -> str:
    """`Local` pulls the image by digest through the stream's repository, when there is one and the event has
    an image (a `reference` tag has none); otherwise, and under `Source`, the event's own pull spec."""
    local = spec is not None and spec.reference_policy is ReferencePolicy.LOCAL
    if local and repository and event.image:
        return f"{repository}@{event.image}"
    return event.docker_image_reference


def public_form(pull_spec: str, registry_hostname: str, public_hostname: str) -> str:
    """A pull spec as seen from outside: the integrated registry's host replaced by its public one. Pull specs
    of other registries are the same from everywhere."""
    if registry_hostname and pull_spec.startswith(f"{registry_hostname}/"):
        return f"{public_hostname}/{pull_spec[len(registry_hostname) + 1 :]}"
    return pull_spec
