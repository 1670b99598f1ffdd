"""Title-and-summary listings: every tag, the tag index, and the year, month and day archives."""

from __future__ import annotations

from datetime import date

from . import Page, page_count, page_path, wanted_pages
from .context import Link, RenderContext
from .feeds import site_feeds, tag_feed_url
from .indexes import month_name, years_with_months

LIST_PAGE_SIZE = 50
ARCHIVE_TEMPLATES = ("archive.html", "archive_item.html")


def archive_pages(ctx: RenderContext, posts, base: str, title: str, feeds, source: str, nav: dict | None = None):
    """`nav`: what a date archive shows beside its posts (a year's months, a month's neighbours), in its key."""
    nav = {"months": [], "previous_month": None, "next_month": None, **(nav or {})}
    count = page_count(posts, LIST_PAGE_SIZE)
    shared = None

    def shape() -> str:   # once, not per page: 6,000 archives on a big blog; and only when asked for
        nonlocal shared
        if shared is None:
            shared = repr((count, title, feeds, sorted(nav.items())))
        return shared

    # Each page a group, as in listings.py.
    for page, token in wanted_pages(ctx, posts, LIST_PAGE_SIZE, base, "archive:", ARCHIVE_TEMPLATES, shape):
        shape()
        key = ctx.templates_key(ARCHIVE_TEMPLATES, "archive", page.url, shared, page.older or "", page.newer or "",
                      [ctx.listing_key(p) for p in page.items])
        held = ctx.ids_to_hold(page.items)   # not the posts: see listings.py

        def render(page=page, held=held):
            ids = held if held is not None else ctx.post_ids(page.items)
            return ctx.render_page("archive.html", {
                "title": title, "items": ctx.archive_items(ids),
                "posts": ctx.views_of(ids),   # for themes that list them their way
                "feeds": feeds, **nav, **page.template_vars(),
            })

        yield Page(page_path(page.url), key, render, source, entries=tuple(page.items), group=token)


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

    yield Page("tags/index.html", ctx.templates_key(("tags.html",), "tags", summary, feeds), render, "the tag index")


def date_pages(ctx: RenderContext):
    feeds = site_feeds(ctx)
    site = ctx.site
    months_of = {y.entry.name: y.months for y in years_with_months(ctx)}
    for year, posts in sorted(site.years.items()):
        nav = {"months": months_of[str(year)]}   # newest first, with counts
        yield from archive_pages(ctx, posts, f"/{year:04d}/", f"Posts from {year}", feeds, f"the year {year}", nav)
    months = sorted(site.months)
    links = [Link(month_name(y, m), f"/{y:04d}/{m:02d}/") for y, m in months]
    for i, (year, month) in enumerate(months):
        # The months before and after that have posts: a gap of empty months is skipped.
        nav = {"previous_month": links[i - 1] if i > 0 else None,
               "next_month": links[i + 1] if i + 1 < len(links) else None}
        title = "Posts from " + month_name(year, month)
        yield from archive_pages(ctx, site.months[(year, month)], f"/{year:04d}/{month:02d}/", title, feeds,
                                 title, nav)
    for (year, month, day), posts in sorted(site.days.items()):
        title = "Posts from " + date(year, month, day).strftime(ctx.config.date_format)
        yield from archive_pages(ctx, posts, f"/{year:04d}/{month:02d}/{day:02d}/", title, feeds, title)
