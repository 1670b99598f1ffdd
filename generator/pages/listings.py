"""Pages of whole posts under day headings: the front page and every category path, paginated."""

from __future__ import annotations

from itertools import groupby

from . import Page, chunks, page_path, paged_url
from .context import RenderContext, category_url
from .feeds import category_feed_url, site_feeds


def _day(post):
    return post.date.date()


def listing_pages(ctx: RenderContext, posts, base: str, title: str, feeds, source: str):
    """One listing: `base` is its folder URL ('/' or '/openstack/'); page N lives at base/page/N/."""
    size = ctx.config.posts_per_page
    pages = chunks(posts, size)
    shared = repr((len(pages), title, feeds))
    for number, items in enumerate(pages, start=1):
        url = paged_url(base, number)
        older = paged_url(base, number + 1) if number < len(pages) else None
        newer = paged_url(base, number - 1) if number > 1 else None
        key = ctx.key("listing", url, shared, older or "", newer or "", [ctx.block_key(p) for p in items])

        def render(items=items, number=number, older=older, newer=newer, url=url):
            days = [(day, [ctx.block(p) for p in group]) for day, group in groupby(items, key=_day)]
            return ctx.render_page("listing.html", {
                "title": title, "days": days, "page_number": number, "page_count": len(pages),
                "older_url": older, "newer_url": newer, "feeds": feeds, "canonical": url,
                "is_front": base == "/" and number == 1,
            })

        yield Page(page_path(url), key, render, source)


def front_pages(ctx: RenderContext):
    yield from listing_pages(ctx, ctx.site.ordered, "/", ctx.config.title, site_feeds(ctx), "the front page")


def category_pages(ctx: RenderContext):
    for category, posts in sorted(ctx.site.categories.items()):
        if category == "/":
            continue  # the front page is the root category
        feeds = site_feeds(ctx) + [(f"{ctx.config.title}: {category}", category_feed_url(category), "rss")]
        yield from listing_pages(ctx, posts, category_url(category), category, feeds,
                                 f"the category {category}")
