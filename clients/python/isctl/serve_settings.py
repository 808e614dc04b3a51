"""The settings of `isctl serve` and where each comes from: a flag, else its environment variable, else the
configuration file (`--config FILE`, YAML, the flags' names as keys), else its default.

Every value is checked before the server starts; a bad one is an error naming the setting and where it came
from (`IMAGESTREAMS_WATCH_BUFFER`, `serve.yaml: watch-buffer`, `--watch-buffer`), never a traceback.
"""

from __future__ import annotations

import argparse
import logging
import stat
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import yaml

from .booleans import add_bool_flag
from .serve_secrets import url_has_password

log = logging.getLogger("isctl.serve")

ENV_PREFIX = "IMAGESTREAMS_"
ENV_CONFIG = "IMAGESTREAMS_CONFIG"
REDACTED = "REDACTED"
_TRUE = frozenset({"1", "t", "true", "yes", "on"})
_FALSE = frozenset({"0", "f", "false", "no", "off"})


class SettingError(ValueError):
    """A setting that cannot be used: the message names it and where it came from."""


def _positive(value: float) -> str | None:
    return None if value > 0 else "must be positive"


def _not_negative(value: float) -> str | None:
    return None if value >= 0 else "must not be negative"


def _one_of(*choices: str) -> Callable[[str], str | None]:
    return lambda value: None if value in choices else f"must be one of {', '.join(choices)}"


@dataclass(frozen=True)
class Setting:
    # The flag without its dashes, and the configuration file's key.
    name: str
    kind: type
    default: Any
    help: str
    metavar: str | None = None
    check: Callable[[Any], str | None] | None = None
    # Shown as REDACTED by --print-config (a URL: its password only).
    secret: bool = False
    # No environment variable (the configuration file's own path has IMAGESTREAMS_CONFIG).
    env: bool = True

    @property
    def flag(self) -> str:
        return f"--{self.name}"

    @property
    def dest(self) -> str:
        return self.name.replace("-", "_")

    @property
    def env_name(self) -> str:
        return ENV_PREFIX + self.name.upper().replace("-", "_")

    def parse(self, raw: Any, source: str) -> Any:
        """`raw` (text from the environment, or a YAML value) as this setting's type, checked."""
        value = _convert(self.kind, raw)
        if value is None:
            expected = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}[self.kind]
            raise SettingError(f"{source}: {raw!r} is not {expected}")
        problem = self.check(value) if self.check else None
        if problem:
            raise SettingError(f"{source}: {problem} (it is {raw!r})")
        return value


def _convert(kind: type, raw: Any) -> Any:
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower() if isinstance(raw, str | int) else ""
        return True if text in _TRUE else False if text in _FALSE else None
    if isinstance(raw, bool):  # YAML's `yes` is not a number or a name
        return None
    if kind is int:
        try:
            return int(raw) if isinstance(raw, int | str) else None
        except ValueError:
            return None
    if kind is float:
        try:
            return float(raw) if isinstance(raw, int | float | str) else None
        except ValueError:
            return None
    return raw if isinstance(raw, str) else str(raw) if isinstance(raw, int | float) else None


DEFAULT_LISTEN = "127.0.0.1:50051"
SETTINGS: tuple[Setting, ...] = (
    Setting("listen", str, DEFAULT_LISTEN, f"HOST:PORT to listen on (default {DEFAULT_LISTEN})"),
    Setting("data-dir", str, "data", "directory of the embedded SQLite store (default ./data)"),
    Setting(
        "database-url",
        str,
        "",
        "postgresql://USER@HOST:PORT/DBNAME to keep the log in PostgreSQL. Keep the password off the command "
        "line, where ps shows it: give the URL in the environment, or the password in a libpq password file "
        "(PGPASSFILE or ~/.pgpass)",
        secret=True,
    ),
    Setting("registry-hostname", str, "", "registry host that serves streams as HOST/NAMESPACE/NAME"),
    Setting(
        "registry-public-hostname",
        str,
        "",
        "the same registry's host as clients outside reach it: streams get publicDockerImageRepository "
        "HOST/NAMESPACE/NAME and tags a public pull spec",
    ),
    Setting(
        "watch-progress-interval",
        float,
        5.0,
        "seconds of silence before a watch gets a progress marker (default 5)",
        check=_positive,
    ),
    Setting(
        "watch-buffer",
        int,
        1000,
        "changes buffered per watcher before it is ended as too slow (default 1000)",
        check=_positive,
    ),
    Setting(
        "import-interval",
        float,
        900.0,
        "seconds between checks of each tag with a scheduled import policy; 0 turns these re-checks off (default 900)",
        check=_not_negative,
    ),
    Setting(
        "max-status-history",
        int,
        0,
        "entries kept in each tag's status history (what describe lists); a move beyond it trims the oldest, "
        "the log keeps them for history and --as-of reads; 0 keeps all (default 0)",
        metavar="N",
        check=_not_negative,
    ),
    Setting(
        "snapshot-interval",
        int,
        100,
        "a snapshot of a stream every N of its events, so loading it (now, or as of a point of the past) reads "
        "the newest snapshot and fewer than N events; 0 takes none (default 100)",
        metavar="N",
        check=_not_negative,
    ),
    Setting(
        "auto-import",
        bool,
        True,
        "import registry tags and repositories that wait for their first import, in the background (default on)",
    ),
    Setting(
        "http-listen",
        str,
        "",
        "HOST:PORT of the HTTP side: registry push notifications (POST /registry/notifications), the registry "
        "token service (GET /v2/token), health (GET /healthz), metrics (GET /metrics); off when empty",
    ),
    Setting(
        "registry-token-key",
        str,
        "",
        "ECDSA P-256 key (PEM) that signs registry tokens; replicas share one (default "
        "DATA_DIR/registry-token.key, made on first start)",
        metavar="PATH",
    ),
    Setting(
        "registry-token-cert",
        str,
        "",
        "the certificate of --registry-token-key, the registry's rootcertbundle (default DATA_DIR/registry-token.crt)",
        metavar="PATH",
    ),
    Setting(
        "registry-token-service",
        str,
        "imagestreams-registry",
        "the registry's auth.token.service: the audience of the tokens issued (default imagestreams-registry)",
    ),
    Setting("registry-token-issuer", str, "imagestreams", "the registry's auth.token.issuer (default imagestreams)"),
    Setting(
        "registry-cache-dir",
        str,
        "",
        "where blobs pulled through the service for Local tags are cached (default DATA_DIR/blob-cache)",
        metavar="PATH",
    ),
    Setting(
        "registry-cache-size",
        int,
        10240,
        "the most the blob cache holds, in MiB; least recently used blobs go first (default 10240)",
        metavar="MIB",
        check=_not_negative,
    ),
    Setting("notifications-listen", str, "", "deprecated name of --http-listen"),
    Setting(
        "notifications-secret-file",
        str,
        "",
        "file holding the secret registries send as 'Authorization: Bearer SECRET'",
        metavar="PATH",
    ),
    Setting(
        "notifications-secret",
        str,
        "",
        "the secret itself; ps shows it to every user, prefer --notifications-secret-file",
        secret=True,
    ),
    Setting(
        "secret-key-file",
        str,
        "",
        "file holding the key that encrypts pull secrets: 32 random bytes, base64 (or the key itself in "
        "IMAGESTREAMS_SECRET_KEY). Default with SQLite: DATA_DIR/secret.key, generated on first start; "
        "PostgreSQL needs one, shared by every replica",
        metavar="PATH",
    ),
    Setting("tls-cert", str, "", "PEM certificate (chain) to serve gRPC over TLS; needs --tls-key", metavar="PATH"),
    Setting("tls-key", str, "", "PEM private key of --tls-cert", metavar="PATH"),
    Setting(
        "client-ca",
        str,
        "",
        "PEM CA bundle: require client certificates signed by it (mutual TLS); a certificate's CN is the "
        "caller's user name and its O entries its groups",
        metavar="PATH",
    ),
    Setting(
        "allow-insecure-listen",
        bool,
        False,
        "listen on a non-loopback address without TLS (only behind a TLS-terminating proxy)",
    ),
    Setting(
        "admin-token-file",
        str,
        "",
        "where a new store's cluster administrator token is written (default DATA_DIR/admin.token)",
        metavar="PATH",
    ),
    Setting(
        "log-level",
        str,
        "info",
        "debug, info (one line per RPC), warning or error",
        check=_one_of("debug", "info", "warning", "error"),
    ),
    Setting("log-format", str, "text", "text, or json (one object a line)", check=_one_of("text", "json")),
)
BY_NAME = {setting.name: setting for setting in SETTINGS}
# Either one of these, from the first place that gives one (a flag, the environment, the file): never both.
NOTIFICATIONS_SECRET_PAIR = ("notifications-secret", "notifications-secret-file")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """A flag per setting; each defaults to None ("not given"), so the other sources are asked in `resolve`."""
    parser.add_argument(
        "--config",
        metavar="FILE",
        default=None,
        help=f"YAML file of settings, keyed by the flags' names (env {ENV_CONFIG}); flags and the environment "
        "take precedence over it",
    )
    parser.add_argument(
        "--print-config", action="store_true", help="print the effective settings (secrets redacted) and exit"
    )
    for setting in SETTINGS:
        env = f"env {setting.env_name}"
        if setting.kind is bool:
            add_bool_flag(parser, setting.flag, default=None, help=f"{setting.help} ({env})")
            continue
        parser.add_argument(
            setting.flag,
            metavar=setting.metavar,
            default=None,
            type=_flag_type(setting),
            help=f"{setting.help} ({env})",
        )
    parser.add_argument(
        "--no-auto-import", dest="auto_import", action="store_false", help="same as --auto-import=false"
    )


def _flag_type(setting: Setting) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return setting.parse(text, setting.flag)
        except SettingError as error:
            raise argparse.ArgumentTypeError(str(error).removeprefix(f"{setting.flag}: ")) from None

    return parse


@dataclass(frozen=True)
class Resolved:
    values: dict[str, Any]
    # Where each value came from: "flag", "env", "file" or "default".
    sources: dict[str, str]

    def __getitem__(self, name: str) -> Any:
        return self.values[name]


def resolve(args: argparse.Namespace, environ: Mapping[str, str]) -> Resolved:
    """Every setting's value: flag > environment > configuration file > default."""
    config_path = args.config if args.config is not None else environ.get(ENV_CONFIG, "")
    file = load_file(config_path) if config_path else {}
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    for setting in SETTINGS:
        if setting.name in NOTIFICATIONS_SECRET_PAIR:
            continue
        flag = getattr(args, setting.dest)
        if flag is not None:
            values[setting.name], sources[setting.name] = flag, "flag"
        elif setting.env_name in environ:
            values[setting.name] = setting.parse(environ[setting.env_name], setting.env_name)
            sources[setting.name] = "env"
        elif setting.name in file:
            values[setting.name] = setting.parse(file[setting.name], f"{config_path}: {setting.name}")
            sources[setting.name] = "file"
        else:
            values[setting.name], sources[setting.name] = setting.default, "default"
    layers = (
        ("flag", {s: getattr(args, BY_NAME[s].dest) for s in NOTIFICATIONS_SECRET_PAIR}),
        ("env", {s: environ.get(BY_NAME[s].env_name) for s in NOTIFICATIONS_SECRET_PAIR}),
        ("file", {s: file.get(s) for s in NOTIFICATIONS_SECRET_PAIR}),
    )
    for name in NOTIFICATIONS_SECRET_PAIR:
        values[name], sources[name] = "", "default"
    for source, given in layers:
        present = [name for name, value in given.items() if value is not None]
        if not present:
            continue
        if len(present) == 2:
            where = {"flag": "--{}", "env": ENV_PREFIX + "{}", "file": f"{config_path}: " + "{}"}[source]
            names = [where.format(n.upper().replace("-", "_") if source == "env" else n) for n in present]
            raise SettingError(f"give {names[0]} or {names[1]}, not both")
        (name,) = present
        label = {"flag": BY_NAME[name].flag, "env": BY_NAME[name].env_name, "file": f"{config_path}: {name}"}[source]
        values[name], sources[name] = BY_NAME[name].parse(given[name], label), source
        break
    return Resolved(values, sources)


def load_file(path: str) -> dict[str, Any]:
    """The configuration file's settings: a YAML mapping of known keys."""
    try:
        text = Path(path).read_text()
        mode = Path(path).stat().st_mode
    except OSError as error:
        raise SettingError(f"--config: cannot read {path}: {error.strerror}") from None
    except UnicodeDecodeError:
        raise SettingError(f"--config: {path} is not text") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        raise SettingError(f"--config: {path} is not YAML: {error}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SettingError(f"--config: {path} must be a mapping of settings (`listen: 127.0.0.1:50051`)")
    for key in data:
        if key not in BY_NAME:
            raise SettingError(f"{path}: unknown setting {key!r} (the settings are the flags of isctl serve)")
    if mode & (stat.S_IRWXG | stat.S_IRWXO) and any(
        key == "notifications-secret" or (key == "database-url" and url_has_password(str(data[key]))) for key in data
    ):
        log.warning("the configuration file %s holds a secret and can be read by other users; make it mode 0600", path)
    return data


def redacted(setting: Setting, value: Any) -> Any:
    """What --print-config shows: a secret as REDACTED; a URL with its password (only) replaced."""
    if not setting.secret or not value:
        return value
    if setting.name == "database-url":
        try:
            parts = urlsplit(value)
            if not url_has_password(value):
                return value
            netloc = parts.netloc
            if parts.password:
                userinfo, _, host = netloc.rpartition("@")
                netloc = f"{userinfo.split(':', 1)[0]}:{REDACTED}@{host}"
            query = "&".join(
                f"password={REDACTED}" if pair.startswith("password=") else pair for pair in parts.query.split("&")
            )
            return urlunsplit(parts._replace(netloc=netloc, query=query))
        except ValueError:
            return REDACTED
    return REDACTED


def printable(resolved: Resolved) -> str:
    """The effective settings as a configuration file (secrets redacted), each with where it came from."""
    lines = []
    for setting in SETTINGS:
        shown = yaml.safe_dump(
            {setting.name: redacted(setting, resolved[setting.name])}, default_flow_style=False, width=1000
        )
        lines.append(f"{shown.rstrip()}  # {resolved.sources[setting.name]}")
    return "\n".join(lines) + "\n"
