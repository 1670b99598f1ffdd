"""Each post's permanent page: /<category path>/<slug>.html, with its comments, breadcrumbs, links to the posts
before and after it (by date, across the whole blog), and the metadata link previews read.

A page's key names its neighbours by id and title only, so a new post changes the pages of the two posts beside
it, not every post page."""

from __future__ import annotations

from . import Page, page_path, post_groups
from .context import Link, RenderContext, category_url
from .feeds import comments_feed_url, site_feeds
from .metadata import post_metadata


def breadcrumbs(category: str) -> list[Link]:
    """'/book/John_Ringo' -> book (/book/), John_Ringo (/book/John_Ringo/); '/' -> none."""
    parts = [p for p in category.split("/") if p]
    return [Link(part, category_url("/" + "/".join(parts[: i + 1]))) for i, part in enumerate(parts)]


def _link(post) -> Link | None:
    return Link(post.title, post.url) if post is not None else None


# The page's own block (its title the h1) is rendered with the page from post_block.html, not shared.
TEMPLATES = ("post.html", "post_block.html")


def post_pages(ctx: RenderContext):
    ordered = ctx.site.ordered   # newest first
    for i, post, token in post_groups(ctx, "post:", TEMPLATES, neighbours=True):
        newer = ordered[i - 1] if i > 0 else None
        older = ordered[i + 1] if i + 1 < len(ordered) else None
        if not ctx.wants(token, (post,), TEMPLATES, neighbours=True,
                         shape=lambda: "\x1d".join(p.id if p else "" for p in (newer, older))):
            continue
        comments = ctx.site.comments_of(post)
        neighbours = [f"{p.id}\x1d{p.title}" if p is not None else "" for p in (newer, older)]
        forms = ctx.comment_forms
        key = ctx.templates_key(TEMPLATES, "post", ctx.block_key(post), ctx.comments_key(post), neighbours,
                                forms.key(post) if forms else "")

        def render(post=post, comments=comments, newer=newer, older=older):
            # Every post has a feed of its comments (pages/comments.py), empty until the first one.
            feeds = site_feeds(ctx) + [("Comments on " + post.title, comments_feed_url(post), "rss")]
            view = ctx.view(post)
            description, image = post_metadata(post.summary, view.body, post.url, ctx.config.absolute)
            return ctx.render_page("post.html", {
                "title": post.title, "post": view, "block": ctx.page_block(post),
                "comments": [ctx.comment_view(c) for c in comments], "feeds": feeds,
                "canonical": post.url, "breadcrumbs": breadcrumbs(post.category),
                "newer_post": _link(newer), "older_post": _link(older),
                "description": description or ctx.config.tagline, "image": image, "og_type": "article",
                "comment_form": forms.view(post) if forms else None,
            })

        # Its body, not in `bodies`: the body patch knows a post's page shows it (100,000 entries the record saves).
        yield Page(page_path(post.url), key, render, post.source, group=token)
