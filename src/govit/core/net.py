"""Request helpers shared by web, API and auditing: the caller's source address.

Behind a reverse proxy REMOTE_ADDR is the proxy. `GOVIT_TRUSTED_PROXIES` lists the proxies (addresses
or CIDR networks, comma-separated in the environment) whose X-Forwarded-For hop may be believed:
the client is the rightmost X-Forwarded-For address that is *not* a trusted proxy — the left part of
the header is whatever the client chose to send, so taking the leftmost entry lets anyone forge their
address. With no trusted proxy configured the header is ignored, and REMOTE_ADDR is the source.

`GOVIT_USE_X_FORWARDED_FOR` (the older switch) still works: it trusts exactly one proxy hop, the
REMOTE_ADDR one, whatever its address.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(spec: tuple[str, ...]) -> tuple[Network, ...]:
    networks = []
    for item in spec:
        item = item.strip()
        if item:
            networks.append(ipaddress.ip_network(item, strict=False))
    return tuple(networks)


def trusted_proxies() -> tuple[Network, ...]:
    configured = getattr(settings, "GOVIT_TRUSTED_PROXIES", ()) or ()
    if isinstance(configured, str):
        configured = configured.split(",")
    return _networks(tuple(str(c) for c in configured))


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("[") and "]" in text:  # [v6]:port
        text = text[1:text.index("]")]
    elif text.count(":") == 1:  # v4:port
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[Network, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest | None) -> str | None:
    """The caller's address (see the module docstring)."""
    if request is None:
        return None
    remote = request.META.get("REMOTE_ADDR") or None
    forwarded = [hop for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    networks = trusted_proxies()
    if networks:
        peer = _address(remote or "")
        if peer is None or not _trusted(peer, networks):
            return remote  # not from our proxy: its header is the client's own claim
        for hop in reversed(forwarded):
            address = _address(hop)
            if address is None:
                return remote  # a malformed hop: stop believing the chain
            if not _trusted(address, networks):
                return str(address)
        return remote
    if getattr(settings, "GOVIT_USE_X_FORWARDED_FOR", False) and forwarded:
        address = _address(forwarded[-1])
        return str(address) if address is not None else remote
    return remote
