"""Resources as OpenShift qualifies them with their API group (`imagestreams.image.openshift.io`), which is
how `oc policy who-can` and `oc describe clusterrole` print them."""

from __future__ import annotations

_GROUPS = {
    "image.openshift.io": (
        "imagestreams",
        "imagestreamtags",
        "imagestreamimages",
        "imagestreamimports",
        "imagestreammappings",
        "images",
    ),
    "project.openshift.io": ("projects", "projectrequests"),
    "user.openshift.io": ("users", "groups", "identities"),
    "oauth.openshift.io": ("oauthaccesstokens", "useroauthaccesstokens"),
    "rbac.authorization.k8s.io": ("roles", "rolebindings", "clusterroles", "clusterrolebindings"),
    "authorization.openshift.io": ("localresourceaccessreviews", "resourceaccessreviews", "subjectaccessreviews"),
}
_GROUP_OF = {resource: group for group, resources in _GROUPS.items() for resource in resources}


def qualified(resource: str) -> str:
    """`imagestreams/layers` -> `imagestreams.image.openshift.io/layers`; core resources (`secrets`) and
    resources this table does not know stay as they are; `*` is `*.*`."""
    if resource == "*":
        return "*.*"
    base, slash, subresource = resource.partition("/")
    group = _GROUP_OF.get(base)
    if group is None:
        return resource
    return f"{base}.{group}{slash}{subresource}"


# The spellings users type for resources, by the plural name access checks use (as kubectl's RESTMapper
# turns `is` or `imagestream` into `imagestreams`).
_PLURALS = {
    "imagestreams": ("is", "imagestream"),
    "imagestreamtags": ("istag", "imagestreamtag"),
    "imagestreamimages": ("isimage", "imagestreamimage"),
    "secrets": ("secret",),
    "serviceaccounts": ("sa", "serviceaccount"),
    "projects": ("project",),
    "users": ("user",),
    "groups": ("group",),
    "roles": ("role",),
    "rolebindings": ("rolebinding",),
    "clusterroles": ("clusterrole",),
    "clusterrolebindings": ("clusterrolebinding",),
}
_PLURAL_OF = {alias: plural for plural, aliases in _PLURALS.items() for alias in aliases}


def plural(resource: str) -> str:
    """`is` -> `imagestreams`, `sa/token` -> `serviceaccounts/token`; a group suffix is dropped
    (`imagestreams.image.openshift.io` -> `imagestreams`); anything else stays as typed."""
    base, slash, subresource = resource.partition("/")
    base = base.lower()
    for group in _GROUPS:
        base = base.removesuffix(f".{group}")
    return f"{_PLURAL_OF.get(base, base)}{slash}{subresource}"
