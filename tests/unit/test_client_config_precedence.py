"""Where each setting of a command comes from: flag > environment > the configuration file's context >
default, setting by setting (`isctl/settings.py`), with the flags read from a real command line."""

from __future__ import annotations

import pytest
from imagestreams_client import TLSConfig
from isctl.booleans import attach_bool_values
from isctl.config import ClientConfig, ContextEntry
from isctl.errors import UserInputError
from isctl.global_flags import GlobalFlags
from isctl.main import build_parser
from isctl.settings import FROM_CONTEXT, FROM_ENV, FROM_FLAG, Settings, resolve

CONTEXT_TOKEN = "ist_context"
ENV_TOKEN = "ist_environment"
FLAG_TOKEN = "ist_flag"

CONFIG = ClientConfig(
    current_context="current",
    contexts=[
        ContextEntry(
            "current",
            "ctx.example.com:443",
            "ctx-ns",
            CONTEXT_TOKEN,
            certificate_authority="/ctx/ca.crt",
            client_certificate="/ctx/me.crt",
            client_key="/ctx/me.key",
        ),
        ContextEntry("other", "other.example.com:443", "other-ns", "ist_other", insecure_skip_tls_verify=True),
    ],
)


def flags(*argv: str) -> GlobalFlags:
    """The global flags of a whole command line, as main parses it."""
    return GlobalFlags.from_args(build_parser().parse_args(attach_bool_values(argv)))


def test_defaults_without_flags_environment_or_configuration() -> None:
    settings = resolve(flags("get", "is"), {}, ClientConfig())
    assert settings == Settings(server="127.0.0.1:50051", namespace="default")
    assert settings.tls() is None and settings.token == "" and settings.context == ""


def test_the_current_context_fills_in_what_flags_and_environment_leave_out() -> None:
    settings = resolve(flags("get", "is"), {}, CONFIG)
    assert (settings.server, settings.namespace, settings.token) == ("ctx.example.com:443", "ctx-ns", CONTEXT_TOKEN)
    assert settings.token_source == FROM_CONTEXT and settings.context == "current"
    assert settings.tls() == TLSConfig(
        ca_file="/ctx/ca.crt", client_cert_file="/ctx/me.crt", client_key_file="/ctx/me.key"
    )


def test_the_environment_beats_the_context() -> None:
    environ = {"ISCTL_SERVER": "env:1", "ISCTL_NAMESPACE": "env-ns", "ISCTL_TOKEN": ENV_TOKEN}
    settings = resolve(flags("get", "is"), environ, CONFIG)
    assert (settings.server, settings.namespace, settings.token) == ("env:1", "env-ns", ENV_TOKEN)
    assert settings.token_source == FROM_ENV
    # What the environment does not set still comes from the context.
    assert settings.certificate_authority == "/ctx/ca.crt"


def test_flags_beat_the_environment_before_or_after_the_verb() -> None:
    environ = {"ISCTL_SERVER": "env:1", "ISCTL_NAMESPACE": "env-ns", "ISCTL_TOKEN": ENV_TOKEN}
    for argv in (
        ("--server", "flag:1", "-n", "flag-ns", f"--token={FLAG_TOKEN}", "get", "is"),
        ("get", "is", "--server", "flag:1", "-n", "flag-ns", f"--token={FLAG_TOKEN}"),
        ("-n", "flag-ns", "get", "--server=flag:1", "is", "--token", FLAG_TOKEN),
    ):
        settings = resolve(flags(*argv), environ, CONFIG)
        assert (settings.server, settings.namespace, settings.token, settings.token_source) == (
            "flag:1",
            "flag-ns",
            FLAG_TOKEN,
            FROM_FLAG,
        ), argv


def test_each_setting_on_its_own() -> None:
    # Only the namespace is given: the server and token still come from the context.
    settings = resolve(flags("get", "is", "-n", "team"), {"ISCTL_TOKEN": ENV_TOKEN}, CONFIG)
    assert (settings.server, settings.namespace, settings.token) == ("ctx.example.com:443", "team", ENV_TOKEN)


def test_empty_values_count_as_unset() -> None:
    environ = {"ISCTL_SERVER": "", "ISCTL_NAMESPACE": "", "ISCTL_TOKEN": "  "}
    settings = resolve(flags("get", "is", "--token="), environ, CONFIG)
    assert (settings.server, settings.namespace, settings.token) == ("ctx.example.com:443", "ctx-ns", CONTEXT_TOKEN)


def test_a_token_is_stripped_of_surrounding_whitespace() -> None:
    # `ISCTL_TOKEN=$(cat admin.token)` keeps no newline, but a file read otherwise might.
    assert resolve(flags("get", "is"), {"ISCTL_TOKEN": f"{ENV_TOKEN}\n"}, ClientConfig()).token == ENV_TOKEN


def test_context_chooses_another_context_than_the_current_one() -> None:
    settings = resolve(flags("--context", "other", "get", "is"), {}, CONFIG)
    assert (settings.server, settings.namespace, settings.token, settings.context) == (
        "other.example.com:443",
        "other-ns",
        "ist_other",
        "other",
    )
    assert settings.tls() == TLSConfig(insecure_skip_verify=True)
    with pytest.raises(UserInputError, match='context "nope" does not exist'):
        resolve(flags("get", "is", "--context=nope"), {}, CONFIG)


def test_a_current_context_that_names_no_context_is_ignored() -> None:
    dangling = ClientConfig(current_context="gone", contexts=list(CONFIG.contexts))
    assert resolve(flags("get", "is"), {}, dangling) == Settings()


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (("get", "is"), True),  # from the context
        (("get", "is", "--insecure-skip-tls-verify=false"), False),
        (("--insecure-skip-tls-verify=false", "get", "is"), False),
        (("get", "is", "--insecure-skip-tls-verify"), True),
    ],
)
def test_a_boolean_flag_overrides_the_context_both_ways(argv: tuple[str, ...], expected: bool) -> None:
    settings = resolve(flags("--context=other", *argv), {}, CONFIG)
    assert settings.insecure_skip_tls_verify is expected


def test_tls_flags_override_the_context_one_by_one() -> None:
    settings = resolve(flags("get", "is", "--certificate-authority", "/flag/ca.crt"), {}, CONFIG)
    assert settings.tls() == TLSConfig(
        ca_file="/flag/ca.crt", client_cert_file="/ctx/me.crt", client_key_file="/ctx/me.key"
    )
    plain = resolve(flags("get", "is", "--client-certificate=/c", "--client-key=/k"), {}, ClientConfig())
    assert plain.tls() == TLSConfig(client_cert_file="/c", client_key_file="/k")


def test_no_settings_repr_shows_the_token() -> None:
    settings = resolve(flags("get", "is", f"--token={FLAG_TOKEN}"), {}, CONFIG)
    assert FLAG_TOKEN not in repr(settings) and FLAG_TOKEN not in repr(flags(f"--token={FLAG_TOKEN}", "get", "is"))
