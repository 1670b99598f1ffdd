"""Relative links in a post's HTML, made right wherever the post appears.

A post's body says `![cover](cover.png)`: right on the post's own page, wrong on the front page, a category
page or in a feed reader. Each body's HTML is scanned once for its relative `src`/`href`s (kept in the cache
by body hash, so page keys can name the images a post shows without its HTML), and rewritten once per post
per build: each relative URL resolved against the post's URL, images given their size and `loading`.
Absolute (`https:`, `mailto:`), root-relative (`/x`, `//host`) and fragment (`#x`) links are left alone.
Only tags are looked at (never text: a code sample's `&lt;a href=...&gt;` is not a tag), by regular
expression, one pass over the HTML: no HTML parser on 10,000 bodies.
"""

from __future__ import annotations

import html
import re
from typing import Callable
from urllib.parse import unquote, urljoin

# An attribute value that is a relative URL: not empty, no scheme, not '/...' and not '#...'.
_RELATIVE = r"""(?!["'\s>]|[a-zA-Z][a-zA-Z0-9+.\-]*:|[/#])"""
# Every <img> (all get `loading`), and any other tag with a relative src, href or poster.
TAG = re.compile(r"<(?:(img)\b[^>]*|(?:a|source|video|audio|iframe|embed|track|area)\b[^>]*?"
                 r"""\s(?:src|href|poster)\s*=\s*["']?""" + _RELATIVE + r"[^>]*)>", re.IGNORECASE)
ATTR = re.compile(r"""\s([^\s"'>/=]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
URL_ATTRS = ("src", "href", "poster")
_IS_RELATIVE = re.compile(_RELATIVE)

# The first image of a body is marked eager (the default, said out loud): a listing page that shows it below
# another post's image swaps the mark for lazy with one str.replace, no parsing.
FIRST_IMAGE = '<img loading="eager"'
LAZY_IMAGE = '<img loading="lazy"'


def _attrs(tag_text: str):
    """(name lowercased, value, value start, value end) of each attribute of one tag's text."""
    for m in ATTR.finditer(tag_text):
        for group in (2, 3, 4):
            if m.group(group) is not None:
                yield m.group(1).lower(), m.group(group), m.start(group), m.end(group)
                break
        else:
            yield m.group(1).lower(), None, -1, -1


def is_relative(url: str) -> bool:
    return bool(url) and _IS_RELATIVE.match(url) is not None


def relative_refs(body: str) -> tuple[tuple[str, str], ...]:
    """(tag name, URL as written) of every relative src/href/poster in the HTML, in order, each once."""
    found: dict[tuple[str, str], None] = {}
    for m in TAG.finditer(body):
        text = m.group(0)
        name = text[1:].split(None, 1)[0].rstrip(">/").lower()
        for attr, value, _, _ in _attrs(text):
            if attr in URL_ATTRS and value is not None and is_relative(value.strip()):
                found[(name, value.strip())] = None
    return tuple(found)


def resolve(page_url: str, ref: str) -> tuple[str, str]:
    """(site-relative URL, path under output/) of `ref` as written in the page at `page_url`: the URL keeps
    the query and fragment and its escapes; the path is the file it names, unescaped."""
    url = urljoin(page_url, html.unescape(ref))
    path = url.split("#", 1)[0].split("?", 1)[0]
    return url, unquote(path).lstrip("/")


def rewrite(body: str, page_url: str, prefix: str, image_attrs: Callable[[str, str], dict[str, str]]) -> str:
    """`body` with every relative URL made `prefix` + its site-relative URL, and every <img> given
    `image_attrs(path, url)` (width, height, srcset...) unless it says them itself, and `loading`."""
    first = True

    def one_tag(m: re.Match) -> str:
        nonlocal first
        text = m.group(0)
        is_img = m.group(1) is not None
        pieces, last = [], 0
        present, image_path, image_url = set(), "", ""
        for attr, value, start, end in _attrs(text):
            present.add(attr)
            if attr in URL_ATTRS and value is not None and is_relative(value.strip()):
                url, path = resolve(page_url, value.strip())
                pieces += [text[last:start], html.escape(prefix + url, quote=True)]
                last = end
                if is_img and attr == "src":
                    image_path, image_url = path, url
        pieces.append(text[last:])
        out = "".join(pieces)
        if not is_img:
            return out
        added = []
        if "loading" not in present:
            added.append(('loading', "eager" if first else "lazy"))
        first = False
        if image_path and not present & {"width", "height"}:
            extra = image_attrs(image_path, image_url)
            added += [(k, v if k != "srcset" else _prefixed_srcset(v, prefix))
                      for k, v in extra.items() if k not in present]
        if not added:
            return out
        head = " ".join(f'{k}="{html.escape(v, quote=True)}"' for k, v in added)
        return f"<img {head}{out[4:]}"   # right after "<img": where FIRST_IMAGE looks for it

    return TAG.sub(one_tag, body)


def _prefixed_srcset(srcset: str, prefix: str) -> str:
    return ", ".join(prefix + item.strip() for item in srcset.split(","))


def make_lazy(block: str) -> str:
    """A block shown below another image on the same page: its first image is no longer the page's first."""
    return str.replace(block, FIRST_IMAGE, LAZY_IMAGE)   # str's, not Markup's (which would escape LAZY_IMAGE)
