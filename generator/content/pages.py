"""Standalone pages: files under content/pages/ ('about.md' -> /about.html, 'projects/index.md' -> /projects/).

A page has a title and a body but no date: it is in no listing, archive, feed, tag or related list, only in the
sitemap and, with `nav: 10`, in the header navigation. Blogs have a handful, so they are read on every build
(no record cache) and their Markdown is rendered only when their page is written.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import BlogError
from .frontmatter import key_line, split, without_controls
from .reader import POST_SUFFIXES, body_format, decode, digest, draft_field, required, text_field

PAGES_DIR = "pages"
_PAGE_KEYS = {"title", "nav", "draft", "format"}


@dataclass(frozen=True)
class StandalonePage:
    id: str                   # 'projects/index': the path under content/pages/, no extension
    source: str               # 'content/pages/projects/index.md'
    url: str                  # '/projects/', '/about.html'
    title: str
    nav: int | None           # its place in the header navigation, or None for none
    draft: bool
    body_format: str
    body: str
    extra: tuple[tuple[str, Any], ...]
    source_hash: str

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.extra)


def page_url(rel: str) -> str:
    """'about.md' -> '/about.html'; 'projects/index.md' -> '/projects/'."""
    stem = os.path.splitext(rel)[0]
    if stem == "index" or stem.endswith("/index"):
        return "/" + stem[: -len("index")]
    return "/" + stem + ".html"


def read_page(rel: str, data: bytes) -> StandalonePage:
    """`rel` is the path under content/pages/."""
    source = f"content/{PAGES_DIR}/{rel}"
    meta, body, fm_lines = split(decode(data, source), source)
    required(meta, "title", "About", "page", source)
    title = text_field(meta, "title", source, fm_lines)
    nav = meta.get("nav")
    if nav is not None and (isinstance(nav, bool) or not isinstance(nav, int)):
        raise BlogError(f"'nav: {nav}' must be a whole number (its place in the navigation, such as 10)", source,
                        key_line(fm_lines, "nav"))
    draft = draft_field(meta, source, fm_lines)
    fmt = body_format(meta, source, fm_lines)
    return StandalonePage(
        id=os.path.splitext(rel)[0], source=source, url=page_url(rel), title=title, nav=nav,
        draft=draft, body_format=fmt, body=body,
        extra=tuple((str(k), without_controls(v)) for k, v in meta.items() if k not in _PAGE_KEYS),
        source_hash=digest(data))


def load_pages(site_dir: Path, warn) -> list[StandalonePage]:
    """Every page under content/pages/, in path order."""
    from .loader import walk_files

    folder = site_dir / "content" / PAGES_DIR
    if not folder.is_dir():
        return []
    pages = []
    for rel, _ in walk_files(str(folder), str(site_dir), warn):
        if os.path.splitext(rel)[1] not in POST_SUFFIXES:
            warn(f"warning: content/{PAGES_DIR}/{rel}: not a page (pages end in .md); ignored. "
                 "Files to publish as they are go in content/static/")
            continue
        try:
            data = (folder / rel).read_bytes()
        except OSError as e:
            raise BlogError(f"cannot read this file ({e.strerror}); fix it or its permissions",
                            f"content/{PAGES_DIR}/{rel}") from None
        pages.append(read_page(rel, data))
    return pages


def nav_entries(pages: list[StandalonePage]) -> list[tuple[str, str]]:
    """(title, url) of the pages with `nav:`, in its order (then by title): the header navigation."""
    shown = sorted((p for p in pages if p.nav is not None), key=lambda p: (p.nav, p.title, p.url))
    return [(p.title, p.url) for p in shown]
