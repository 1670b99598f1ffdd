"""The site's JSON Feed 1.1 (https://jsonfeed.org/version/1.1) at /feed.json: the same entries as /index.rss.

feedgen writes RSS and Atom only, and a JSON Feed is a plain JSON document, so the json module writes it. Keys
are sorted and dates come from the posts, so the same posts give the same bytes."""

from __future__ import annotations

import json

from . import Page
from .context import RenderContext
from .feeds import JSON_FEED_URL, post_author

VERSION = "https://jsonfeed.org/version/1.1"


def json_feed(ctx: RenderContext, posts) -> dict:
    config = ctx.config
    feed = {
        "version": VERSION,
        "title": config.title,
        "home_page_url": config.absolute("/"),
        "feed_url": config.absolute(JSON_FEED_URL),
        "language": config.language,
        "items": [],
    }
    if config.tagline:
        feed["description"] = config.tagline
    if config.author:
        feed["authors"] = [{"name": config.author}]
    for post in posts:
        link = config.link(post.url)   # percent-encoded: URLs come from file names
        item = {
            "id": link,
            "url": link,
            "title": post.title,
            "content_html": ctx.bodies.feed(post),   # links absolute, from base_url
            "date_published": post.date.isoformat(),
            "date_modified": post.date.isoformat(),
        }
        if post.summary:
            item["summary"] = post.summary
        tags = list(ctx.tag_names(post))
        if tags:
            item["tags"] = tags
        author = post_author(ctx, post)
        if author:
            item["authors"] = [{"name": author}]
        feed["items"].append(item)
    return feed


def json_feed_page(ctx: RenderContext):
    posts = ctx.site.ordered[: ctx.config.feed_size]
    key = ctx.data_key_of("json-feed", [ctx.feed_entry_key(p) for p in posts])

    def render() -> bytes:
        text = json.dumps(json_feed(ctx, posts), ensure_ascii=False, indent=1, sort_keys=True)
        return (text + "\n").encode("utf-8")

    yield Page(JSON_FEED_URL.lstrip("/"), key, render, "the JSON Feed", bodies=tuple([p.id for p in posts]))
