"""Durations as Go writes them (`1h30m`, `90m`, `1.5h`, `300ms`), which is what `oc create token --duration`
takes."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal, InvalidOperation

from .errors import UserInputError

_UNITS = {
    "ns": Decimal("1e-9"),
    "us": Decimal("1e-6"),
    "µs": Decimal("1e-6"),  # micro sign
    "μs": Decimal("1e-6"),  # Greek mu
    "ms": Decimal("1e-3"),
    "s": Decimal(1),
    "m": Decimal(60),
    "h": Decimal(3600),
}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)")


def parse_go_duration(text: str, flag: str = "--duration") -> timedelta:
    """`[-+]` then one or more NUMBER UNIT pairs, or a bare `0`. Raises UserInputError naming `flag`."""
    value = text.strip()
    sign = -1 if value.startswith("-") else 1
    body = value[1:] if value.startswith(("+", "-")) else value
    if body == "0":
        return timedelta(0)
    seconds = Decimal(0)
    position = 0
    while position < len(body):
        match = _PART.match(body, position)
        if match is None:
            break
        try:
            seconds += Decimal(match.group(1)) * _UNITS[match.group(2)]
        except InvalidOperation:
            break
        position = match.end()
    if not body or position != len(body):
        raise UserInputError(f'invalid {flag} "{text}": give a duration such as 1h30m, 90m or 45s')
    try:
        return sign * timedelta(seconds=float(seconds))
    except OverflowError:
        raise UserInputError(f'invalid {flag} "{text}": too long') from None
