"""Who may read `/metrics`: a bearer of METRICS_TOKEN, or a client in METRICS_ALLOWED_NETWORKS.

The network check trusts REMOTE_ADDR, which TrustedProxyMiddleware sets to the real client behind
TRUSTED_PROXIES. A request that carries a forwarding header although no proxy is trusted came
through a proxy Opsdesk does not know about (often on 127.0.0.1 itself), so its address says
nothing about the client: only the token lets it in."""

import hmac
import ipaddress

from django.conf import settings

FORWARDING_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def allowed(request) -> bool:
    return has_token(request) or from_allowed_network(request)


def has_token(request) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


def from_allowed_network(request) -> bool:
    if not settings.TRUSTED_PROXIES and any(request.META.get(header) for header in FORWARDING_HEADERS):
        return False
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    address = getattr(address, "ipv4_mapped", None) or address
    return any(address in network for network in allowed_networks())


def allowed_networks():
    return [ipaddress.ip_network(cidr, strict=False) for cidr in settings.METRICS_ALLOWED_NETWORKS if cidr]
