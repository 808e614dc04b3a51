"""How `login`, `new-project` and `project` change the configuration file, the way oc changes a kubeconfig.

oc names the contexts it writes `NAMESPACE/SERVER/USER`, the server with its dots turned into dashes
(`team-a/127-0-0-1:50051/alice`), and switching projects moves to (or creates) the context of that name,
so every project visited keeps a context of its own. A context the user named otherwise is changed in place.
"""

from __future__ import annotations

import os
from dataclasses import replace

from imagestreams_client.channel import split_scheme

from .config import ContextEntry
from .context import Context


def cluster_nickname(server: str) -> str:
    """oc's GetClusterNicknameFromURL: the host and port, dots as dashes."""
    target, _ = split_scheme(server)
    return target.replace(".", "-")


def context_nickname(namespace: str, server: str, username: str) -> str:
    return f"{namespace}/{cluster_nickname(server)}/{username}"


def absolute(path: str) -> str:
    """A file named on the command line, as the configuration file keeps it: usable from any directory."""
    return os.path.abspath(os.path.expanduser(path)) if path else ""


def connection_entry(context: Context, name: str, namespace: str, token: str) -> ContextEntry:
    """A context for the server and TLS settings this command used."""
    settings = context.settings
    return ContextEntry(
        name=name,
        server=context.server,
        namespace=namespace,
        token=token,
        certificate_authority=absolute(settings.certificate_authority),
        insecure_skip_tls_verify=settings.insecure_skip_tls_verify,
        client_certificate=absolute(settings.client_certificate),
        client_key=absolute(settings.client_key),
    )


def use_project(context: Context, namespace: str, username: str) -> None:
    """Makes `namespace` the project of the current context, and saves the configuration file.

    With no context in use (the token came from the environment or a flag), a context is created for the
    server without a token: the file gets no credential the user did not ask it to keep."""
    config = context.load_config()
    current = config.get(context.settings.context) if context.settings.context else None
    if current is not None and not _named_by_oc(current):
        current.namespace = namespace
        config.current_context = current.name
    else:
        base = current or connection_entry(context, "", namespace, "")
        name = context_nickname(namespace, base.server or context.server, username)
        config.put(replace(base, name=name, namespace=namespace))
        config.current_context = name
    context.save_config(config)


def _named_by_oc(entry: ContextEntry) -> bool:
    prefix = f"{entry.namespace}/{cluster_nickname(entry.server)}/"
    return entry.name.startswith(prefix) and len(entry.name) > len(prefix)
