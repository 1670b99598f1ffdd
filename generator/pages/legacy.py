"""PyBlosxom's old URL shapes, answered by a static output (config `pyblosxom_urls: true`).

A static server answers `/a/b` (no extension, no slash) by redirecting to `/a/b/` when `a/b/` is a folder, and
serves a file without an extension as application/octet-stream, which a browser downloads. So every shape
without an extension gets a small redirect page at `<old URL>/index.html` (meta refresh + canonical link), and
the shapes with an extension get a file of that name: a redirect page for `index_pageN.html`, a real feed for
`.rss` and `.atom` (a feed reader cannot follow a meta refresh). The same redirects are also written as server
rules (`redirects.nginx.conf`, `redirects.htaccess`) for a clean 301 in one hop.

Real pages win: a shape whose path a page of the site already uses (a category named like an entry, a post
named `tags`) is left to that page, as PyBlosxom also preferred a folder over an entry.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, replace
from urllib.parse import quote

from . import Page, page_path, paged_url
from .context import RenderContext, category_url
from .feeds import feed_page, tag_feed_url

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
TAG_TRIGGER = "/tag/"     # the tags plugin's default
NGINX_MAP = "redirects.nginx.conf"
APACHE_MAP = "redirects.htaccess"


@dataclass(frozen=True)
class Redirect:
    old: str       # the old URL as the old blog linked it, site-relative: '/2014/Feb/24'
    target: str    # the new URL, site-relative: '/2014/02/24/'
    path: str      # the output file that answers `old` ('' when only the server maps answer it)


def legacy_pages(ctx: RenderContext, real_paths: list[str]):
    """`real_paths`: the output paths of every other page kind, made by this build or kept from the last."""
    if not ctx.config.pyblosxom_urls:
        return
    paths = _Paths(real_paths)
    tags = _tag_spellings(ctx)
    moved = []
    for redirect in _redirects(ctx, tags):
        if paths.claim(redirect.path):
            moved.append(redirect)
            yield redirect_page(ctx, redirect)
    for page in _feeds(ctx, tags):
        if paths.claim(page.path):
            yield page
    # For the server maps only: an old tag feed has a new home, so a 301 can move its subscribers there.
    moved += [Redirect(f"{TAG_TRIGGER}{name}.rss", tag_feed_url(ctx.site.tags[slug]), "") for name, slug in tags]
    yield _map_page(ctx, NGINX_MAP, nginx_map(ctx, moved))
    yield _map_page(ctx, APACHE_MAP, apache_map(ctx, moved))


# -- the shapes ---------------------------------------------------------------------------------------------
def _redirects(ctx: RenderContext, tags: list[tuple[str, str]]):
    site = ctx.site
    for post in site.ordered:                      # /<cat>/<slug> -> /<cat>/<slug>.html
        old = post.url[: -len(".html")]
        yield _folder_redirect(old, post.url)
    for year, month in sorted(site.months):        # /2014/Feb -> /2014/02/
        yield _folder_redirect(f"/{year:04d}/{MONTHS[month - 1]}", f"/{year:04d}/{month:02d}/")
    for year, month, day in sorted(site.days):     # /2014/Feb/24 -> /2014/02/24/
        yield _folder_redirect(f"/{year:04d}/{MONTHS[month - 1]}/{day:02d}", f"/{year:04d}/{month:02d}/{day:02d}/")
    for name, slug in tags:                        # /tag/<tag as written> -> /tags/<slug>/
        yield _folder_redirect(TAG_TRIGGER + name, f"/tags/{slug}/")
    # The paginate plugin's static pages, counted from 0: index_page1.html is the second page.
    per_page = ctx.config.posts_per_page
    for category, posts in sorted(site.categories.items()):
        base = category_url(category)
        for number in range(2, (len(posts) - 1) // per_page + 2):
            old = f"{base}index_page{number - 1}.html"
            yield Redirect(old, paged_url(base, number), old.lstrip("/"))


def _folder_redirect(old: str, target: str) -> Redirect:
    return Redirect(old, target, page_path(old + "/"))


def _tag_spellings(ctx: RenderContext) -> list[tuple[str, str]]:
    """Every way a tag was written (the old links used the text as written, case and spaces kept)."""
    spellings = {(name, slug) for post in ctx.site.ordered for name, slug in zip(post.tags, post.tag_slugs)}
    return sorted((name, slug) for name, slug in spellings if _safe_segment(name))


def _safe_segment(name: str) -> bool:
    """Text that can be a file name under tag/: no '..' path tricks, no characters a URL cannot carry raw."""
    parts = name.split("/")
    return all(p not in ("", ".", "..") for p in parts) and not any(c in name for c in "?#\\\0")


def _feeds(ctx: RenderContext, tags: list[tuple[str, str]]):
    site, title = ctx.site, ctx.config.title
    for post in site.ordered:                      # /<cat>/<slug>.rss: the entry in the rss flavour
        old = post.url[: -len(".html")]
        for ext, atom in ((".rss", False), (".atom", True)):
            page = feed_page(ctx, [post], f"{title}: {post.title}", post.url, quote(old + ext), atom)
            yield _at(page, old + ext, f"the old feed of {post.source}")
    for category, posts in sorted(site.categories.items()):
        if category != "/":                        # /<cat>/index.atom (index.rss is the category's feed)
            old = category + "/index.atom"
            page = feed_page(ctx, posts, f"{title}: {category}", category + "/", quote(old), atom=True)
            yield _at(page, old, f"the old Atom feed of {category}")
    for name, slug in tags:                        # /tag/<tag>.rss, announcing the new feed as its own
        tag = site.tags[slug]
        page = feed_page(ctx, tag.posts, f"{title}: posts tagged {tag.name}", tag.url, tag_feed_url(tag))
        yield _at(page, f"{TAG_TRIGGER}{name}.rss", f"the old feed of the tag {name}")


def _at(page: Page, old_url: str, source: str) -> Page:
    """The feed `page` written at the old URL: same bytes, so the same key (keys are recorded per path), and the
    same posts' bodies shown."""
    return replace(page, path=old_url.lstrip("/"), source=source)


# -- redirect pages -----------------------------------------------------------------------------------------
def href(ctx: RenderContext, url: str) -> str:
    """A site-relative URL as a link on the published site: base path kept, unsafe characters encoded."""
    return ctx.config.base_path + quote(url)


def redirect_page(ctx: RenderContext, redirect: Redirect) -> Page:
    def render() -> bytes:
        local = html.escape(href(ctx, redirect.target))
        absolute = html.escape(ctx.config.absolute(quote(redirect.target)))
        return (f'<!DOCTYPE html>\n<html lang="{html.escape(ctx.config.language)}">\n<head>\n'
                f'<meta charset="utf-8">\n<title>Moved to {absolute}</title>\n'
                f'<meta http-equiv="refresh" content="0; url={local}">\n'
                f'<link rel="canonical" href="{absolute}">\n</head>\n<body>\n'
                f'<p>This page has moved to <a href="{local}">{absolute}</a>.</p>\n</body>\n</html>\n'
                ).encode("utf-8")

    return Page(redirect.path, ctx.data_key_of("pyblosxom-redirect", redirect.path, redirect.target), render,
                f"the old URL {redirect.old}")


# -- server maps --------------------------------------------------------------------------------------------
_MAP_UNSAFE = re.compile(r'["\\\x00-\x1f\x7f]')     # would need quoting rules of their own


def _map_safe(url: str) -> bool:
    return not _MAP_UNSAFE.search(url)


def nginx_map(ctx: RenderContext, redirects: list[Redirect]) -> str:
    lines = ["# Written by blog: PyBlosxom's old URLs as permanent redirects (nginx matches them decoded).",
             f"# In the site's server block: include /path/to/output/{NGINX_MAP};"]
    for r in sorted(redirects, key=lambda r: r.old):
        old = ctx.config.base_path + r.old
        if _map_safe(old):
            lines.append(f'location = "{old}" {{ return 301 {href(ctx, r.target)}; }}')
    return "\n".join(lines) + "\n"


def _regex(text: str) -> str:
    return "".join("\\" + c if c in ".^$*+?()[]{}|" else c for c in text)


def apache_map(ctx: RenderContext, redirects: list[Redirect]) -> str:
    # RedirectMatch, not Redirect: Redirect matches a prefix, so '/2014/Feb' would also catch '/2014/Feb/24'.
    lines = ["# Written by blog: PyBlosxom's old URLs as permanent redirects (mod_alias; paths match decoded).",
             "# Copy these lines into the site's .htaccess, or Include this file in its <VirtualHost>."]
    for r in sorted(redirects, key=lambda r: r.old):
        old = ctx.config.base_path + r.old
        if _map_safe(old):
            lines.append(f'RedirectMatch 301 "^{_regex(old)}$" "{href(ctx, r.target)}"')
    return "\n".join(lines) + "\n"


def _map_page(ctx: RenderContext, path: str, text: str) -> Page:
    return Page(path, ctx.data_key_of("pyblosxom-map", text), lambda: text.encode("utf-8"), f"the redirect map {path}")


# -- real pages win -----------------------------------------------------------------------------------------
class _Paths:
    """Output paths in use, and the folders they need: a path cannot be both a file and a folder."""

    def __init__(self, paths):
        self.files: set[str] = set()
        self.folders: set[str] = set()
        for path in paths:
            self._add(path)

    def _add(self, path: str) -> None:
        self.files.add(path)
        self.folders.update(_parents(path))

    def claim(self, path: str) -> bool:
        if path in self.files or path in self.folders or not self.files.isdisjoint(_parents(path)):
            return False
        self._add(path)
        return True


def _parents(path: str):
    """'a/b/c.html' -> 'a/b', 'a'."""
    end = path.rfind("/")
    while end > 0:
        yield path[:end]
        end = path.rfind("/", 0, end)
