"""Files that are not listings: the sitemap, the 404 page, the theme's static files and content/static/."""

from __future__ import annotations

import hashlib
import time
from pathlib import Path
from xml.sax.saxutils import escape

from ..content.loader import RACY_SECONDS, readable, walk_files
from ..errors import BlogError
from . import Page
from .context import RenderContext


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

    yield Page("sitemap.xml", key, render, "the sitemap")


def sitemap_urls(ctx: RenderContext) -> list[tuple[str, str]]:
    site = ctx.site
    urls = [("/", site.ordered[0].date.date().isoformat() if site.ordered else "")]
    urls += [(p.url, p.date.date().isoformat()) for p in site.ordered]
    urls += [(c + "/", posts[0].date.date().isoformat()) for c, posts in sorted(site.categories.items()) if c != "/"]
    urls += [(t.url, t.posts[0].date.date().isoformat()) for t in site.tags.values()]
    comments = [c for items in site.comments.values() for c in items]
    if comments:
        urls.append(("/comments/", max(c.date for c in comments).date().isoformat()))
    return urls


def not_found_page(ctx: RenderContext):
    def render():
        return ctx.render_page("404.html", {"title": "Page not found", "feeds": [], "canonical": None})

    yield Page("404.html", ctx.key("404"), render, "the 404 page")


def copied_files(folder: Path, prefix: str, source: str):
    """Every file under `folder`, copied as it is to output/<prefix><relative path>."""
    for rel, path, key in copied_file_keys(folder):
        yield Page(prefix + rel, key, path.read_bytes, f"{source}/{rel}")


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
