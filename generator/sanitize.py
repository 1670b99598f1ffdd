"""Comment HTML from strangers, cleaned with nh3 (a maintained Rust sanitizer): an allow-list of tags and
attributes, links only to http(s) and marked nofollow ugc. Everything else is dropped."""

from __future__ import annotations

import nh3

ALLOWED_TAGS = {"p", "br", "em", "strong", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https"}

SANITIZER_FINGERPRINT = repr((nh3.__version__ if hasattr(nh3, "__version__") else "nh3",
                              sorted(ALLOWED_TAGS), sorted((k, sorted(v)) for k, v in ALLOWED_ATTRIBUTES.items()),
                              sorted(URL_SCHEMES)))


def sanitize_comment_html(html: str) -> str:
    return nh3.clean(html, tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES, url_schemes=URL_SCHEMES,
                     link_rel="nofollow ugc", strip_comments=True)


def safe_url(url: str) -> str:
    """The URL if it is http(s), else '' (a commenter's link is never javascript: or data:)."""
    lowered = url.strip().lower()
    if lowered.startswith(("http://", "https://")) and not any(c in url for c in "\"'<> \t\n\r"):
        return url.strip()
    return ""
