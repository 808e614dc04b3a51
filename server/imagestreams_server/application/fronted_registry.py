"""Which registry hosts the service speaks to without TLS verification on its own account.

The registry the service fronts (`--registry-hostname`) and registries on loopback are the operator's own,
commonly served over plain HTTP or with a certificate the service does not hold; the service reads pushed
images' metadata from them and deletes pruned manifests there. Every other host gets verified HTTPS only.
"""

from __future__ import annotations

import ipaddress


def may_skip_tls(host: str, registry_hostname: str) -> bool:
    """Whether `host` (`name`, `name:port`, `[v6]` or `[v6]:port`) is the fronted registry or on loopback."""
    if registry_hostname and host == registry_hostname:
        return True
    name = host.strip("[]") if host.endswith("]") else host.rsplit(":", 1)[0].strip("[]")
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False
