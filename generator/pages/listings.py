"""Pages of whole posts under day headings: the front page and every category path, paginated."""

from __future__ import annotations

from itertools import groupby

from markupsafe import Markup

from . import Page, page_count, page_path, wanted_pages
from .context import RenderContext, category_url
from .feeds import category_feed_url, site_feeds
from ..render.links import make_lazy
from .posts import breadcrumbs

TEMPLATES = ("listing.html", "post_block.html")


def _day(post):
    return post.date.date()


def listing_pages(ctx: RenderContext, posts, base: str, title: str, feeds, source: str, crumbs=()):
    """One listing: `base` is its folder URL ('/' or '/openstack/'); page N lives at base/page/N/.
    `crumbs`: a category's path as links (derived from `base`, so the key has them already)."""
    size = ctx.config.posts_per_page
    count = page_count(posts, size)
    shared = repr((count, title, feeds))   # once, not per page
    # Each page a group: what it shows beside its posts (the page count, its neighbours' URLs) is the site's
    # structure, so after a body edit only the page showing that post is keyed (pages/changes.py).
    for page, token in wanted_pages(ctx, posts, size, base, "listing:", TEMPLATES, str(count)):
        key = ctx.templates_key(TEMPLATES, "listing", page.url, shared, page.older or "", page.newer or "",
                      [ctx.block_key(p) for p in page.items])
        # What render() needs of the posts, made here: a worker that read the posts themselves would copy the
        # memory they sit in (reference counts), most of the model at 100,000 posts (context.py: post_ids).
        held = ctx.ids_to_hold(page.items)
        day_counts = [(day, len(list(group))) for day, group in groupby(page.items, key=_day)]

        def render(page=page, held=held, day_counts=day_counts):
            blocks = iter(_blocks(ctx, held if held is not None else ctx.post_ids(page.items)))
            days = [(day, [next(blocks) for _ in range(count)]) for day, count in day_counts]
            return ctx.render_page("listing.html", {
                "title": title, "days": days, "feeds": feeds, "is_front": base == "/" and page.number == 1,
                "breadcrumbs": list(crumbs),
                **page.template_vars(),
            })

        yield Page(page_path(page.url), key, render, source, blocks=tuple(page.items), group=token,
                   bodies=tuple([p.id for p in page.items]))


def _blocks(ctx: RenderContext, ids: str) -> list[Markup]:
    """Each post's block; below the page's first picture, a block's first picture loads lazily too."""
    blocks, seen_image = [], False
    for block in ctx.blocks(ids):
        blocks.append(Markup(make_lazy(block)) if seen_image else block)
        seen_image = seen_image or "<img" in block
    return blocks


def front_pages(ctx: RenderContext):
    yield from listing_pages(ctx, ctx.site.ordered, "/", ctx.config.title, site_feeds(ctx), "the front page")


def category_pages(ctx: RenderContext):
    for category, posts in sorted(ctx.site.categories.items()):
        if category == "/":
            continue  # the front page is the root category
        feeds = site_feeds(ctx) + [(f"{ctx.config.title}: {category}", category_feed_url(category), "rss")]
        yield from listing_pages(ctx, posts, category_url(category), category, feeds,
                                 f"the category {category}", breadcrumbs(category))
