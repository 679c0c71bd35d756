"""Where the Graph API lives, for the sender and the health probe alike.

A base URL may carry its API version (`https://graph.facebook.com/v21.0`, as Meta's docs write
it) or not (`https://graph.facebook.com`); the URL `graph_url` builds has exactly one version
segment either way: the base's own, else META_GRAPH_API_VERSION."""

import re

from django.conf import settings

VERSION = re.compile(r"v\d+\.\d+")


def graph_url(connection_or_base, path) -> str:
    """`path` is relative to the version, e.g. `{phone-number-id}/messages`."""
    return f"{versioned_base(connection_or_base)}/{str(path).lstrip('/')}"


def versioned_base(connection_or_base) -> str:
    base = _base(connection_or_base).rstrip("/")
    if VERSION.fullmatch(base.rsplit("/", 1)[-1]):
        return base
    return f"{base}/{api_version()}"


def api_version() -> str:
    version = settings.META_GRAPH_API_VERSION.strip("/")
    if not VERSION.fullmatch(version):
        raise ValueError(f"META_GRAPH_API_VERSION must look like v21.0, not {version!r}.")
    return version


def _base(connection_or_base) -> str:
    if isinstance(connection_or_base, str):
        return connection_or_base
    return connection_or_base.setting("graph_base_url") or settings.META_GRAPH_BASE_URL
