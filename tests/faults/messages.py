"""Hypothesis strategies for any protobuf message, derived from its descriptor, and the RPCs of the API found
by reflection on the generated modules: what the fuzz test sends, without a hand-written list to go stale.

Strings mix arbitrary text (control characters and every plane but lone surrogates, which protobuf cannot
carry) with values that are valid or nearly so, so that requests get past the first check and reach the
code behind it; integers reach the extremes of their type; enums take values the contract does not define.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import imagestreams.v1
from google.protobuf import message_factory
from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message
from hypothesis import strategies as st

# The project the fuzzed requests write into (made before they run).
NAMESPACE = "fuzz"
DIGEST = "sha256:" + "a" * 64


@dataclass(frozen=True)
class Rpc:
    path: str  # /imagestreams.v1.Service/Method
    request: Descriptor
    server_streaming: bool

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1]

    @property
    def id(self) -> str:
        """`Service.Method`, as test ids."""
        return self.path.strip("/").rsplit(".", 1)[-1].replace("/", ".")


def service_modules() -> list[ModuleType]:
    """Every generated message module of the API (`*_pb2`): a service added later is fuzzed too."""
    names = sorted(m.name for m in pkgutil.iter_modules(imagestreams.v1.__path__) if m.name.endswith("_pb2"))
    return [importlib.import_module(f"imagestreams.v1.{name}") for name in names]


def every_rpc() -> Iterator[Rpc]:
    """Every method of every service of the API, as the generated descriptors declare them."""
    for module in service_modules():
        for service in module.DESCRIPTOR.services_by_name.values():
            for method in service.methods:
                yield Rpc(f"/{service.full_name}/{method.name}", method.input_type, method.server_streaming)


def plausible_strings(closed_port: int) -> list[str]:
    """Values that pass some checks: names, references, roles, pull specs (of a registry that refuses)."""
    registry = f"127.0.0.1:{closed_port}"
    return [
        "",
        NAMESPACE,
        "known",
        "latest",
        "1",
        "known:latest",
        f"{NAMESPACE}/known:latest",
        f"known@{DIGEST}",
        DIGEST,
        "sha256:",
        f"{registry}/{NAMESPACE}/img:latest",
        f"{registry}/{NAMESPACE}/img@{DIGEST}",
        "view",
        "edit",
        "system:authenticated",
        "system:serviceaccount:fuzz:robot",
        "robot",
        "sha256~AAAA",
        "imagestreams",
        "get",
        "metadata.annotations",
        "-1",
        "9223372036854775807",
        "a" * 64,
        "a" * 300,
        "\x00",
        "a\x00b",
        "../..",
        "%00",
        "é/ü:ß",
    ]


def long_strings() -> st.SearchStrategy[str]:
    # Up to 1 MiB: several of them in one request may pass gRPC's default 4 MiB receive limit, which is
    # RESOURCE_EXHAUSTED, a fine answer too.
    return st.sampled_from([1_000, 10_000, 100_000, 1 << 20]).flatmap(
        lambda n: st.sampled_from(["x", "é", "\x00", "/", "🙂"]).map(lambda c: c * n)
    )


def text(closed_port: int) -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(plausible_strings(closed_port)),
        st.text(st.characters(exclude_categories=("Cs",)), max_size=40),
        st.text(st.characters(codec="ascii"), max_size=300),
        long_strings(),
    )


_INT_RANGES = {
    FieldDescriptor.TYPE_INT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SINT32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_SFIXED32: (-(2**31), 2**31 - 1),
    FieldDescriptor.TYPE_INT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SINT64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_SFIXED64: (-(2**63), 2**63 - 1),
    FieldDescriptor.TYPE_UINT32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_FIXED32: (0, 2**32 - 1),
    FieldDescriptor.TYPE_UINT64: (0, 2**64 - 1),
    FieldDescriptor.TYPE_FIXED64: (0, 2**64 - 1),
}


def integers(low: int, high: int) -> st.SearchStrategy[int]:
    edges = sorted({v for v in (low, low + 1, -1, 0, 1, 2, 100, high - 1, high) if low <= v <= high})
    return st.one_of(st.sampled_from(edges), st.integers(low, high), st.integers(max(low, -1000), min(high, 1000)))


def scalar(field: FieldDescriptor, closed_port: int) -> st.SearchStrategy[Any]:
    kind = field.type
    if kind == FieldDescriptor.TYPE_STRING:
        return text(closed_port)
    if kind == FieldDescriptor.TYPE_BYTES:
        return st.one_of(st.binary(max_size=200), st.sampled_from([b"", b"\x00", b"\xff" * 70_000]))
    if kind == FieldDescriptor.TYPE_BOOL:
        return st.booleans()
    if kind in (FieldDescriptor.TYPE_DOUBLE, FieldDescriptor.TYPE_FLOAT):
        return st.floats(allow_nan=True, allow_infinity=True, width=64 if kind == FieldDescriptor.TYPE_DOUBLE else 32)
    if kind == FieldDescriptor.TYPE_ENUM:
        known = [v.number for v in field.enum_type.values]
        # Proto3 enums are open: a number the contract does not name arrives as it was sent.
        return st.one_of(st.sampled_from(known), integers(-(2**31), 2**31 - 1))
    low, high = _INT_RANGES[kind]
    return integers(low, high)


def _is_map(field: FieldDescriptor) -> bool:
    return field.message_type is not None and field.message_type.GetOptions().map_entry


def _is_repeated(field: FieldDescriptor) -> bool:
    return bool(field.is_repeated)


def value(field: FieldDescriptor, closed_port: int, depth: int) -> st.SearchStrategy[Any]:
    if _is_map(field):
        key_field = field.message_type.fields_by_name["key"]
        value_field = field.message_type.fields_by_name["value"]
        return st.dictionaries(scalar(key_field, closed_port), single(value_field, closed_port, depth + 1), max_size=4)
    one = single(field, closed_port, depth)
    return st.lists(one, max_size=4) if _is_repeated(field) else one


def single(field: FieldDescriptor, closed_port: int, depth: int) -> st.SearchStrategy[Any]:
    if field.type == FieldDescriptor.TYPE_MESSAGE:
        return message(field.message_type, closed_port, depth + 1)
    return scalar(field, closed_port)


def message(descriptor: Descriptor, closed_port: int, depth: int = 0) -> st.SearchStrategy[Message]:
    """Messages of `descriptor` with any subset of their fields set (nested ones down to a few levels)."""
    cls = message_factory.GetMessageClass(descriptor)
    if depth > 4:
        return st.just(cls())
    # Deferred: nested strategies are built only when drawn from.
    fields = {f.name: st.deferred(lambda f=f: value(f, closed_port, depth)) for f in descriptor.fields}
    return st.fixed_dictionaries({}, optional=fields).map(lambda values: build(cls, descriptor, values))


def build(cls: type[Message], descriptor: Descriptor, values: dict[str, Any]) -> Message:
    built = cls()
    for name, given in values.items():
        field = descriptor.fields_by_name[name]
        target = getattr(built, name) if (_is_map(field) or _is_repeated(field) or field.message_type) else None
        if _is_map(field):
            for key, item in given.items():
                if isinstance(item, Message):
                    target[key].CopyFrom(item)
                else:
                    target[key] = item
        elif _is_repeated(field) and field.message_type is not None:
            for item in given:
                target.add().CopyFrom(item)
        elif _is_repeated(field):
            target.extend(given)
        elif field.message_type is not None:
            target.CopyFrom(given)
        else:
            setattr(built, name, given)
    return built
