"""`isctl adm registry-config`: the `auth:` and `notifications:` blocks of a `docker-registry` configuration
that sends its clients to this service's token service and its pushes to this service.

It reads (or, on a new data directory, makes) the token signing key's certificate, as `isctl serve` does, so
it runs on the server's machine and asks the server nothing.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..context import Subparsers, prose
from ..errors import UserInputError
from ..server_code import server_code

EXAMPLES = """\
examples:
  isctl adm registry-config --http-url http://127.0.0.1:50052 --data-dir data \\
      --notifications-secret-file notifications.secret >> /etc/docker/registry/config.yml
"""


def add_parser(areas: Subparsers, parents: list[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    parser = areas.add_parser(
        "registry-config",
        parents=parents,
        help="print the auth: and notifications: blocks of a docker-registry configuration",
        description=prose(
            "Print the `auth:` block (token authentication against this service: realm, service, issuer and the "
            "signing certificate as rootcertbundle) and the `notifications:` block (pushes posted to this "
            "service) of a docker-registry (distribution) configuration. Run it where `isctl serve` runs: it "
            "reads the token certificate from --data-dir, making the key on a new data directory as the server "
            "would, or from --registry-token-cert."
        ),
        epilog=EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    listen = os.environ.get("IMAGESTREAMS_HTTP_LISTEN", "")
    parser.add_argument(
        "--http-url",
        default=f"http://{listen}" if listen else "",
        help="the service's HTTP side as the registry reaches it, e.g. http://127.0.0.1:50052 (default: "
        "http:// and IMAGESTREAMS_HTTP_LISTEN)",
    )
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("IMAGESTREAMS_DATA_DIR", "data"),
        help="the server's data directory, where the token key is (env IMAGESTREAMS_DATA_DIR, default ./data)",
    )
    parser.add_argument(
        "--registry-token-cert",
        metavar="PATH",
        default=os.environ.get("IMAGESTREAMS_REGISTRY_TOKEN_CERT", ""),
        help="the token signing certificate given to `isctl serve` (env IMAGESTREAMS_REGISTRY_TOKEN_CERT)",
    )
    # Defaults filled in by run(): the server's package is imported only when this command runs.
    parser.add_argument("--service", default="", help="the token service name (default imagestreams-registry)")
    parser.add_argument("--issuer", default="", help="the token issuer (default imagestreams)")
    parser.add_argument(
        "--notifications-secret-file",
        metavar="PATH",
        default=os.environ.get("IMAGESTREAMS_NOTIFICATIONS_SECRET_FILE", ""),
        help="the secret `isctl serve` expects from registries; without it the block says <SECRET>",
    )
    parser.set_defaults(run=run)
    return parser


def run(args: argparse.Namespace, context: object) -> int:
    with server_code("adm registry-config"):
        from imagestreams_server.application.registry_tokens import (
            CERT_FILE,
            DEFAULT_ISSUER,
            DEFAULT_SERVICE,
            ensure_signing_key,
        )

    if not args.http_url.startswith(("http://", "https://")):
        raise UserInputError("--http-url is required: the service's HTTP side, e.g. http://127.0.0.1:50052")
    url = args.http_url.rstrip("/")
    if args.registry_token_cert:
        cert = Path(args.registry_token_cert)
        if not cert.is_file():
            raise UserInputError(f"--registry-token-cert: no such file: {cert}")
    else:
        directory = Path(args.data_dir)
        if not (directory / CERT_FILE).is_file():
            ensure_signing_key(directory)
        cert = directory / CERT_FILE
    secret = "<SECRET>"
    if args.notifications_secret_file:
        try:
            secret = Path(args.notifications_secret_file).read_text().strip()
        except OSError as error:
            problem = f"--notifications-secret-file: {error.strerror}: {args.notifications_secret_file}"
            raise UserInputError(problem) from None
    out = context.out  # type: ignore[attr-defined]
    out.write(
        "auth:\n"
        "  token:\n"
        f"    realm: {url}/v2/token\n"
        f"    service: {args.service or DEFAULT_SERVICE}\n"
        f"    issuer: {args.issuer or DEFAULT_ISSUER}\n"
        f"    rootcertbundle: {cert.resolve()}\n"
        "notifications:\n"
        "  endpoints:\n"
        "    - name: imagestreams\n"
        f"      url: {url}/registry/notifications\n"
        f'      headers: {{Authorization: ["Bearer {secret}"]}}\n'
        # Room for the service to read the pushed image's metadata from the registry before it answers.
        "      timeout: 10s\n"
        "      threshold: 5\n"
        "      backoff: 1s\n"
    )
    return 0
