"""Printing image streams as data: OpenShift's ImageStream shape for `-o json|yaml`, the gRPC message for
`-o proto-json|proto-yaml`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, TextIO

import yaml
from imagestreams.v1 import resources_pb2 as pb

from .openshift_shape import list_to_openshift, to_openshift
from .output import PROTO_FORMATS

__all__ = ["PROTO_FORMATS", "dump_openshift", "print_openshift"]


def print_openshift(streams: Sequence[pb.ImageStream], fmt: str, out: TextIO, *, single: bool) -> None:
    """What `oc get is -o json|yaml` prints: one ImageStream when `single`, else a List of them. JSON keeps
    the order of OpenShift's types; YAML sorts keys, as kubectl does."""
    dump_openshift(to_openshift(streams[0]) if single else list_to_openshift(streams), fmt, out)


def dump_openshift(data: Any, fmt: str, out: TextIO) -> None:
    """An OpenShift object (or List) as `oc -o json|yaml` prints it."""
    if fmt == "json":
        out.write(json.dumps(data, indent=4) + "\n")
    else:
        out.write(yaml.safe_dump(data, sort_keys=True, default_flow_style=False))
