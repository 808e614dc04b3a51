"""`isctl serve`: runs the service (embedded SQLite by default, PostgreSQL with a `postgresql://` URL)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
from pathlib import Path

from . import serve_secrets, serve_settings
from .serve_settings import DEFAULT_LISTEN
from .server_code import server_code

__all__ = ["DEFAULT_LISTEN", "add_parser", "run"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "serve",
        help="run the image streams service",
        description="Run the gRPC service. Without --database-url the log is an SQLite file in --data-dir. "
        "Each setting is a flag, an environment variable (IMAGESTREAMS_ and the flag's name) or a key of the "
        "--config file, taken in that order.",
    )
    serve_settings.add_arguments(parser)
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: the server pulls in the database drivers, which every other verb can do without, and
    # isctl installs without it (server_code says what to install then).
    with server_code("serve"):
        from imagestreams_server.api.observability import logs
        from imagestreams_server.api.server import InsecureListen, ServerConfig, TlsConfig, serve
        from imagestreams_server.application.registry_tokens import TokenSettings
        from imagestreams_server.application.watching import WatchSettings
        from imagestreams_server.store.config import StoreConfig
        from imagestreams_server.store.crypto import ENV_KEY, SecretKeyConfig, SecretKeyError

    try:
        settings = serve_settings.resolve(args, os.environ)
    except serve_settings.SettingError as error:
        raise SystemExit(f"error: {error}") from None
    if args.print_config:
        print(serve_settings.printable(settings), end="")
        return 0
    logs.configure(settings["log-level"], settings["log-format"])
    args = argparse.Namespace(**{name.replace("-", "_"): value for name, value in settings.values.items()})
    flags = {name for name, source in settings.sources.items() if source == "flag"}
    serve_secrets.warn_on_command_line(
        args.database_url if "database-url" in flags else None,
        args.notifications_secret if "notifications-secret" in flags else None,
    )
    try:
        notifications_secret = args.notifications_secret
        if args.notifications_secret_file:
            label = {
                "flag": "--notifications-secret-file",
                "env": serve_secrets.ENV_NOTIFICATIONS_SECRET_FILE,
                "file": "notifications-secret-file (--config)",
            }[settings.sources["notifications-secret-file"]]
            notifications_secret = serve_secrets.read_secret_file(args.notifications_secret_file, label)
    except serve_secrets.SecretSourceError as error:
        raise SystemExit(f"error: {error}") from None
    if args.notifications_listen:
        if args.http_listen and args.http_listen != args.notifications_listen:
            raise SystemExit("error: --notifications-listen is the old name of --http-listen: give one of them")
        logging.getLogger("isctl").warning("--notifications-listen is deprecated: use --http-listen")
    if args.notifications_listen and not notifications_secret:
        raise SystemExit(
            "error: --notifications-listen needs a secret: --notifications-secret-file PATH, or "
            "IMAGESTREAMS_NOTIFICATIONS_SECRET_FILE or IMAGESTREAMS_NOTIFICATIONS_SECRET in the environment"
        )
    if bool(args.registry_token_key) != bool(args.registry_token_cert):
        raise SystemExit("error: --registry-token-key and --registry-token-cert go together")
    url = args.database_url
    if url and not url.startswith(("postgresql://", "postgres://", "sqlite:///")):
        raise SystemExit(
            "error: --database-url (or IMAGESTREAMS_DATABASE_URL) must be a postgresql:// (or sqlite:///PATH) URL"
        )
    if bool(args.tls_cert) != bool(args.tls_key):
        raise SystemExit("error: --tls-cert and --tls-key go together")
    if args.client_ca and not args.tls_cert:
        raise SystemExit("error: --client-ca needs --tls-cert and --tls-key")
    tls = None
    if args.tls_cert:
        for flag, value in (
            ("--tls-cert", args.tls_cert),
            ("--tls-key", args.tls_key),
            ("--client-ca", args.client_ca),
        ):
            if value and not Path(value).is_file():
                raise SystemExit(f"error: {flag}: no such file: {value}")
        tls = TlsConfig(Path(args.tls_cert), Path(args.tls_key), Path(args.client_ca) if args.client_ca else None)
    config = ServerConfig(
        listen=args.listen,
        store=StoreConfig(database_url=url, data_dir=Path(args.data_dir), snapshot_interval=args.snapshot_interval),
        registry_hostname=args.registry_hostname,
        registry_public_hostname=args.registry_public_hostname,
        watch=WatchSettings(progress_interval=args.watch_progress_interval, capacity=args.watch_buffer),
        import_interval=args.import_interval,
        max_status_history=args.max_status_history,
        auto_import=args.auto_import,
        http_listen=args.http_listen or args.notifications_listen,
        registry_cache_dir=Path(args.registry_cache_dir) if args.registry_cache_dir else None,
        registry_cache_bytes=args.registry_cache_size * 1024 * 1024,
        registry_tokens=TokenSettings(
            service=args.registry_token_service,
            issuer=args.registry_token_issuer,
            key_file=Path(args.registry_token_key) if args.registry_token_key else None,
            cert_file=Path(args.registry_token_cert) if args.registry_token_cert else None,
        ),
        notifications_listen=args.notifications_listen,
        notifications_secret=notifications_secret,
        # The key's value is read from the environment only: on a command line, `ps` would show it.
        secret_key=SecretKeyConfig(
            Path(args.secret_key_file) if args.secret_key_file else None, os.environ.get(ENV_KEY, "")
        ),
        tls=tls,
        allow_insecure_listen=args.allow_insecure_listen,
        admin_token_file=Path(args.admin_token_file) if args.admin_token_file else None,
    )
    with contextlib.suppress(KeyboardInterrupt):
        try:
            asyncio.run(serve(config))
        except (SecretKeyError, InsecureListen) as error:
            raise SystemExit(f"error: {error}") from None
    return 0
