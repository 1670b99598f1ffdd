"""Title-and-summary listings: every tag, the tag index, and the year, month and day archives."""

from __future__ import annotations

from datetime import date

from . import Page, page_path, paginate
from .context import RenderContext
from .feeds import site_feeds, tag_feed_url

LIST_PAGE_SIZE = 50


def archive_pages(ctx: RenderContext, posts, base: str, title: str, feeds, source: str):
    pages = paginate(posts, LIST_PAGE_SIZE, base)
    shared = repr((len(pages), title, feeds))   # once, not per page: 6,000 archive pages on a big blog
    for page in pages:
        key = ctx.key("archive", page.url, shared, page.older or "", page.newer or "",
                      [ctx.listing_key(p) for p in page.items])

        def render(page=page):
            return ctx.render_page("archive.html", {
                "title": title, "items": [ctx.archive_item(p) for p in page.items],
                "posts": [ctx.view(p, with_body=False) for p in page.items],   # for themes that list them their way
                "feeds": feeds, **page.template_vars(),
            })

        yield Page(page_path(page.url), key, render, source)


def tag_pages(ctx: RenderContext):
    for tag in ctx.site.tags.values():
        feeds = site_feeds(ctx) + [(f"{ctx.config.title}: posts tagged {tag.name}", tag_feed_url(tag), "rss")]
        yield from archive_pages(ctx, tag.posts, tag.url, f"Posts tagged “{tag.name}”", feeds,
                                 f"the tag {tag.name} of {tag.posts[0].source}")


def tag_index_page(ctx: RenderContext):
    tags = sorted(ctx.site.tags.values(), key=lambda t: (t.name.lower(), t.slug))
    summary = [(t.slug, t.name, len(t.posts)) for t in tags]
    feeds = site_feeds(ctx)

    def render():
        return ctx.render_page("tags.html", {"title": "Tags", "tags": tags, "feeds": feeds,
                                             "canonical": "/tags/"})

    yield Page("tags/index.html", ctx.key("tags", summary, feeds), render, "the tag index")


def date_pages(ctx: RenderContext):
    feeds = site_feeds(ctx)
    site = ctx.site
    for year, posts in sorted(site.years.items()):
        yield from archive_pages(ctx, posts, f"/{year:04d}/", f"Posts from {year}", feeds, f"the year {year}")
    for (year, month), posts in sorted(site.months.items()):
        title = "Posts from " + date(year, month, 1).strftime("%B %Y")
        yield from archive_pages(ctx, posts, f"/{year:04d}/{month:02d}/", title, feeds, title)
    for (year, month, day), posts in sorted(site.days.items()):
        title = "Posts from " + date(year, month, day).strftime(ctx.config.date_format)
        yield from archive_pages(ctx, posts, f"/{year:04d}/{month:02d}/{day:02d}/", title, feeds, title)
