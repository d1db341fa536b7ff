"""Endpoint URL rules that need no network: scheme, host, length, no credentials."""

from urllib.parse import urlsplit

from app.errors import InvalidRequest

MAX_URL_LENGTH = 2048


def check_endpoint_url(url: str) -> str:
    """Return ``url`` if it is an absolute http(s) URL fit to deliver to; raise ``invalid_url``."""
    if len(url) > MAX_URL_LENGTH:
        raise InvalidRequest(f"url is longer than {MAX_URL_LENGTH} characters", code="invalid_url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise InvalidRequest(f"url is malformed: {exc}", code="invalid_url") from None
    if parts.scheme not in ("http", "https"):
        raise InvalidRequest("url must start with http:// or https://", code="invalid_url")
    if not parts.hostname:
        raise InvalidRequest("url has no host", code="invalid_url")
    if parts.username or parts.password:
        raise InvalidRequest("url must not carry credentials", code="invalid_url")
    if port == 0:
        raise InvalidRequest("url port must be 1-65535", code="invalid_url")
    if any(c.isspace() for c in url):
        raise InvalidRequest("url contains white space", code="invalid_url")
    return url
