"""What users type for the access commands, read without a server: subjects (`alice`, `sa/NAME`,
`system:serviceaccount:NS:NAME`, `-z`), Go durations, OpenShift's boolean flags, and resource names."""

from __future__ import annotations

import argparse
from datetime import timedelta

import pytest
from imagestreams.v1 import access_service_pb2 as access_api
from isctl.api_groups import plural, qualified
from isctl.booleans import add_bool_flag, attach_bool_values, parse_bool
from isctl.durations import parse_go_duration
from isctl.errors import UsageError, UserInputError
from isctl.main import build_parser
from isctl.refs import (
    CLUSTER_ROLE,
    CLUSTER_ROLE_BINDING,
    IMAGE_STREAM,
    PROJECT,
    ROLE_BINDING,
    SERVICE_ACCOUNT,
    TOKEN,
    resource_type,
)
from isctl.subjects import parse_token_subject, parse_username, service_accounts, username

USER = access_api.SUBJECT_KIND_USER
SA = access_api.SUBJECT_KIND_SERVICE_ACCOUNT


def subject(kind: int, name: str, namespace: str = "") -> tuple[int, str, str]:
    return (kind, name, namespace)


def as_tuple(value: access_api.Subject) -> tuple[int, str, str]:
    return (value.kind, value.name, value.namespace)


# -- subjects --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("alice", subject(USER, "alice")),
        ("alice@example.com", subject(USER, "alice@example.com")),
        ("system:serviceaccount:project-a:default", subject(SA, "default", "project-a")),
    ],
)
def test_who_is_a_user_or_a_service_account_username(typed: str, expected: tuple[int, str, str]) -> None:
    parsed = parse_username(typed)
    assert as_tuple(parsed) == expected
    assert username(parsed) == typed  # and reads back the same


@pytest.mark.parametrize(
    "typed",
    [
        "system:serviceaccount:",
        "system:serviceaccount:ns",
        "system:serviceaccount:ns:",
        "system:serviceaccount:a:b:c",
        "",
    ],
)
def test_a_malformed_service_account_username_is_refused(typed: str) -> None:
    with pytest.raises(UserInputError):
        parse_username(typed)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("alice", subject(USER, "alice")),
        ("user/alice", subject(USER, "alice")),
        ("sa/builder", subject(SA, "builder", "team")),
        ("serviceaccount/builder", subject(SA, "builder", "team")),
        ("serviceaccounts/builder", subject(SA, "builder", "team")),
        ("SA/builder", subject(SA, "builder", "team")),
        ("system:serviceaccount:other:deployer", subject(SA, "deployer", "other")),
    ],
)
def test_whom_a_token_is_for(typed: str, expected: tuple[int, str, str]) -> None:
    assert as_tuple(parse_token_subject(typed, "team")) == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("sa/", "names no one"),
        ("sa/a/b", "names no one"),
        ("pod/builder", 'unknown kind "pod"'),
    ],
)
def test_token_subjects_that_name_no_one(typed: str, message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        parse_token_subject(typed, "team")


def test_dash_z_takes_repeated_and_comma_separated_names_in_the_namespace() -> None:
    parsed = [as_tuple(s) for s in service_accounts(["default,builder", "deployer", ""], "team")]
    assert parsed == [subject(SA, "default", "team"), subject(SA, "builder", "team"), subject(SA, "deployer", "team")]


# -- durations -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("90m", timedelta(minutes=90)),
        ("1.5h", timedelta(hours=1, minutes=30)),
        ("45s", timedelta(seconds=45)),
        ("300ms", timedelta(milliseconds=300)),
        ("1h0m0s", timedelta(hours=1)),
        ("2h45m30.5s", timedelta(hours=2, minutes=45, seconds=30.5)),
        ("1.h.5m", timedelta(hours=1, seconds=30)),  # Go reads "1." and ".5" as numbers
        ("1500us", timedelta(microseconds=1500)),
        ("1500µs", timedelta(microseconds=1500)),
        ("0", timedelta(0)),
        ("+10m", timedelta(minutes=10)),
        ("-10m", -timedelta(minutes=10)),
        (" 8h ", timedelta(hours=8)),
    ],
)
def test_go_durations(typed: str, expected: timedelta) -> None:
    assert parse_go_duration(typed) == expected


@pytest.mark.parametrize("typed", ["", "1", "h", "1d", "1h30", "1 h", "one hour", "1hm", "--1h", ".h", "1.5.5h"])
def test_what_go_would_not_read_as_a_duration(typed: str) -> None:
    with pytest.raises(UserInputError, match=f'invalid --duration "{typed}"'):
        parse_go_duration(typed)


# -- boolean flags ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("typed", "value"), [("true", True), ("1", True), ("T", True), ("false", False), ("0", False)])
def test_boolean_values_as_go_reads_them(typed: str, value: bool) -> None:
    assert parse_bool(typed) is value


def test_a_boolean_value_that_is_neither() -> None:
    with pytest.raises(argparse.ArgumentTypeError, match='invalid boolean value "yes"'):
        parse_bool("yes")


def demo_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add_bool_flag(parser, "-q", "--quiet-demo", help="demo")
    parser.add_argument("words", nargs="*")
    return parser


@pytest.mark.parametrize(
    ("argv", "quiet", "words"),
    [
        ([], False, []),
        (["--quiet-demo"], True, []),
        (["--quiet-demo=true"], True, []),
        (["--quiet-demo=false"], False, []),
        (["-q"], True, []),
        # The next word is never taken as the flag's value.
        (["--quiet-demo", "get"], True, ["get"]),
        (["--quiet-demo", "false"], True, ["false"]),
        (["-q", "get"], True, ["get"]),
        # After `--`, nothing is an option.
        (["--", "--quiet-demo"], False, ["--quiet-demo"]),
    ],
)
def test_boolean_flags_take_flag_true_and_false(argv: list[str], quiet: bool, words: list[str]) -> None:
    parser = demo_parser()
    args = parser.parse_args(attach_bool_values(argv))
    assert (args.quiet_demo, args.words) == (quiet, words)


def test_insecure_skip_tls_verify_before_a_verb_does_not_swallow_it() -> None:
    args = build_parser().parse_args(attach_bool_values(["--insecure-skip-tls-verify", "get", "is"]))
    assert (args.insecure_skip_tls_verify, args.verb, args.resource) == (True, "get", "is")
    args = build_parser().parse_args(attach_bool_values(["get", "--insecure-skip-tls-verify=false", "is"]))
    assert (args.insecure_skip_tls_verify, args.resource) == (False, "is")
    assert build_parser().parse_args(["get", "is"]).insecure_skip_tls_verify is None  # not given


def test_the_verbs_flags_after_the_verb() -> None:
    parser = build_parser()
    args = parser.parse_args(attach_bool_values(["whoami", "--show-server"]))
    assert (args.show_server, args.show_token) == (True, False)
    args = parser.parse_args(
        attach_bool_values(["policy", "add-role-to-user", "edit", "alice", "-z", "a,b", "-z", "c"])
    )
    assert (args.role, args.names, args.serviceaccount) == ("edit", ["alice"], ["a,b", "c"])
    args = parser.parse_args(["create", "token", "sa/builder", "--duration=1h30m", "-n", "team"])
    assert (args.resource, args.name, args.duration, args.namespace) == ("token", "sa/builder", "1h30m", "team")
    args = parser.parse_args(["auth", "can-i", "get", "imagestreams/layers", "--as", "system:serviceaccount:a:b"])
    # The verb asked about is not the command's verb (`isctl auth can-i serve x` must not start a server).
    assert (args.verb, args.action, args.resource) == ("auth", "get", "imagestreams/layers")
    assert args.as_user == "system:serviceaccount:a:b"
    args = parser.parse_args(["policy", "who-can", "serve", "imagestreams"])
    assert (args.verb, args.action) == ("policy", "serve")


# -- resources -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("projects", PROJECT),
        ("project.project.openshift.io", PROJECT),
        ("sa", SERVICE_ACCOUNT),
        ("serviceaccounts", SERVICE_ACCOUNT),
        ("tokens", TOKEN),
        ("useroauthaccesstokens", TOKEN),
        ("rolebindings.rbac.authorization.k8s.io", ROLE_BINDING),
        ("clusterrolebinding", CLUSTER_ROLE_BINDING),
        ("clusterroles", CLUSTER_ROLE),
        ("is", IMAGE_STREAM),
    ],
)
def test_resource_spellings(typed: str, canonical: str) -> None:
    allowed = (IMAGE_STREAM, PROJECT, SERVICE_ACCOUNT, TOKEN, ROLE_BINDING, CLUSTER_ROLE_BINDING, CLUSTER_ROLE)
    assert resource_type(typed, allowed) == canonical


def test_an_unknown_resource_names_the_choices() -> None:
    with pytest.raises(UsageError, match='unknown resource type "pods"'):
        resource_type("pods", (IMAGE_STREAM, PROJECT))


@pytest.mark.parametrize(
    ("typed", "access_check", "shown"),
    [
        ("is", "imagestreams", "imagestreams.image.openshift.io"),
        ("imagestream", "imagestreams", "imagestreams.image.openshift.io"),
        ("imagestreams/layers", "imagestreams/layers", "imagestreams.image.openshift.io/layers"),
        ("imagestreams.image.openshift.io", "imagestreams", "imagestreams.image.openshift.io"),
        ("secret", "secrets", "secrets"),
        ("sa", "serviceaccounts", "serviceaccounts"),
        ("rolebinding", "rolebindings", "rolebindings.rbac.authorization.k8s.io"),
        ("*", "*", "*.*"),
        ("widgets", "widgets", "widgets"),
    ],
)
def test_resources_for_access_checks_and_as_oc_prints_them(typed: str, access_check: str, shown: str) -> None:
    assert plural(typed) == access_check
    assert qualified(plural(typed)) == shown
