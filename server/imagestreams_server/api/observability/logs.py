"""The process's logging: a level and a format (`text` for people, `json` for log collectors), one handler on
stderr. Messages never carry a token or a secret; the per-RPC line (`rpc.py`) adds its fields as record
attributes, which the JSON format turns into keys and the text format appends as `key=value`."""

from __future__ import annotations

import logging
import sys

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter

FORMATS = ("text", "json")
LEVELS = ("debug", "info", "warning", "error")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The record attributes the per-RPC line sets; the text format shows them after the message.
RPC_FIELDS = ("service", "method", "code", "duration_ms", "caller", "request_id", "peer")


class TextFormatter(logging.Formatter):
    """The usual one-line text format; an RPC line's fields follow its message as `key=value`."""

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        fields = [f"{name}={getattr(record, name)}" for name in RPC_FIELDS if hasattr(record, name)]
        return f"{line} {' '.join(fields)}" if fields else line


def formatter(log_format: str) -> logging.Formatter:
    if log_format == "json":
        return JsonFormatter(
            "%(levelname)s %(name)s %(message)s",
            # RFC 3339 in UTC, as log collectors parse it.
            timestamp="time",
            rename_fields={"levelname": "level", "name": "logger"},
            # uvicorn adds its message again with terminal colours: not for a log collector.
            reserved_attrs=[*RESERVED_ATTRS, "color_message"],
        )
    if log_format == "text":
        return TextFormatter(TEXT_FORMAT)
    raise ValueError(f'unknown log format "{log_format}": use one of {", ".join(FORMATS)}')


def configure(level: str = "info", log_format: str = "text") -> None:
    """Replaces the root logger's handlers with one on stderr in `log_format`, at `level`."""
    if level not in LEVELS:
        raise ValueError(f'unknown log level "{level}": use one of {", ".join(LEVELS)}')
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter(log_format))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
