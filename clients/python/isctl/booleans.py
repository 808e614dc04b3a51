"""Boolean flags in OpenShift's form: `--flag`, `--flag=true`, `--flag=false` (Go's pflag booleans).

argparse has no such flag: an optional value (`nargs="?"`) would also swallow the next word (`--flag get`
would read "get" as the flag's value). So every boolean flag is registered here, and before parsing `--flag`
on its own is rewritten to `--flag=true`: then the value is always attached and never taken from the next word.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

# Go's strconv.ParseBool, which pflag uses.
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})
_FALSE = frozenset({"0", "f", "F", "FALSE", "false", "False"})

# Every long boolean flag of every parser built so far.
_REGISTERED: set[str] = set()


def parse_bool(text: str) -> bool:
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise argparse.ArgumentTypeError(f'invalid boolean value "{text}": use true or false')


def add_bool_flag(
    parser: argparse._ActionsContainer, *names: str, help: str, default: Any = False, dest: str | None = None
) -> None:
    """A flag taking `--flag`, `--flag=true` and `--flag=false`. `default` may be argparse.SUPPRESS or None
    (for "not given": settings that fall back to the environment or the configuration file).

    A short name (`-q`) only switches the flag on: rewriting short options for every verb could change the
    meaning of another verb's `-q VALUE`, so they get a plain on-switch sharing the long name's destination."""
    long_names = [name for name in names if name.startswith("--")]
    short_names = [name for name in names if not name.startswith("--")]
    target = dest or long_names[0][2:].replace("-", "_")
    _REGISTERED.update(long_names)
    parser.add_argument(
        *long_names, dest=target, nargs="?", const=True, default=default, type=parse_bool, metavar="true|false",
        help=help,
    )  # fmt: skip
    if short_names:
        parser.add_argument(
            *short_names,
            dest=target,
            action="store_const",
            const=True,
            default=default,
            help=f"same as {long_names[0]}",
        )


def attach_bool_values(argv: Sequence[str]) -> list[str]:
    """`--flag` -> `--flag=true` for every registered boolean flag, up to a `--` that ends the options."""
    rewritten: list[str] = []
    for index, arg in enumerate(argv):
        if arg == "--":
            return [*rewritten, *argv[index:]]
        rewritten.append(f"{arg}=true" if arg in _REGISTERED else arg)
    return rewritten
