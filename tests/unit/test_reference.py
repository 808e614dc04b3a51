"""Pull specs parsed the OpenShift way (semantics §2.6) and rendered back (§2.7)."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from imagestreams_server.domain.errors import InvalidField
from imagestreams_server.domain.reference import DockerImageReference, ReferenceError, parse_pull_spec

from .builders import digest

R = DockerImageReference
HEX64 = "f" * 64
SHA = f"sha256:{HEX64}"


def parse(spec: str) -> DockerImageReference:
    return DockerImageReference.parse(spec)


# -- splitting into registry / namespace / name / tag / id -----------------------------------------------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        # A bare host is a registry only; the "tag" of `localhost:5000` is its port.
        ("localhost:5000", R(registry="localhost:5000")),
        ("quay.io", R(registry="quay.io")),
        ("quay.io:443", R(registry="quay.io:443")),
        ("localhost", R(registry="localhost")),
        # No host: the first segment is the namespace and the rest stays in the name.
        ("foo", R(name="foo")),
        ("foo:tag", R(name="foo", tag="tag")),
        ("foo:5000", R(name="foo", tag="5000")),
        ("bar/foo", R(namespace="bar", name="foo")),
        ("bar/foo/baz", R(namespace="bar", name="foo/baz")),
        # A first segment with '.' or ':' or exactly `localhost` is a registry.
        ("localhost/bar", R(registry="localhost", name="bar")),
        ("bar:5000/baz", R(registry="bar:5000", name="baz")),
        ("docker.io/myapp", R(registry="docker.io", name="myapp")),
        ("docker.io/library/myapp", R(registry="docker.io", namespace="library", name="myapp")),
        ("docker.io/user/project/myapp", R(registry="docker.io", namespace="user", name="project/myapp")),
        ("localhostx/bar", R(namespace="localhostx", name="bar")),
        # `sha256:<hex>` alone is a name and a tag.
        (f"sha256:{HEX64}", R(name="sha256", tag=HEX64)),
        (f"foo@{SHA}", R(name="foo", id=SHA)),
        (
            f"registry.example.com:5000/team/app:1.0@{SHA}",
            R(registry="registry.example.com:5000", namespace="team", name="app", tag="1.0", id=SHA),
        ),
        # Separators inside a component: '.', '_', '__' or any run of '-'.
        ("a__b", R(name="a__b")),
        ("a---b", R(name="a---b")),
        ("a.b-c_d/e", R(registry="a.b-c_d", name="e")),
        ("my_ns/my.app", R(namespace="my_ns", name="my.app")),
        # Registry hosts may carry uppercase letters; tags may too.
        ("Quay.io/foo:TAG", R(registry="Quay.io", name="foo", tag="TAG")),
    ],
)
def test_parse_splits_the_spec_without_defaults(spec: str, expected: DockerImageReference) -> None:
    assert parse(spec) == expected


def test_registry_only_spec_keeps_its_port_and_drops_the_tag() -> None:
    ref = parse("quay.io:tag")
    assert ref.registry == "quay.io:tag"
    assert ref.tag == ""
    assert ref.name == ""


def test_empty_spec_has_no_component() -> None:
    with pytest.raises(ReferenceError, match="repository name must have at least one component"):
        parse("")


@pytest.mark.parametrize("spec", ["Foo", "FOO:tag", "foo/Bar", "quay.io/Team/app"])
def test_uppercase_path_is_reported_as_such(spec: str) -> None:
    with pytest.raises(ReferenceError, match="repository name must be lowercase"):
        parse(spec)


@pytest.mark.parametrize(
    "spec",
    [
        "https://x",
        "https://quay.io/foo",
        "ftp://x",
        "a//b",
        "a/",
        "quay.io/",
        "/a",
        ":tag",
        "a:",
        "a@",
        f"@{SHA}",
        "x@sha256:bad",
        "abc@badid",
        "a___b",
        "a..b",
        "a.-b",
        "-a",
        "a-",
        "a:b:c",
        "a b",
        "[::1]/foo",
        "foo:t\u00e9g",
        "foo:" + "t" * 129,
        "-host.io/foo",
    ],
)
def test_invalid_reference_format(spec: str) -> None:
    with pytest.raises(ReferenceError) as raised:
        parse(spec)
    assert str(raised.value) == "invalid reference format"


def test_a_digest_of_32_zeros_passes_the_grammar_but_has_the_wrong_length() -> None:
    with pytest.raises(ReferenceError) as raised:
        parse("x@sha256:" + "0" * 32)
    assert str(raised.value) == "invalid checksum digest length"


def test_a_digest_with_fewer_than_32_hex_digits_is_a_format_error() -> None:
    with pytest.raises(ReferenceError) as raised:
        parse("x@sha256:" + "0" * 31)
    assert str(raised.value) == "invalid reference format"


@pytest.mark.parametrize("algorithm", ["sha256", "sha384", "sha512"])
def test_supported_digest_algorithms_in_a_spec(algorithm: str) -> None:
    d = digest("abc", algorithm)
    assert parse(f"quay.io/a/b@{d}").id == d


def test_unsupported_algorithm_in_a_spec() -> None:
    with pytest.raises(ReferenceError, match="unsupported digest algorithm"):
        parse("x@md5:" + "0" * 32)


def test_name_limit_counts_the_registry_host() -> None:
    host = "quay.io/"
    assert parse(host + "a" * (255 - len(host))).name == "a" * 247
    with pytest.raises(ReferenceError, match="repository name must not be more than 255 characters"):
        # The path alone is only 248 characters: the host makes it too long.
        parse(host + "a" * (256 - len(host)))


def test_name_limit_ignores_tag_and_digest() -> None:
    name = "a" * 255
    assert parse(f"{name}:{'t' * 128}@{SHA}").name == name
    with pytest.raises(ReferenceError, match="not be more than 255"):
        parse("a" * 256)


def test_parse_pull_spec_reports_an_invalid_field() -> None:
    with pytest.raises(InvalidField) as raised:
        parse_pull_spec("Foo", "source.name")
    assert raised.value.field == "source.name"
    assert raised.value.message == 'invalid pull spec "Foo": repository name must be lowercase'
    assert parse_pull_spec("foo:1", "x") == R(name="foo", tag="1")


# -- rendering (§2.7) ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("spec", "exact"),
    [
        ("foo", "foo"),
        ("foo:1", "foo:1"),
        ("bar/foo/baz:1", "bar/foo/baz:1"),
        ("quay.io/team/app", "quay.io/team/app"),
        ("localhost:5000", "localhost:5000"),
        # The digest wins over the tag.
        (f"repo:latest@{SHA}", f"repo@{SHA}"),
        (f"quay.io/team/app:1@{SHA}", f"quay.io/team/app@{SHA}"),
    ],
)
def test_exact_renders_without_defaults(spec: str, exact: str) -> None:
    assert parse(spec).exact() == exact


def test_name_string_treats_a_non_digest_id_as_a_legacy_tag() -> None:
    assert R(name="app", id="abc123").name_string() == "app:abc123"
    assert R(name="app", id=SHA, tag="1").name_string() == f"app@{SHA}"
    assert R(name="app", tag="1").name_string() == "app:1"
    assert R(registry="quay.io", tag="1").name_string() == ""


@pytest.mark.parametrize(
    ("spec", "rendered"),
    [
        ("docker.io/myapp", "docker.io/library/myapp"),
        ("index.docker.io/myapp:1", "index.docker.io/library/myapp:1"),
        ("registry-1.docker.io/myapp", "registry-1.docker.io/library/myapp"),
        ("docker.io/user/myapp", "docker.io/user/myapp"),
        # Never when there is no registry, nor on other registries.
        ("myapp", "myapp"),
        ("quay.io/myapp", "quay.io/myapp"),
    ],
)
def test_str_inserts_library_on_docker_hub_only(spec: str, rendered: str) -> None:
    assert str(parse(spec)) == rendered


def test_docker_client_defaults() -> None:
    assert parse("openshift").docker_client_defaults() == R("docker.io", "library", "openshift", "latest")
    assert parse("quay.io/app").docker_client_defaults() == R("quay.io", "", "app", "latest")
    assert parse("team/app:1").docker_client_defaults() == R("docker.io", "team", "app", "1")
    # A digest is enough: no `latest` is added.
    assert parse(f"app@{SHA}").docker_client_defaults() == R("docker.io", "library", "app", "", SHA)


def test_repository_helpers() -> None:
    ref = parse(f"quay.io/team/app:1@{SHA}")
    assert ref.repository_name() == "team/app"
    assert ref.as_repository() == R("quay.io", "team", "app")
    assert ref.as_repository().exact() == "quay.io/team/app"
    assert parse("quay.io/team/app:1").with_digest(SHA).exact() == f"quay.io/team/app@{SHA}"
    assert parse("app").repository_name() == "app"
    assert parse("bar/foo/baz").repository_name() == "bar/foo/baz"


# -- properties ------------------------------------------------------------------------------------------

_alnum = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=4)
_separator = st.sampled_from([".", "_", "__", "-", "---"])


@st.composite
def _components(draw: st.DrawFn) -> str:
    parts = [draw(_alnum)]
    for _ in range(draw(st.integers(0, 2))):
        parts += [draw(_separator), draw(_alnum)]
    return "".join(parts)


_host_label = st.from_regex(r"[a-zA-Z0-9]([a-zA-Z0-9-]{0,4}[a-zA-Z0-9])?", fullmatch=True)
_registry = st.one_of(
    st.just("localhost"),
    st.builds(lambda a, b: f"{a}.{b}", _host_label, _host_label),
    st.builds(lambda h, p: f"{h}:{p}", _host_label, st.integers(1, 65535)),
)
_tag = st.from_regex(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,10}", fullmatch=True)
_digest = st.sampled_from([("sha256", 64), ("sha384", 96), ("sha512", 128)]).flatmap(
    lambda alg: st.text(alphabet="0123456789abcdefABCDEF", min_size=alg[1], max_size=alg[1]).map(
        lambda hex_part: f"{alg[0]}:{hex_part}"
    )
)


@st.composite
def valid_specs(draw: st.DrawFn) -> str:
    path = "/".join(draw(st.lists(_components(), min_size=1, max_size=3)))
    registry = draw(st.one_of(st.just(""), _registry))
    name = f"{registry}/{path}" if registry else path
    suffix = draw(st.one_of(st.just(""), _tag.map(lambda t: f":{t}"), _digest.map(lambda d: f"@{d}")))
    return name + suffix


@given(valid_specs())
def test_exact_of_a_parsed_spec_parses_to_the_same_reference(spec: str) -> None:
    ref = parse(spec)
    # A bare host with a digest (`quay.io@sha256:...`) has no name to put the digest on: see
    # tests/unit/test_tag_resolution.py for what that does to a pinned source.
    assume(ref.name or not ref.id)
    assert parse(ref.exact()) == ref


@given(valid_specs())
def test_exact_gives_back_a_spec_with_either_a_tag_or_a_digest_unchanged(spec: str) -> None:
    ref = parse(spec)
    assume(ref.name or not ref.id)
    assert ref.exact() == spec


@given(st.lists(_components(), min_size=1, max_size=3), st.one_of(st.just(""), _registry), _tag, _digest)
def test_a_spec_with_tag_and_digest_renders_with_the_digest_only(
    path: list[str], registry: str, tag: str, d: str
) -> None:
    base = "/".join([registry, *path] if registry else path)
    assume(parse(base).name)
    both = parse(f"{base}:{tag}@{d}")
    assert (both.tag, both.id) == (tag, d)
    assert both.exact() == f"{base}@{d}"


@given(st.text(max_size=40))
def test_parse_either_succeeds_or_raises_reference_error(spec: str) -> None:
    try:
        ref = parse(spec)
    except ReferenceError as e:
        assert str(e)
    else:
        assert ref.registry or ref.name
