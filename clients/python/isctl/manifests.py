"""Reading definition files (`-f FILE`, `-f -` for stdin): YAML or JSON, one document or several.

Problems are reported the way users fix them: the file, then the path inside it
(`ruby.yaml: spec.tags[1].from.kind: unknown value "Foo"`).
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from typing import Any, TextIO

import yaml

from .context import Context
from .errors import UserInputError
from .openshift_shape import Problem, ShapeError, StreamDefinition, read_definitions

STDIN = "-"


class ManifestError(Exception):
    """A file that cannot be used; `lines` are the messages to print, each after `error: `."""

    def __init__(self, lines: list[str]) -> None:
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class Manifest:
    """The streams a file defines, and where they came from (for messages)."""

    source: str
    streams: list[StreamDefinition]
    warnings: list[str]

    def where(self, definition: StreamDefinition, relative: str = "") -> str:
        """`ruby.yaml: items[1].spec.tags[0]`: a place in the file, for a message."""
        path = definition.locate(relative)
        return f"{self.source}: {path}" if path else self.source


def add_filename_argument(parser: argparse.ArgumentParser, *, required: bool, verb: str) -> None:
    parser.add_argument(
        "-f",
        "--filename",
        metavar="FILE",
        required=required,
        help=f"YAML or JSON file of image streams to {verb} (an ImageStream or a List); - reads stdin",
    )


def display_name(filename: str) -> str:
    return "<stdin>" if filename == STDIN else filename


def read_manifest(filename: str, stdin: TextIO | None = None) -> Manifest:
    """Reads and checks a whole file; raises ManifestError with every problem found."""
    source = display_name(filename)
    try:
        if filename == STDIN:
            text = (stdin or sys.stdin).read()
        else:
            with open(filename, encoding="utf-8") as file:
                text = file.read()
    except OSError as error:
        raise ManifestError([f"{source}: {error.strerror or error}"]) from None
    except UnicodeDecodeError:
        raise ManifestError([f"{source}: not a UTF-8 text file"]) from None
    documents = _parse(text, source)
    streams: list[StreamDefinition] = []
    problems: list[Problem] = []
    warnings: list[Problem] = []
    for i, document in enumerate(documents):
        # In a file of several YAML documents, a path says which one (`documents[1].spec...`).
        prefix = f"documents[{i}]" if len(documents) > 1 else ""
        try:
            found = read_definitions(document, prefix)
        except ShapeError as error:
            problems.extend(error.problems)
            continue
        streams.extend(found.streams)
        warnings.extend(found.warnings)
    if problems:
        raise ManifestError([f"{source}: {p}" for p in problems])
    if not streams:
        raise ManifestError([f"{source}: no image streams in the file"])
    _check_unique(streams, source)
    return Manifest(source, streams, [f"{source}: {w}" for w in warnings])


def _parse(text: str, source: str) -> list[Any]:
    """The documents of a file. JSON is read as JSON (so its errors read as JSON errors); anything else as
    YAML, where `---` separates documents and empty documents are skipped."""
    if text.lstrip().startswith(("{", "[")):
        try:
            return [json.loads(text)]
        except json.JSONDecodeError as error:
            raise ManifestError([f"{source}: invalid JSON: {error}"]) from None
    try:
        return [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as error:
        where = ""
        mark = getattr(error, "problem_mark", None)
        if mark is not None:
            where = f" at line {mark.line + 1}, column {mark.column + 1}"
        problem = getattr(error, "problem", None) or str(error)
        raise ManifestError([f"{source}: invalid YAML{where}: {problem}"]) from None


def _check_unique(streams: list[StreamDefinition], source: str) -> None:
    seen: dict[tuple[str, str], StreamDefinition] = {}
    for definition in streams:
        key = (definition.stream.namespace, definition.stream.name)
        if key in seen:
            first = seen[key].path or "the first object"
            raise ManifestError(
                [f'{source}: {definition.locate("metadata.name")}: image stream "{key[1]}" is also defined at {first}']
            )
        seen[key] = definition


def namespace_was_given(args: argparse.Namespace) -> bool:
    """Whether the user chose a namespace with -n. Like kubectl, a namespace from the environment or the
    current context does not count: it is the default, which a file's own namespace overrides."""
    return getattr(args, "namespace", None) is not None


def target_namespace(definition: StreamDefinition, context: Context, enforce: bool) -> str:
    """The namespace a definition goes to: its own, else the current one. With `enforce` (-n given), a file
    naming another namespace is refused in kubectl's words."""
    own = definition.stream.namespace
    if not own:
        return context.namespace
    if enforce and own != context.namespace:
        raise UserInputError(
            f'the namespace from the provided object "{own}" does not match the namespace "{context.namespace}". '
            f"You must pass '--namespace={own}' to perform this operation."
        )
    return own
