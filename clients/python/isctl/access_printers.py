"""Table columns of projects, identities, tokens and role bindings, as `oc get` lays them out, and
`oc describe clusterrole`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from imagestreams.v1 import access_service_pb2 as access_api
from imagestreams.v1 import project_service_pb2 as project_api

from .api_groups import qualified
from .humanize import human_duration, is_set, to_datetime
from .tabwriter import TabWriter

PROJECT_HEADERS = ("NAME", "DISPLAY NAME", "STATUS")
USER_HEADERS = ("NAME", "GROUPS", "AGE")
GROUP_HEADERS = ("NAME", "USERS")
SERVICE_ACCOUNT_HEADERS = ("NAME", "AGE")
TOKEN_HEADERS = ("NAME", "USER", "EXPIRES", "AGE")
ROLE_BINDING_HEADERS = ("NAME", "ROLE", "USERS", "GROUPS", "SERVICE ACCOUNTS")
CLUSTER_ROLE_HEADERS = ("NAME", "DESCRIPTION")

NEVER = "<never>"
NONE = "<none>"
DEFAULT_PROJECT_STATUS = "Active"


def age(created: Timestamp, now: datetime) -> str:
    return human_duration(now - to_datetime(created)) if is_set(created) else ""


def project_row(project: project_api.Project) -> list[str]:
    return [project.name, project.display_name, project.status or DEFAULT_PROJECT_STATUS]


def user_row(user: access_api.User, now: datetime) -> list[str]:
    return [user.name, ", ".join(user.groups), age(user.created, now)]


def group_row(group: access_api.Group) -> list[str]:
    return [group.name, ", ".join(group.users)]


def service_account_row(account: access_api.ServiceAccount, now: datetime) -> list[str]:
    return [account.name, age(account.created, now)]


def token_row(token: access_api.Token, now: datetime) -> list[str]:
    return [token.name, token.username, expiry(token.expires), age(token.created, now)]


def expiry(expires: Timestamp) -> str:
    """When a token expires, in UTC to the second, or `<never>`."""
    if not is_set(expires):
        return NEVER
    return to_datetime(expires).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def role_binding_row(binding: access_api.RoleBinding) -> list[str]:
    """Subjects by kind. A service account of the binding's own project is named alone, one of another
    project (or of a cluster role binding) as NAMESPACE/NAME, as oc prints them."""
    users, groups, accounts = [], [], []
    for subject in binding.subjects:
        if subject.kind == access_api.SUBJECT_KIND_GROUP:
            groups.append(subject.name)
        elif subject.kind == access_api.SUBJECT_KIND_SERVICE_ACCOUNT:
            same = binding.namespace and subject.namespace == binding.namespace
            accounts.append(subject.name if same else f"{subject.namespace}/{subject.name}")
        else:
            users.append(subject.name)
    return [binding.name, f"ClusterRole/{binding.role}", ", ".join(users), ", ".join(groups), ", ".join(accounts)]


def cluster_role_row(role: access_api.Role) -> list[str]:
    return [role.name, role.description]


def describe_cluster_role(role: access_api.Role) -> str:
    """`oc describe clusterrole NAME`: one PolicyRule line per resource, each resource named with its API
    group, laid out by kubectl's describe tabwriter (padding 2, spaces)."""
    annotations = f"openshift.io/description: {role.description}" if role.description else NONE
    lines = [
        f"Name:\t{role.name}",
        f"Labels:\t{NONE}",
        f"Annotations:\t{annotations}",
        "PolicyRule:",
        "  Resources\tNon-Resource URLs\tResource Names\tVerbs",
        "  ---------\t-----------------\t--------------\t-----",
    ]
    for resource, verbs in sorted(_resource_verbs(role.rules)):
        lines.append(f"  {resource}\t[]\t[]\t[{' '.join(verbs)}]")
    return TabWriter(minwidth=0, tabwidth=8, padding=2, padchar=" ").format("\n".join(lines) + "\n")


def _resource_verbs(rules: Sequence[access_api.PolicyRule]) -> list[tuple[str, tuple[str, ...]]]:
    return [(qualified(resource), tuple(rule.verbs)) for rule in rules for resource in rule.resources]
