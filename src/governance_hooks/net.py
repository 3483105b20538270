"""The one way the tool talks to a network service with a credential.

Rules (``docs/security.md``): the URL and the decision to go online come from
the command line or the environment only (never from repository files, which
may be hostile); the URL is ``https``, or ``http`` to a loopback address (for
tests); a redirect never carries the credential to another origin (urllib
copies ``Authorization`` onto a redirected request whatever its host).
"""

from __future__ import annotations

import ipaddress
import urllib.error
import urllib.parse
import urllib.request
from typing import Optional, Tuple

from .errors import ToolError


def _origin(url: str) -> Tuple[str, str, Optional[int]]:
    parts = urllib.parse.urlsplit(url)
    default = {"https": 443, "http": 80}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port or default


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP literals (``127.0.0.0/8``, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def allowed_url(url: str) -> bool:
    """True for an ``https`` URL with a host, or an ``http`` URL to a loopback host."""
    scheme, host, _ = _origin(url)
    return bool(host) and (scheme == "https" or (scheme == "http" and is_loopback(host)))


def check_api_url(url: str, option: str = "--api-url") -> str:
    """``url`` without a trailing slash, or ToolError when :func:`allowed_url` refuses it."""
    if not allowed_url(url):
        raise ToolError(f"{option} {url!r}: only https URLs (or http to a loopback address) may receive a token")
    return url.rstrip("/")


class _CredentialRedirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects, but drop ``Authorization`` when the origin changes, and refuse plain http."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: D401 - urllib's signature
        if not allowed_url(newurl):
            raise urllib.error.URLError(f"redirect to {newurl!r} refused (not https)")
        new = super().redirect_request(req, fp, code, msg, headers, newurl)
        if new is not None and _origin(newurl) != _origin(req.full_url):
            for name in list(new.headers):
                if name.lower() == "authorization":
                    del new.headers[name]
            for name in list(new.unredirected_hdrs):
                if name.lower() == "authorization":
                    del new.unredirected_hdrs[name]
        return new


def open_url(request: urllib.request.Request, timeout: float):
    """``urlopen`` with the redirect rule above and no proxy-from-repository surprises.

    Raises:
        urllib.error.URLError, OSError: as ``urlopen``.
    """
    if not allowed_url(request.full_url):
        raise urllib.error.URLError(f"{request.full_url!r} refused (not https)")
    opener = urllib.request.build_opener(_CredentialRedirects())
    return opener.open(request, timeout=timeout)
