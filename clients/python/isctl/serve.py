"""`isctl serve`: runs the service (embedded SQLite by default, PostgreSQL with a `postgresql://` URL)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
from pathlib import Path

from . import serve_secrets
from .booleans import add_bool_flag

DEFAULT_LISTEN = "127.0.0.1:50051"


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "serve",
        help="run the image streams service",
        description="Run the gRPC service. Without --database-url the log is an SQLite file in --data-dir.",
    )
    parser.add_argument(
        "--listen",
        default=os.environ.get("IMAGESTREAMS_LISTEN", DEFAULT_LISTEN),
        help=f"HOST:PORT to listen on (env IMAGESTREAMS_LISTEN, default {DEFAULT_LISTEN})",
    )
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("IMAGESTREAMS_DATA_DIR", "data"),
        help="directory of the embedded SQLite store (env IMAGESTREAMS_DATA_DIR, default ./data)",
    )
    parser.add_argument(
        "--database-url",
        # None: not on the command line, so the environment's is used (read in run()).
        default=None,
        help="postgresql://USER@HOST:PORT/DBNAME to keep the log in PostgreSQL (env IMAGESTREAMS_DATABASE_URL). "
        "Keep the password off the command line, where ps shows it: give the URL in the environment, or the "
        "password in a libpq password file (PGPASSFILE or ~/.pgpass)",
    )
    parser.add_argument(
        "--registry-hostname",
        default=os.environ.get("IMAGESTREAMS_REGISTRY_HOSTNAME", ""),
        help="registry host that serves streams as HOST/NAMESPACE/NAME (env IMAGESTREAMS_REGISTRY_HOSTNAME)",
    )
    parser.add_argument(
        "--registry-public-hostname",
        default=os.environ.get("IMAGESTREAMS_REGISTRY_PUBLIC_HOSTNAME", ""),
        help="the same registry's host as clients outside reach it: streams get publicDockerImageRepository "
        "HOST/NAMESPACE/NAME and tags a public pull spec (env IMAGESTREAMS_REGISTRY_PUBLIC_HOSTNAME)",
    )
    parser.add_argument(
        "--watch-progress-interval",
        type=float,
        default=float(os.environ.get("IMAGESTREAMS_WATCH_PROGRESS_INTERVAL", "5")),
        help="seconds of silence before a watch gets a progress marker "
        "(env IMAGESTREAMS_WATCH_PROGRESS_INTERVAL, default 5)",
    )
    parser.add_argument(
        "--watch-buffer",
        type=int,
        default=int(os.environ.get("IMAGESTREAMS_WATCH_BUFFER", "1000")),
        help="changes buffered per watcher before it is ended as too slow (env IMAGESTREAMS_WATCH_BUFFER, "
        "default 1000)",
    )
    parser.add_argument(
        "--import-interval",
        type=float,
        default=float(os.environ.get("IMAGESTREAMS_IMPORT_INTERVAL", "900")),
        help="seconds between checks of each tag with a scheduled import policy; 0 turns these re-checks off "
        "(env IMAGESTREAMS_IMPORT_INTERVAL, default 900)",
    )
    add_bool_flag(
        parser,
        "--auto-import",
        default=os.environ.get("IMAGESTREAMS_AUTO_IMPORT", "true").lower() not in ("0", "false", "no"),
        help="import registry tags and repositories that wait for their first import, in the background "
        "(env IMAGESTREAMS_AUTO_IMPORT, default on)",
    )
    parser.add_argument(
        "--no-auto-import", dest="auto_import", action="store_false", help="same as --auto-import=false"
    )
    parser.add_argument(
        "--http-listen",
        default=os.environ.get("IMAGESTREAMS_HTTP_LISTEN", ""),
        help="HOST:PORT of the HTTP side: registry push notifications (POST /registry/notifications), the "
        "registry token service (GET /v2/token), health (GET /healthz); off when empty "
        "(env IMAGESTREAMS_HTTP_LISTEN)",
    )
    parser.add_argument(
        "--registry-token-key",
        metavar="PATH",
        default=os.environ.get("IMAGESTREAMS_REGISTRY_TOKEN_KEY", ""),
        help="ECDSA P-256 key (PEM) that signs registry tokens; replicas share one (env "
        "IMAGESTREAMS_REGISTRY_TOKEN_KEY; default DATA_DIR/registry-token.key, made on first start)",
    )
    parser.add_argument(
        "--registry-token-cert",
        metavar="PATH",
        default=os.environ.get("IMAGESTREAMS_REGISTRY_TOKEN_CERT", ""),
        help="the certificate of --registry-token-key, the registry's rootcertbundle (env "
        "IMAGESTREAMS_REGISTRY_TOKEN_CERT; default DATA_DIR/registry-token.crt)",
    )
    parser.add_argument(
        "--registry-token-service",
        default=os.environ.get("IMAGESTREAMS_REGISTRY_TOKEN_SERVICE", "imagestreams-registry"),
        help="the registry's auth.token.service: the audience of the tokens issued (default imagestreams-registry)",
    )
    parser.add_argument(
        "--registry-token-issuer",
        default=os.environ.get("IMAGESTREAMS_REGISTRY_TOKEN_ISSUER", "imagestreams"),
        help="the registry's auth.token.issuer (default imagestreams)",
    )
    parser.add_argument(
        "--registry-cache-dir",
        metavar="PATH",
        default=os.environ.get("IMAGESTREAMS_REGISTRY_CACHE_DIR", ""),
        help="where blobs pulled through the service for Local tags are cached (env "
        "IMAGESTREAMS_REGISTRY_CACHE_DIR, default DATA_DIR/blob-cache)",
    )
    parser.add_argument(
        "--registry-cache-size",
        metavar="MIB",
        type=int,
        default=int(os.environ.get("IMAGESTREAMS_REGISTRY_CACHE_SIZE", "10240")),
        help="the most the blob cache holds, in MiB; least recently used blobs go first (env "
        "IMAGESTREAMS_REGISTRY_CACHE_SIZE, default 10240)",
    )
    parser.add_argument(
        "--notifications-listen",
        default=os.environ.get("IMAGESTREAMS_NOTIFICATIONS_LISTEN", ""),
        help="deprecated name of --http-listen (env IMAGESTREAMS_NOTIFICATIONS_LISTEN)",
    )
    parser.add_argument(
        "--notifications-secret-file",
        metavar="PATH",
        default=None,
        help="file holding the secret registries send as 'Authorization: Bearer SECRET' "
        "(env IMAGESTREAMS_NOTIFICATIONS_SECRET_FILE, or the secret itself in IMAGESTREAMS_NOTIFICATIONS_SECRET)",
    )
    parser.add_argument(
        "--notifications-secret",
        default=None,
        help="the secret itself; ps shows it to every user, prefer --notifications-secret-file",
    )
    parser.add_argument(
        "--secret-key-file",
        metavar="PATH",
        default=os.environ.get("IMAGESTREAMS_SECRET_KEY_FILE", ""),
        help="file holding the key that encrypts pull secrets: 32 random bytes, base64 (env "
        "IMAGESTREAMS_SECRET_KEY_FILE; or the key itself in IMAGESTREAMS_SECRET_KEY). Default with SQLite: "
        "DATA_DIR/secret.key, generated on first start; PostgreSQL needs one, shared by every replica",
    )
    parser.add_argument(
        "--tls-cert",
        metavar="PATH",
        default=os.environ.get("IMAGESTREAMS_TLS_CERT", ""),
        help="PEM certificate (chain) to serve gRPC over TLS (env IMAGESTREAMS_TLS_CERT); needs --tls-key",
    )
    parser.add_argument(
        "--tls-key",
        metavar="PATH",
        default=os.environ.get("IMAGESTREAMS_TLS_KEY", ""),
        help="PEM private key of --tls-cert (env IMAGESTREAMS_TLS_KEY)",
    )
    parser.add_argument(
        "--client-ca",
        metavar="PATH",
        default=os.environ.get("IMAGESTREAMS_CLIENT_CA", ""),
        help="PEM CA bundle: require client certificates signed by it (mutual TLS); a certificate's CN is the "
        "caller's user name and its O entries its groups (env IMAGESTREAMS_CLIENT_CA)",
    )
    add_bool_flag(
        parser,
        "--allow-insecure-listen",
        default=os.environ.get("IMAGESTREAMS_ALLOW_INSECURE_LISTEN", "").lower() in ("1", "true", "yes"),
        help="listen on a non-loopback address without TLS (only behind a TLS-terminating proxy)",
    )
    parser.add_argument(
        "--admin-token-file",
        metavar="PATH",
        default=os.environ.get("IMAGESTREAMS_ADMIN_TOKEN_FILE", ""),
        help="where a new store's cluster administrator token is written (default DATA_DIR/admin.token)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here: the server pulls in the database drivers, which every other verb can do without.
    from imagestreams_server.api.server import InsecureListen, ServerConfig, TlsConfig, serve
    from imagestreams_server.application.registry_tokens import TokenSettings
    from imagestreams_server.application.watching import WatchSettings
    from imagestreams_server.store.config import StoreConfig
    from imagestreams_server.store.crypto import ENV_KEY, SecretKeyConfig, SecretKeyError

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    try:
        notifications_secret = serve_secrets.notifications_secret(
            args.notifications_secret, args.notifications_secret_file, os.environ
        )
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
    if args.registry_cache_size < 0:
        raise SystemExit("error: --registry-cache-size must not be negative")
    if bool(args.registry_token_key) != bool(args.registry_token_cert):
        raise SystemExit("error: --registry-token-key and --registry-token-cert go together")
    if args.import_interval < 0:
        raise SystemExit("error: --import-interval must not be negative")
    if args.watch_progress_interval <= 0 or args.watch_buffer <= 0:
        raise SystemExit("error: --watch-progress-interval and --watch-buffer must be positive")
    url = serve_secrets.database_url(args.database_url, os.environ)
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
        store=StoreConfig(database_url=url, data_dir=Path(args.data_dir)),
        registry_hostname=args.registry_hostname,
        registry_public_hostname=args.registry_public_hostname,
        watch=WatchSettings(progress_interval=args.watch_progress_interval, capacity=args.watch_buffer),
        import_interval=args.import_interval,
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
