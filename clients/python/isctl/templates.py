"""`-o jsonpath=TEMPLATE` and `-o custom-columns=SPEC`, as kubectl reads them.

A JSONPath template is text with `{...}` actions: `{.metadata.name}` prints what the path finds (several
values separated by spaces, maps and lists as JSON), `{range .items[*]}...{end}` repeats its body for each
value found, `{"\\n"}` prints a string literal. The paths themselves are evaluated by jsonpath-ng (with its
filter extensions: `{.items[?(@.metadata.name=="ruby")].status}`). Custom columns are `HEADER:PATH` pairs
separated by commas; a path that finds nothing prints `<none>`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TextIO

from jsonpath_ng.exceptions import JsonPathLexerError, JsonPathParserError
from jsonpath_ng.ext import parse

from .errors import UsageError, UserInputError
from .tabwriter import table_format

JSONPATH = "jsonpath="
CUSTOM_COLUMNS = "custom-columns="
TEMPLATE_PREFIXES = (JSONPATH, CUSTOM_COLUMNS)
NONE = "<none>"


def is_template(fmt: str | None) -> bool:
    return bool(fmt) and str(fmt).startswith(TEMPLATE_PREFIXES)


def print_template(data: Any, items: Sequence[Any], fmt: str, out: TextIO) -> None:
    """`data` is what `-o json` would print (one object, or a List); `items` its objects, for the columns."""
    if fmt.startswith(JSONPATH):
        out.write(render_jsonpath(fmt[len(JSONPATH) :], data))
    else:
        out.write(render_custom_columns(fmt[len(CUSTOM_COLUMNS) :], items))


def find(path: str, data: Any) -> list[Any]:
    """The values `path` (kubectl's `.a.b[0]`, or `$.a.b`) finds in `data`."""
    expression = path.strip()
    if expression in ("", ".", "$", "@"):
        return [data]
    if expression.startswith("."):
        expression = "$" + expression
    elif not expression.startswith("$"):
        expression = "$." + expression
    try:
        compiled = parse(expression)
    except (JsonPathLexerError, JsonPathParserError, Exception) as error:  # the parser raises plain Exceptions too
        raise UsageError(f"error parsing jsonpath {path}: {error}") from None
    return [match.value for match in compiled.find(data)]


def text_of(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return ""
    if isinstance(value, dict | list):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


@dataclass
class _Node:
    kind: str  # "text", "path", "range"
    value: str = ""
    body: list[_Node] | None = None


def _tokens(template: str) -> list[tuple[str, str]]:
    """("text", ...) and ("action", ...) in order; `{` inside a quoted literal does not end an action."""
    tokens: list[tuple[str, str]] = []
    index = 0
    while index < len(template):
        start = template.find("{", index)
        if start < 0:
            tokens.append(("text", template[index:]))
            break
        if start > index:
            tokens.append(("text", template[index:start]))
        end, quote = start + 1, ""
        while end < len(template) and (quote or template[end] != "}"):
            char = template[end]
            if quote and char == "\\":
                end += 1
            elif char in "\"'" and (not quote or quote == char):
                quote = "" if quote else char
            end += 1
        if end >= len(template):
            raise UsageError(f"error parsing jsonpath {template}: unclosed action")
        tokens.append(("action", template[start + 1 : end].strip()))
        index = end + 1
    return tokens


def _parse(tokens: list[tuple[str, str]], template: str) -> list[_Node]:
    stack: list[list[_Node]] = [[]]
    for kind, value in tokens:
        if kind == "text":
            stack[-1].append(_Node("text", value))
        elif value.startswith("range ") or value == "range":
            node = _Node("range", value[len("range") :].strip(), [])
            stack[-1].append(node)
            stack.append(node.body or [])
            node.body = stack[-1]
        elif value == "end":
            if len(stack) == 1:
                raise UsageError(f"error parsing jsonpath {template}: not in range, nothing to end")
            stack.pop()
        elif len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            stack[-1].append(_Node("text", json.loads('"' + value[1:-1].replace('"', '\\"') + '"')))
        else:
            stack[-1].append(_Node("path", value))
    if len(stack) != 1:
        raise UsageError(f"error parsing jsonpath {template}: range without end")
    return stack[0]


def _render(nodes: list[_Node], data: Any, out: list[str]) -> None:
    for node in nodes:
        if node.kind == "text":
            out.append(node.value)
        elif node.kind == "path":
            out.append(" ".join(text_of(v) for v in find(node.value, data)))
        else:
            for value in find(node.value, data):
                # `{range .items[*]}`: each item; a list found as one value is iterated too, as kubectl does.
                for item in value if isinstance(value, list) and not node.value.rstrip().endswith("]") else [value]:
                    _render(node.body or [], item, out)


def render_jsonpath(template: str, data: Any) -> str:
    """The template applied to `data`; no newline is added, as kubectl adds none."""
    if not template:
        raise UsageError("template format specified but no template given")
    out: list[str] = []
    _render(_parse(_tokens(template), template), data, out)
    return "".join(out)


def render_custom_columns(spec: str, items: Sequence[Any]) -> str:
    columns: list[tuple[str, str]] = []
    for part in spec.split(","):
        header, colon, path = part.partition(":")
        if not colon or not header or not path:
            raise UserInputError(
                f'custom-columns format: expected HEADER:PATH pairs separated by commas, not "{part}" '
                "(for example NAME:.metadata.name,IMAGE:.image.dockerImageReference)"
            )
        path = path.strip()
        if path.startswith("{") and path.endswith("}"):
            path = path[1:-1]
        columns.append((header, path))
    rows = [[header for header, _ in columns]]
    for item in items:
        row = []
        for _, path in columns:
            found = [text_of(v) for v in find(path, item)]
            row.append(",".join(found) if found else NONE)
        rows.append(row)
    return table_format(rows)
