"""Ages the way `oc` prints them: docker go-units `HumanDuration`, so output reads the same as on OpenShift."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp


def human_duration(duration: timedelta) -> str:
    """`Less than a second`, `1 second`, `12 seconds`, `About a minute`, `3 minutes`, `About an hour`,
    `3 hours`, `2 days`, `3 weeks`, `4 months`, `2 years`. Thresholds follow go-units exactly: hours round
    to the nearest hour, days/weeks/months count whole units of 24 hours, 7 days and 30 days."""
    seconds = int(duration.total_seconds())
    if seconds < 1:
        return "Less than a second"
    if seconds == 1:
        return "1 second"
    if seconds < 60:
        return f"{seconds} seconds"
    minutes = seconds // 60
    if minutes == 1:
        return "About a minute"
    if minutes < 60:
        return f"{minutes} minutes"
    hours = int(duration.total_seconds() / 3600 + 0.5)
    if hours == 1:
        return "About an hour"
    if hours < 48:
        return f"{hours} hours"
    if hours < 24 * 7 * 2:
        return f"{hours // 24} days"
    if hours < 24 * 30 * 2:
        return f"{hours // 24 // 7} weeks"
    if hours < 24 * 365 * 2:
        return f"{hours // 24 // 30} months"
    return f"{int(duration.total_seconds() / 3600) // 24 // 365} years"


def to_datetime(timestamp: Timestamp) -> datetime:
    value: datetime = timestamp.ToDatetime(tzinfo=UTC)
    return value


def is_set(timestamp: Timestamp) -> bool:
    return timestamp.seconds != 0 or timestamp.nanos != 0


def ago(timestamp: Timestamp, now: datetime) -> str:
    """`3 minutes ago`, or empty for a timestamp that was never set."""
    if not is_set(timestamp):
        return ""
    return f"{human_duration(now - to_datetime(timestamp))} ago"
