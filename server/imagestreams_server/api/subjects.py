"""Subjects (users, groups, service accounts) between their message and their domain form."""

from __future__ import annotations

from imagestreams.v1 import access_service_pb2 as api

from ..domain.errors import InvalidField
from ..domain.identity import Subject, SubjectKind

SUBJECT_KINDS = {
    api.SUBJECT_KIND_USER: SubjectKind.USER,
    api.SUBJECT_KIND_GROUP: SubjectKind.GROUP,
    api.SUBJECT_KIND_SERVICE_ACCOUNT: SubjectKind.SERVICE_ACCOUNT,
}
SUBJECT_KIND_VALUES = {v: k for k, v in SUBJECT_KINDS.items()}


def subject_or_none(message: api.Subject) -> Subject | None:
    """The subject a message names, or None when its kind is not set (the namespace counts only for a
    service account)."""
    kind = SUBJECT_KINDS.get(message.kind)
    if kind is None:
        return None
    return Subject(kind, message.name, message.namespace if kind is SubjectKind.SERVICE_ACCOUNT else "")


def subject_from_pb(message: api.Subject, field: str) -> Subject:
    subject = subject_or_none(message)
    if subject is None:
        raise InvalidField(f"{field}.kind", "subject kind is required: USER, GROUP or SERVICE_ACCOUNT")
    if not subject.name:
        raise InvalidField(f"{field}.name", "subject name is required")
    return subject


def subject_pb(subject: Subject) -> api.Subject:
    return api.Subject(kind=SUBJECT_KIND_VALUES[subject.kind], name=subject.name, namespace=subject.namespace)
