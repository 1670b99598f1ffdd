"""Each post's permanent page: /<category path>/<slug>.html, with its comments."""

from __future__ import annotations

from . import Page, page_path
from .context import RenderContext
from .feeds import comments_feed_url, site_feeds

TEMPLATES = ("post.html", "post_block.html")


def post_pages(ctx: RenderContext):
    for post in ctx.site.ordered:
        comments = ctx.site.comments_of(post)
        forms = ctx.comment_forms
        key = ctx.templates_key(TEMPLATES, "post", ctx.block_key(post), ctx.comments_key(post),
                                forms.key(post) if forms else "")

        def render(post=post, comments=comments):
            # Every post has a feed of its comments (pages/comments.py), empty until the first one.
            feeds = site_feeds(ctx) + [("Comments on " + post.title, comments_feed_url(post), "rss")]
            return ctx.render_page("post.html", {
                "title": post.title, "post": ctx.view(post, with_body=False), "block": ctx.block(post),
                "comments": [ctx.comment_view(c) for c in comments], "feeds": feeds,
                "canonical": post.url, "comment_form": forms.view(post) if forms else None,
            })

        yield Page(page_path(post.url), key, render, post.source, blocks=(post,))
