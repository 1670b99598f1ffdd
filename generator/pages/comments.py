"""Readers' comments beyond the post page: /comments/ (the newest across the blog), /comments/index.rss (the
feed of all comments) and /<category>/<slug>.comments.rss (one feed per post).

Comments come from strangers. Their bodies were sanitized when rendered (sanitize.py); here the author's name
goes into feeds as escaped text, and a feed entry's HTML is the sanitized body only."""

from __future__ import annotations

import heapq

from markupsafe import escape

from ..content.model import Comment
from . import Page, post_groups
from .context import RenderContext
from .feeds import EPOCH, comments_feed_url, new_feed, site_feeds

PAGE_URL = "/comments/"
FEED_URL = "/comments/index.rss"


def recent_comments(ctx: RenderContext) -> list[Comment]:
    """The newest `recent_comments` comments on published posts, newest first (80,000 comments at 100,000
    posts: the few picked, not all sorted)."""
    every = (c for comments in ctx.site.comments.values() for c in comments)
    return heapq.nsmallest(ctx.config.recent_comments, every, key=lambda c: (-c.date.timestamp(), c.id))


def comments_feeds(ctx: RenderContext) -> list[tuple[str, str, str]]:
    return site_feeds(ctx) + [(f"{ctx.config.title}: comments", FEED_URL, "rss")]


def _shown(ctx: RenderContext, comments: list[Comment]) -> list:
    """What a page or feed shows of each comment: its file (author, date, url, body) and its post's title."""
    return [(c.id, c.source_hash, ctx.site.posts[c.post_id].title) for c in comments]


def recent_comments_page(ctx: RenderContext, comments: list[Comment]):
    key = ctx.templates_key(("comments.html",), "recent-comments", _shown(ctx, comments))

    def render():
        return ctx.render_page("comments.html", {
            "title": "Recent comments", "comments": [ctx.comment_view(c) for c in comments],
            "feeds": comments_feeds(ctx), "canonical": PAGE_URL,
        })

    yield Page("comments/index.html", key, render, "the recent comments page")




def _comments_feed(ctx: RenderContext, comments: list[Comment], title: str, page_url: str, feed_url: str,
                   description: str, empty_date) -> bytes:
    """`comments` newest first."""
    config = ctx.config
    fg = new_feed(ctx, title, page_url, feed_url, description, comments[0].date if comments else empty_date)
    from feedgen.ext.dc import DcEntryExtension, DcExtension

    # By class, not load_extension("dc"): that first tries to import a module feedgen lacks, on every feed,
    # which was a quarter of the time of 10,000 mostly empty per-post feeds.
    fg.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
    for comment in comments:
        view = ctx.comment_view(comment)
        fe = fg.add_entry(order="append")
        link = config.link(view.post_url) + "#" + view.anchor
        fe.id(link)
        fe.guid(link, permalink=True)
        # RSS readers disagree on whether a title is text or HTML. Escaped once more, it reads the same either
        # way for ordinary names, and a name made of markup stays text in a reader that renders it as HTML.
        fe.title(str(escape(f"Comment on {view.post_title} by {view.author}")))
        fe.link(href=link)
        fe.published(view.date)
        fe.dc.dc_creator(str(escape(view.author)))
        # The sanitized HTML as escaped text (not CDATA, which a body containing ']]>' would break).
        fe.description(str(view.body))
    return fg.rss_str(pretty=True)


def all_comments_feed(ctx: RenderContext, comments: list[Comment]):
    title = f"{ctx.config.title}: comments"
    key = ctx.data_key_of("comments-feed", _shown(ctx, comments))
    yield Page(FEED_URL.lstrip("/"), key,
               lambda: _comments_feed(ctx, comments, title, PAGE_URL, FEED_URL,
                                      f"The newest comments on {ctx.config.title}", EPOCH),
               "the feed of all comments")


def post_comment_feeds(ctx: RenderContext):
    """One feed per post, every comment, newest first; a post with none still has its (empty) feed, since
    its page announces it."""
    for _, post, token in post_groups(ctx, "comments-feed:"):
        if not ctx.wants(token, (post,), shape=None):   # its post is its whole shape: 100,000 not taken
            continue
        comments = list(reversed(ctx.site.comments_of(post)))
        feed_url = comments_feed_url(post)
        title = f"Comments on {post.title}"
        key = ctx.data_key_of("post-comments-feed", post.id, post.title, post.date.isoformat(),
                              ctx.comments_key(post))

        def render(post=post, comments=comments, feed_url=feed_url, title=title):
            return _comments_feed(ctx, comments, title, post.url, feed_url, title, post.date)

        yield Page(feed_url.lstrip("/"), key, render, f"the comments feed of {post.source}", group=token)


def comment_pages(ctx: RenderContext):
    recent = recent_comments(ctx)   # the page and the feed show the same
    yield from recent_comments_page(ctx, recent)
    yield from all_comments_feed(ctx, recent)
    yield from post_comment_feeds(ctx)
