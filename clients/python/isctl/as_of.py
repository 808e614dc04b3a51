"""`--as-of`: a log position (`1234`, as `isctl history` and every write print them) or an RFC 3339 time
(`2026-11-01T10:00:00Z`), for reading what was true then."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from google.protobuf.timestamp_pb2 import Timestamp
from imagestreams.v1 import image_stream_service_pb2 as api

from .errors import UsageError


def add_argument(parser: argparse.ArgumentParser, what: str) -> None:
    parser.add_argument(
        "--as-of",
        metavar="POSITION|TIME",
        help=f"show {what} as it was at a log position or an RFC 3339 time (2026-11-01T10:00:00Z), from the log",
    )


def parse(text: str | None) -> api.AsOf | None:
    if text is None:
        return None
    if text.isdigit():
        return api.AsOf(position=int(text))
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError:
        raise UsageError(f'--as-of "{text}" is neither a log position nor an RFC 3339 time') from None
    if moment.tzinfo is None:
        raise UsageError(f'--as-of "{text}" needs a time zone (2026-11-01T10:00:00Z)')
    stamp = Timestamp()
    stamp.FromDatetime(moment.astimezone(UTC))
    return api.AsOf(time=stamp)
