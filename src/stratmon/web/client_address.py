"""Which address a request comes from, as the sign-in throttle counts it.

The socket's peer, unless that peer is one of the reverse proxies named in `STRATMON_TRUSTED_PROXIES`
(`Site.trusted_proxies`): then the right-most address in `X-Forwarded-For` that is not a trusted proxy.
Each proxy appends the address it got the request from, so only the entries the trusted proxies added
can be believed; whatever lies to their left, the client wrote itself. With no trusted proxies the
header is never read.
"""

from __future__ import annotations

import ipaddress

from fastapi import Request

from stratmon.web.context import site

_MAX_HOPS = 20  # a longer chain is not a proxy's


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted(address, proxies) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_address(request: Request) -> str:
    """The address of the client that sent `request` (its peer's when nothing says otherwise)."""
    peer = request.client.host if request.client else "unknown"
    proxies = site(request).trusted_proxies
    if not _is_trusted(_address(peer), proxies):
        return peer
    hops = [hop for value in request.headers.getlist("x-forwarded-for") for hop in value.split(",")]
    nearest = peer
    for hop in reversed(hops[-_MAX_HOPS:]):
        address = _address(hop)
        if address is None:
            break  # not an address a proxy writes: believe nothing left of it
        if not _is_trusted(address, proxies):
            return str(address)
        nearest = str(address)
    return nearest
