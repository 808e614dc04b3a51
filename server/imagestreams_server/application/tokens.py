"""Bearer tokens: 256 random bits, shown once, known to the server only by their SHA-256.

A token is `ist_` and 43 base64url characters; the prefix lets secret scanners recognise a leaked one. Its
name, the only form the server keeps, is `sha256~` and the unpadded base64url SHA-256 of the token (the name
OpenShift gives an OAuth access token). A plain hash is enough for 256-bit random secrets: there is nothing
to guess from it, and it keeps authentication at a microsecond.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

PREFIX = "ist_"
NAME_PREFIX = "sha256~"
# Longer bearer values are not tokens of ours; refusing them early bounds the work a request can cause.
MAX_TOKEN_LENGTH = 256


def new_token() -> tuple[str, str]:
    """A fresh token and its name."""
    token = PREFIX + _b64(secrets.token_bytes(32))
    return token, token_name(token)


def token_name(token: str) -> str:
    return NAME_PREFIX + _b64(hashlib.sha256(token.encode()).digest())


def name_of(name_or_token: str) -> str:
    """A token's name, given its name (`sha256~...`) or the token itself."""
    return name_or_token if name_or_token.startswith(NAME_PREFIX) else token_name(name_or_token)


def looks_like_token(value: str) -> bool:
    return value.startswith(PREFIX) and len(value) <= MAX_TOKEN_LENGTH


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")
