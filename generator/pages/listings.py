"""Pages of whole posts under day headings: the front page and every category path, paginated."""

from __future__ import annotations

from itertools import groupby

from . import Page, page_path, paginate
from .context import RenderContext, category_url
from .feeds import category_feed_url, site_feeds

TEMPLATES = ("listing.html", "post_block.html")


def _day(post):
    return post.date.date()


def listing_pages(ctx: RenderContext, posts, base: str, title: str, feeds, source: str):
    """One listing: `base` is its folder URL ('/' or '/openstack/'); page N lives at base/page/N/."""
    pages = paginate(posts, ctx.config.posts_per_page, base)
    shared = repr((len(pages), title, feeds))   # once, not per page
    for page in pages:
        key = ctx.templates_key(TEMPLATES, "listing", page.url, shared, page.older or "", page.newer or "",
                      [ctx.block_key(p) for p in page.items])

        def render(page=page):
            days = [(day, [ctx.block(p) for p in group]) for day, group in groupby(page.items, key=_day)]
            return ctx.render_page("listing.html", {
                "title": title, "days": days, "feeds": feeds, "is_front": base == "/" and page.number == 1,
                **page.template_vars(),
            })

        yield Page(page_path(page.url), key, render, source, blocks=tuple(page.items))


def front_pages(ctx: RenderContext):
    yield from listing_pages(ctx, ctx.site.ordered, "/", ctx.config.title, site_feeds(ctx), "the front page")


def category_pages(ctx: RenderContext):
    for category, posts in sorted(ctx.site.categories.items()):
        if category == "/":
            continue  # the front page is the root category
        feeds = site_feeds(ctx) + [(f"{ctx.config.title}: {category}", category_feed_url(category), "rss")]
        yield from listing_pages(ctx, posts, category_url(category), category, feeds,
                                 f"the category {category}")
