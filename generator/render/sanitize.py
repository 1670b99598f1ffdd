"""Comment HTML from strangers, cleaned with nh3 (a maintained Rust sanitizer): an allow-list of tags and
attributes, links only to http(s) and marked nofollow ugc. Everything else is dropped.

Control characters are dropped too, from bodies and from author names: XML (the feeds) cannot hold them at
all, and a terminal printing `blog comments list` must not obey an escape sequence a stranger wrote."""

from __future__ import annotations

import re

import nh3

ALLOWED_TAGS = {"p", "br", "em", "strong", "b", "i", "code", "pre", "blockquote", "ul", "ol", "li", "a"}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
URL_SCHEMES = {"http", "https"}

# Bump when sanitize_comment_html's output for the same input could change: cached comment HTML is keyed by it.
SANITIZER_REVISION = 3

SANITIZER_FINGERPRINT = repr((SANITIZER_REVISION, nh3.__version__ if hasattr(nh3, "__version__") else "nh3",
                              sorted(ALLOWED_TAGS), sorted((k, sorted(v)) for k, v in ALLOWED_ATTRIBUTES.items()),
                              sorted(URL_SCHEMES)))

# Not allowed in XML 1.0, or C1 controls: C0 controls but tab, newline and return; DEL and C1; surrogates;
# the two non-characters U+FFFE and U+FFFF.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")


def strip_controls(text: str) -> str:
    return _CONTROL.sub("", text)


# A link whose href nh3 removed (javascript:, data:, none at all): '<a rel="nofollow ugc">text</a>' is not valid
# HTML and links nowhere, so it becomes its text. nh3 writes '>' in attribute values as '&gt;', so a start tag
# ends at the first '>', and it never nests links, so the first '</a>' closes it.
_LINK = re.compile(r"<a((?:\s[^\s=>]+(?:=\"[^\"]*\")?)*)>(.*?)</a>", re.DOTALL)
_ATTRIBUTE_NAME = re.compile(r"\s([^\s=>]+)(?:=\"[^\"]*\")?")


def _unwrap_if_no_href(match: re.Match) -> str:
    names = _ATTRIBUTE_NAME.findall(match.group(1))
    return match.group(0) if "href" in names else match.group(2)


def sanitize_comment_html(html: str) -> str:
    clean = nh3.clean(strip_controls(html), tags=ALLOWED_TAGS, attributes=ALLOWED_ATTRIBUTES,
                      url_schemes=URL_SCHEMES, link_rel="nofollow ugc", strip_comments=True)
    return _LINK.sub(_unwrap_if_no_href, clean)


def plain_text(text: str) -> str:
    """A stranger's one-line text (an author's name): control characters gone, white space folded.
    Still text, not HTML: templates and feeds escape it."""
    return " ".join(strip_controls(text).split())


def safe_url(url: str) -> str:
    """The URL if it is http(s), else '' (a commenter's link is never javascript: or data:)."""
    lowered = url.strip().lower()
    if lowered.startswith(("http://", "https://")) and not _CONTROL.search(url) \
            and not any(c in url for c in "\"'<> \t\n\r\\`"):
        return url.strip()
    return ""
