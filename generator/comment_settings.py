"""The `comments:` mapping of config.yaml: the comment form on post pages and `blog comments serve`, the
receiver behind it. Each key is checked on its own (so keys can be added one at a time); config.py reads the
section as it reads the others, an unknown key an error that names it."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, fields
from urllib.parse import urlsplit

from .errors import BlogError


@dataclass(frozen=True)
class CommentSettings:
    form_url: str = ""                  # where the form posts; empty: no form on post pages
    close_after_days: int | None = None  # a post older than this takes no more comments; None: never closes
    honeypot: str = "topic"               # the hidden field's name; a bot fills it, a person never sees it
    min_seconds: int = 3                # a token younger than this is refused: posted faster than a person can
    max_links: int = 3
    max_comment_chars: int = 10_000
    max_field_chars: int = 200          # name, website and email each
    max_request_bytes: int = 65_536     # a bigger POST is refused before its body is read
    rate_per_client: str = "5/minute;30/hour"   # the `limits` package's notation
    rate_global: str = "60/minute"
    max_pending: int = 500              # comments waiting in comments-pending/ ...
    max_pending_bytes: int = 20_000_000  # ... and their bytes: when full, 503 until the blogger moderates
    trusted_proxies: tuple[str, ...] = ()   # addresses whose X-Forwarded-For is believed
    notify_email: str = ""
    notify_from: str = ""
    smtp_host: str = "localhost"
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_password_env: str = "BLOG_SMTP_PASSWORD"   # the environment variable holding the password
    smtp_starttls: bool = True
    max_bytes: int = 20_480             # a comment longer than this is published as plain text (the build's budget)

    @property
    def form_path(self) -> str:
        """The path the receiver answers on: '/comment' for https://blog.example.org/comment."""
        return urlsplit(self.form_url).path or "/"


# Settings only the receiver reads: left out of the build's fingerprint, so changing a rate limit does not
# re-render every page. Everything else (including keys added later) is in it.
RECEIVER_ONLY = frozenset({
    "min_seconds", "max_links", "max_request_bytes", "rate_per_client", "rate_global", "max_pending",
    "max_pending_bytes", "trusted_proxies", "notify_email", "notify_from", "smtp_host", "smtp_port",
    "smtp_user", "smtp_password_env", "smtp_starttls"})


def _count(minimum: int):
    def check(value, key, path):
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise BlogError(f"'{key}' must be a whole number of {minimum} or more, not {value!r}", path)
        return value
    return check


def _text(value, key, path):
    if not isinstance(value, str):
        raise BlogError(f"'{key}' must be text, not {value!r}", path)
    return value.strip()


def _flag(value, key, path):
    if not isinstance(value, bool):
        raise BlogError(f"'{key}' must be true or false, not {value!r}", path)
    return value


def _url(value, key, path):
    value = _text(value, key, path)
    if value and (urlsplit(value).scheme not in ("http", "https") or not urlsplit(value).netloc):
        raise BlogError(f"'{key}' must be an http:// or https:// address such as "
                        f"https://blog.example.org/comment, not {value!r}", path)
    return value


def _days(value, key, path):
    return None if value is None else _count(1)(value, key, path)


def _field_name(value, key, path):
    value = _text(value, key, path)
    if not value.isidentifier() or value in ("post", "token", "name", "website", "email", "comment"):
        raise BlogError(f"'{key}' must be a field name of letters (not one the form uses), not {value!r}", path)
    return value


def _rate(value, key, path):
    from limits import parse_many   # here: a build never needs it
    value = _text(value, key, path)
    try:
        parse_many(value)
    except ValueError:
        raise BlogError(f"'{key}' must be a rate such as \"5/minute;30/hour\", not {value!r}", path) from None
    return value


def _proxies(value, key, path):
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise BlogError(f"'{key}' must be a list of addresses, such as [127.0.0.1]", path)
    for item in value:
        try:
            ipaddress.ip_network(str(item), strict=False)
        except ValueError:
            raise BlogError(f"'{key}': {item!r} is not an IP address or network (127.0.0.1, 10.0.0.0/8)",
                            path) from None
    return tuple(str(v) for v in value)


CHECKS = {
    "form_url": _url, "close_after_days": _days, "honeypot": _field_name, "min_seconds": _count(0),
    "max_links": _count(0), "max_comment_chars": _count(1), "max_field_chars": _count(1),
    "max_request_bytes": _count(1024), "rate_per_client": _rate, "rate_global": _rate,
    "max_pending": _count(1), "max_pending_bytes": _count(1024), "trusted_proxies": _proxies,
    "notify_email": _text, "notify_from": _text, "smtp_host": _text, "smtp_port": _count(1),
    "smtp_user": _text, "smtp_password_env": _text, "smtp_starttls": _flag, "max_bytes": _count(1),
}
assert set(CHECKS) == {f.name for f in fields(CommentSettings)}
