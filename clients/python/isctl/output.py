"""Printing resources: a table by default, or `-o json|yaml|name|wide` like `oc get`."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Sequence
from typing import Any, TextIO, TypeVar

import yaml
from google.protobuf import json_format
from google.protobuf.message import Message

from .tabwriter import table_format
from .templates import is_template, print_template

M = TypeVar("M", bound=Message)

FORMATS = ("json", "yaml", "name", "wide")
DATA_FORMATS = ("json", "yaml")
# The gRPC messages themselves (proto field names), for scripts written against the client library.
PROTO_FORMATS = {"proto-json": "json", "proto-yaml": "yaml"}
GET_FORMATS = (*FORMATS, *PROTO_FORMATS, "jsonpath=TEMPLATE", "custom-columns=SPEC")


def get_format(text: str) -> str:
    """argparse type of `get -o`: a fixed format, or a template (`jsonpath=...`, `custom-columns=...`)."""
    if text in FORMATS or text in PROTO_FORMATS or is_template(text):
        return text
    raise argparse.ArgumentTypeError(f"invalid choice: '{text}' (choose from {', '.join(GET_FORMATS)})")


def to_dict(message: Message) -> dict[str, Any]:
    """The proto3 JSON mapping with the proto's own field names (`docker_image_reference`), so what
    `-o json` prints is what a client library reads."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def dump(data: Any, fmt: str, out: TextIO) -> None:
    if fmt == "json":
        out.write(json.dumps(data, indent=4) + "\n")
    else:
        # Keep the proto's field order: `name` before `spec_tags` reads better than alphabetical.
        out.write(yaml.safe_dump(data, sort_keys=False, default_flow_style=False))


def print_one(message: Message, fmt: str, out: TextIO) -> None:
    dump(to_dict(message), fmt, out)


def print_list(messages: Sequence[Message], fmt: str, out: TextIO) -> None:
    dump({"items": [to_dict(m) for m in messages]}, fmt, out)


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    out.write(table_format([list(headers), *(list(r) for r in rows)]))


def print_resources(
    items: Sequence[M],
    fmt: str | None,
    out: TextIO,
    *,
    single: bool,
    name: Callable[[M], str],
    headers: Sequence[str],
    row: Callable[[M], list[str]],
    wide_headers: Sequence[str] = (),
    wide_row: Callable[[M], list[str]] | None = None,
) -> None:
    """Prints what a `get` found. `single` is true when the user named one resource: json/yaml then print
    the object itself rather than `{"items": [...]}`. `name` gives the `-o name` form (`imagestream/ruby`)."""
    if fmt in DATA_FORMATS:
        if single:
            print_one(items[0], fmt, out)
        else:
            print_list(items, fmt, out)
        return
    if fmt is not None and is_template(fmt):
        dicts = [to_dict(item) for item in items]
        data = dicts[0] if single else {"kind": "List", "items": dicts}
        print_template(data, dicts, fmt, out)
        return
    if fmt == "name":
        for item in items:
            out.write(name(item) + "\n")
        return
    wide = fmt == "wide" and wide_row is not None
    all_headers = [*headers, *wide_headers] if wide else list(headers)
    rows = [[*row(i), *(wide_row(i) if wide and wide_row else [])] for i in items]
    print_table(all_headers, rows, out)
