"""The sitemap: every page a reader can reach, for search engines.

The protocol (sitemaps.org) takes at most 50,000 URLs and 50 MB a file. A blog within that has one
`sitemap.xml`, as most have. A bigger one (30,000 posts make 50,000 pages) has `sitemap.xml` as an index of
files of at most that: its posts, oldest first, in `sitemap-posts-N.xml`, so that a new post changes only the
last of them, and its other pages in `sitemap-pages-N.xml`.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from . import Page, page_count, paged_url
from .context import RenderContext

# The sitemap shows only which pages there are, and the posts' dates: the structure of the site (changes.py).
SITEMAP_GROUP = "sitemap"
MAX_URLS = 50_000
MAX_BYTES = 50 * 1024 * 1024
_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"


def sitemap_pages(ctx: RenderContext):
    """`sitemap.xml`, and the files it indexes when the site is too big for one."""
    front, posts, others = sitemap_urls(ctx)
    base = 5 * len(ctx.config.absolute("").encode())   # escaped: '&' is 5 bytes
    runs = (front, posts, others)
    if (sum(map(len, runs)) <= MAX_URLS
            and _HEAD + sum(_line_size(url, base) for urls in runs for url, _ in urls) <= MAX_BYTES):
        # The front page's pages, the posts newest first, then the rest: the order a reader meets them.
        yield _urlset(ctx, "sitemap.xml", front + posts[::-1] + others)
        return
    files = []
    for kind, urls in (("posts", posts), ("pages", front + others)):
        for number, chunk in enumerate(_chunks(urls, base), start=1):
            name = f"sitemap-{kind}-{number}.xml"
            files.append((name, max(lastmod for _, lastmod in chunk)))
            yield _urlset(ctx, name, chunk)
    yield _index(ctx, files)


def sitemap_urls(ctx: RenderContext) -> tuple[list[tuple[str, str]], ...]:
    """(URL, last modified ISO date) of every page a reader can reach from the front page: the front page's pages;
    the posts, oldest first; and the others: each page of every other listing and archive, the standalone pages,
    the indexes. (The 404 page, feeds and old-URL redirects are not pages to index.)"""
    from .archives import LIST_PAGE_SIZE
    from .indexes import ARCHIVES_URL, CATEGORIES_URL

    site = ctx.site

    def newest(posts) -> str:
        return posts[0].date.date().isoformat() if posts else ""

    def pages_of(posts, size: int, base: str) -> list[tuple[str, str]]:
        """paginate()'s URLs, each with its newest post's date, without making the pages: 70,000 at 100,000
        posts, on every build that adds or removes a post."""
        return [(paged_url(base, number), newest(posts[(number - 1) * size:(number - 1) * size + 1]))
                for number in range(1, page_count(posts, size) + 1)]

    per_page = ctx.config.posts_per_page
    front = pages_of(site.ordered, per_page, "/")
    posts = [(p.url, p.date.date().isoformat()) for p in reversed(site.ordered)]
    urls = []
    for category, listed in sorted(site.categories.items()):
        if category != "/":
            urls += pages_of(listed, per_page, category + "/")
    urls.append(("/tags/", newest(site.ordered)))
    for tag in site.tags.values():
        urls += pages_of(tag.posts, LIST_PAGE_SIZE, tag.url)
    for year, listed in sorted(site.years.items()):
        urls += pages_of(listed, LIST_PAGE_SIZE, f"/{year:04d}/")
    for (year, month), listed in sorted(site.months.items()):
        urls += pages_of(listed, LIST_PAGE_SIZE, f"/{year:04d}/{month:02d}/")
    for (year, month, day), listed in sorted(site.days.items()):
        urls += pages_of(listed, LIST_PAGE_SIZE, f"/{year:04d}/{month:02d}/{day:02d}/")
    urls += [(p.url, "") for p in site.pages]   # undated: a page's file time is not part of the content
    urls += [(ARCHIVES_URL, newest(site.ordered)), (CATEGORIES_URL, newest(site.ordered))]
    urls.append(("/comments/", newest_comment(site)))   # linked from every page's header
    return front, posts, urls


def newest_comment(site) -> str:
    """The date of the newest comment ('' with none): the recent comments page's date in the sitemap."""
    newest = max((c.date for comments in site.comments.values() for c in comments), default=None)
    return newest.date().isoformat() if newest else ""


# An <url> line at its longest: the base URL, the path percent-encoded (a character is up to 4 bytes of UTF-8,
# 12 encoded) and a date.
_LINE = len("  <url><loc></loc><lastmod>2014-02-24</lastmod></url>\n")
_HEAD = 200


def _line_size(url: str, base: int) -> int:
    """At least the bytes the URL's line takes in a sitemap file, without making the link (170,000 of them at
    100,000 posts)."""
    return base + 12 * len(url) + _LINE


def _chunks(urls, base: int):
    """`urls` in runs the protocol allows a file."""
    chunk, size = [], _HEAD
    for entry in urls:
        line = _line_size(entry[0], base)
        if chunk and (len(chunk) == MAX_URLS or size + line > MAX_BYTES):
            yield chunk
            chunk, size = [], _HEAD
        chunk.append(entry)
        size += line
    if chunk:
        yield chunk


def _urlset(ctx: RenderContext, name: str, urls: list[tuple[str, str]]) -> Page:
    # One string, not 50,000 pairs: a worker that reads the pairs it inherited writes to (so copies) the memory
    # of each of them, 27 MB a file. No URL holds a tab or a line break (loader.py refuses such names).
    text = "\n".join([f"{url}\t{lastmod}" for url, lastmod in urls])

    def render():
        # Line by line into one buffer: a list of 50,000 lines and its join took 19 MB, left in the worker.
        out = bytearray(f'<?xml version="1.0" encoding="UTF-8"?>\n<urlset xmlns="{_NS}">\n'.encode())
        link = ctx.config.link
        for line in text.split("\n"):
            url, lastmod = line.split("\t")
            mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
            out += f"  <url><loc>{escape(link(url))}</loc>{mod}</url>\n".encode()
        out += b"</urlset>\n"
        return bytes(out)

    return Page(name, ctx.data_key_of("sitemap", name, text), render, "the sitemap", group=SITEMAP_GROUP)


def _index(ctx: RenderContext, files: list[tuple[str, str]]) -> Page:
    def render():
        lines = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{_NS}">']
        for name, lastmod in files:
            mod = f"<lastmod>{lastmod}</lastmod>" if lastmod else ""
            lines.append(f"  <sitemap><loc>{escape(ctx.config.link('/' + name))}</loc>{mod}</sitemap>")
        lines.append("</sitemapindex>\n")
        return "\n".join(lines).encode("utf-8")

    return Page("sitemap.xml", ctx.data_key_of("sitemap index", files), render, "the sitemap",
                group=SITEMAP_GROUP)
