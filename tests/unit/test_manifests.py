"""Reading definition files: YAML (one or several documents) or JSON, from a path or stdin, every problem
reported with the file and the path inside it."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from isctl.manifests import ManifestError, read_manifest


def stream_yaml(name: str, extra: str = "") -> str:
    return f"apiVersion: v1\nkind: ImageStream\nmetadata:\n  name: {name}\n{extra}"


def failure(path: Path | str, stdin: str | None = None) -> list[str]:
    with pytest.raises(ManifestError) as raised:
        read_manifest(str(path), io.StringIO(stdin) if stdin is not None else None)
    return raised.value.lines


def test_several_yaml_documents_are_read_and_placed(tmp_path: Path) -> None:
    path = tmp_path / "two.yaml"
    path.write_text(stream_yaml("a") + "---\n" + stream_yaml("b", "  labels: {x: y}\n") + "---\n")
    manifest = read_manifest(str(path))
    assert [(d.stream.name, d.path) for d in manifest.streams] == [("a", "documents[0]"), ("b", "documents[1]")]
    assert manifest.warnings == [f"{path}: documents[1].metadata.labels: ignored: image streams here carry no labels"]
    assert manifest.where(manifest.streams[1], "spec.tags[0]") == f"{path}: documents[1].spec.tags[0]"

    path.write_text(stream_yaml("a") + "---\n" + stream_yaml("b", "spec: {tagz: 1}\n"))
    assert failure(path) == [f"{path}: documents[1].spec.tagz: unknown field"]


def test_stdin_is_read_and_named_in_messages() -> None:
    manifest = read_manifest("-", io.StringIO('{"apiVersion": "v1", "kind": "ImageStream", "metadata": {"name": "j"}}'))
    assert manifest.source == "<stdin>" and manifest.streams[0].stream.name == "j"
    assert failure("-", "kind: ImageStream\n") == [
        "<stdin>: apiVersion: required field is missing",
        "<stdin>: metadata.name: required field is missing",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "no image streams in the file"),
        ("apiVersion: v1\nkind: List\nitems: []\n", "no image streams in the file"),
        ("a: [", "invalid YAML at line 1, column 5: expected the node content, but found '<stream end>'"),
        ('{"kind": ', "invalid JSON: Expecting value: line 1 column 10 (char 9)"),
        (stream_yaml("a") + "---\n" + stream_yaml("a"), 'documents[1].metadata.name: image stream "a" is also defined'),
    ],
)
def test_unusable_files(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(text)
    (line,) = failure(path)
    assert line.startswith(f"{path}: {message}")


def test_a_missing_file(tmp_path: Path) -> None:
    assert failure(tmp_path / "nope.yaml") == [f"{tmp_path / 'nope.yaml'}: No such file or directory"]
