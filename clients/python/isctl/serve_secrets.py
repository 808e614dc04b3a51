"""Where `isctl serve` takes its secrets from.

A command line is shown by `ps` to every user of the machine; a file of mode 0600 and the process's
environment (`/proc/PID/environ` is readable by its owner and root only) are not. So the notifications
secret can come from a file, the environment or the configuration file (`--config`, best of mode 0600), the
database URL from the environment (its password from a libpq password file, `PGPASSFILE` or `~/.pgpass`, which
psycopg reads when the URL has none), and a secret given on the command line anyway works but is warned about.
"""

from __future__ import annotations

import logging
import stat
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger("isctl.serve")

ENV_DATABASE_URL = "IMAGESTREAMS_DATABASE_URL"
ENV_NOTIFICATIONS_SECRET = "IMAGESTREAMS_NOTIFICATIONS_SECRET"
ENV_NOTIFICATIONS_SECRET_FILE = "IMAGESTREAMS_NOTIFICATIONS_SECRET_FILE"


class SecretSourceError(ValueError):
    """Secrets given in two places at once, or a secret file that cannot be used."""


def url_has_password(url: str) -> bool:
    """Whether a postgresql:// URL carries a password (`user:PASSWORD@` or `?password=`)."""
    try:
        parts = urlsplit(url)
        return bool(parts.password) or bool(parse_qs(parts.query).get("password"))
    except ValueError:
        return False


def warn_on_command_line(database_url: str | None, notifications_secret: str | None) -> None:
    """Warns about the secrets given as flags (None: not a flag): `ps` shows them to every user."""
    if database_url and url_has_password(database_url):
        log.warning(
            "the --database-url on the command line holds a password, which ps shows to every user of this "
            "machine: give the URL in %s, or leave the password out and put it in a libpq password file "
            "(PGPASSFILE or ~/.pgpass)",
            ENV_DATABASE_URL,
        )
    if notifications_secret:
        log.warning(
            "--notifications-secret on the command line is shown by ps to every user of this machine: "
            "use --notifications-secret-file or %s",
            ENV_NOTIFICATIONS_SECRET,
        )


def read_secret_file(path: str, source: str) -> str:
    """The secret in `path`, without the line end an editor adds; an empty file is refused, not read as
    "no secret"."""
    try:
        text = Path(path).read_text()
        mode = Path(path).stat().st_mode
    except OSError as error:
        raise SecretSourceError(f"{source}: cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise SecretSourceError(f"{source}: {path} is not text") from None
    secret = text.strip()
    if not secret:
        raise SecretSourceError(f"{source}: {path} is empty")
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("the secret file %s can be read by other users; make it mode 0600", path)
    return secret
