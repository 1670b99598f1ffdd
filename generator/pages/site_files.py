"""Files that are not listings: the sitemap, the 404 page, the theme's static files and content/static/."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from ..content.loader import RACY_SECONDS, readable, walk_files
from ..errors import BlogError
from . import Page, paginate
from .context import RenderContext


# The sitemap shows only which pages there are, and the posts' dates: the structure of the site (changes.py).
SITEMAP_GROUP = "sitemap"


def sitemap_page(ctx: RenderContext, urls: list[tuple[str, str]]):
    """`urls`: (site-relative URL, last modified ISO date) of every HTML page worth indexing."""
    key = ctx.data_key_of("sitemap", urls)

    def render():
        lines = ['<?xml version="1.0" encoding="UTF-8"?>',
                 '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
        for url, lastmod in urls:
            mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
            lines.append(f"  <url><loc>{escape(ctx.config.link(url))}</loc>{mod}</url>")
        lines.append("</urlset>\n")
        return "\n".join(lines).encode("utf-8")

    yield Page("sitemap.xml", key, render, "the sitemap", group=SITEMAP_GROUP)


def sitemap_urls(ctx: RenderContext) -> list[tuple[str, str]]:
    """Every page a reader can reach from the front page: posts, each page of every listing and archive, the
    indexes. (The 404 page, feeds and old-URL redirects are not pages to index.)"""
    from .archives import LIST_PAGE_SIZE
    from .indexes import ARCHIVES_URL, CATEGORIES_URL

    site = ctx.site

    def newest(posts) -> str:
        return posts[0].date.date().isoformat() if posts else ""

    def pages_of(posts, size: int, base: str) -> list[tuple[str, str]]:
        return [(page.url, newest(page.items)) for page in paginate(posts, size, base)]

    per_page = ctx.config.posts_per_page
    urls = pages_of(site.ordered, per_page, "/")
    urls += [(p.url, p.date.date().isoformat()) for p in site.ordered]
    for category, posts in sorted(site.categories.items()):
        if category != "/":
            urls += pages_of(posts, per_page, category + "/")
    urls.append(("/tags/", newest(site.ordered)))
    for tag in site.tags.values():
        urls += pages_of(tag.posts, LIST_PAGE_SIZE, tag.url)
    for year, posts in sorted(site.years.items()):
        urls += pages_of(posts, LIST_PAGE_SIZE, f"/{year:04d}/")
    for (year, month), posts in sorted(site.months.items()):
        urls += pages_of(posts, LIST_PAGE_SIZE, f"/{year:04d}/{month:02d}/")
    for (year, month, day), posts in sorted(site.days.items()):
        urls += pages_of(posts, LIST_PAGE_SIZE, f"/{year:04d}/{month:02d}/{day:02d}/")
    urls += [(p.url, "") for p in site.pages]   # undated: a page's file time is not part of the content
    urls += [(ARCHIVES_URL, newest(site.ordered)), (CATEGORIES_URL, newest(site.ordered))]
    urls.append(("/comments/", newest_comment(site)))   # linked from every page's header
    return urls


def newest_comment(site) -> str:
    """The date of the newest comment ('' with none): the recent comments page's date in the sitemap."""
    newest = max((c.date for comments in site.comments.values() for c in comments), default=None)
    return newest.date().isoformat() if newest else ""


def not_found_page(ctx: RenderContext):
    def render():
        return ctx.render_page("404.html", {"title": "Page not found", "feeds": [], "canonical": None,
                                            "description": "There is no page at this address."})

    yield Page("404.html", ctx.templates_key(("404.html",), "404"), render, "the 404 page")


FAVICON = "favicon.svg"


@dataclass(frozen=True)
class StaticFolder:
    """A folder copied as it is (content/static/, the theme's static/), walked once a build: its files are
    in the no-change key, in the pages and in the links a post may make."""
    folder: Path
    prefix: str                            # where its files go under output/
    source: str                            # how error messages name it
    files: list[tuple[str, Path, str]]     # copied_file_keys(folder)

    @classmethod
    def walk(cls, folder: Path, prefix: str, source: str) -> "StaticFolder":
        return cls(folder, prefix, source, copied_file_keys(folder))


def favicon(theme: StaticFolder, content: StaticFolder):
    """The theme's favicon at /favicon.svg, where every page links it, unless content/static/ has its own
    favicon.svg (copied there with the rest of content/static/)."""
    if (content.folder / FAVICON).is_file():
        return
    for rel, path, key in theme.files:
        if rel == FAVICON:
            yield Page(FAVICON, key, path.read_bytes, f"{theme.source}/{FAVICON}")


def copied_files(static: StaticFolder):
    """Every file of the folder, copied as it is to output/<prefix><relative path>."""
    for rel, path, key in static.files:
        yield Page(static.prefix + rel, key, path.read_bytes, f"{static.source}/{rel}")


def copied_file_keys(folder: Path) -> list[tuple[str, Path, str]]:
    """(relative path, path, key) of every file under `folder` worth copying; the key changes with its bytes."""
    if not folder.is_dir():
        return []
    racy_before = time.time_ns() - RACY_SECONDS * 1_000_000_000
    found = []
    # Dot-files and dot-folders (.git/) are not published; links are followed only inside the site (content/
    # static) or the themes folder, like every content file (the warnings are given when content is loaded).
    for rel, st in walk_files(str(folder), str(folder.parent.parent)):
        path = folder / rel
        if not readable(st):
            raise BlogError("cannot read this file (permission denied); fix its permissions", path)
        key = f"file:{st.st_mtime_ns}:{st.st_size}"
        if st.st_mtime_ns >= racy_before:
            # Changed moments ago: a same-size save within the same clock tick would keep this stat, so the
            # bytes decide. Once the file is older the stat alone does; that change of key costs one more read.
            key += ":" + hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
        found.append((rel, path, key))
    return found
