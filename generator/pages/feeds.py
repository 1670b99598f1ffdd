"""RSS 2.0 and Atom feeds with feedgen: the whole site, each category, each tag. Links are absolute; every date
comes from the content, never the clock, so the same posts give the same bytes."""

from __future__ import annotations

from datetime import datetime, timezone

from ..content.reader import MANY_TAGS
from . import Page
from .context import RenderContext

# A feed with no entries still needs a stable date.
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def category_feed_url(category: str) -> str:
    return category.rstrip("/") + "/index.rss"


def tag_feed_url(tag) -> str:
    return f"/tags/{tag.slug}/index.rss"


def comments_feed_url(post) -> str:
    return post.url[: -len(".html")] + ".comments.rss"


JSON_FEED_URL = "/feed.json"


def site_feeds(ctx: RenderContext) -> list[tuple[str, str, str]]:
    """(title, url, kind) of the feeds every page announces."""
    return [(ctx.config.title, "/index.rss", "rss"), (ctx.config.title + " (Atom)", "/index.atom", "atom"),
            (ctx.config.title + " (JSON Feed)", JSON_FEED_URL, "json")]


def post_author(ctx: RenderContext, post) -> str:
    """The post's own `author` field, else the site's."""
    author = post.fields.get("author")
    return str(author).strip() if author else ctx.config.author


def new_feed(ctx: RenderContext, title: str, page_url: str, feed_url: str, description: str,
             updated: datetime, atom: bool = False):
    from feedgen.feed import FeedGenerator   # here: a build with no feed to render never loads lxml

    config = ctx.config
    fg = FeedGenerator()
    fg.id(config.link(page_url))
    fg.title(title)
    fg.description(description or title)
    fg.subtitle(description or title)
    # feedgen takes the RSS <channel><link> from the last link set, so the page's link goes last.
    fg.link(href=config.link(feed_url), rel="self",
            type="application/atom+xml" if atom else "application/rss+xml")
    fg.link(href=config.link(page_url), rel="alternate")
    fg.language(config.language)
    if config.author:
        fg.author({"name": config.author})
    fg.lastBuildDate(updated)
    fg.updated(updated)
    return fg


def _posts_feed(ctx: RenderContext, posts, title: str, page_url: str, feed_url: str, atom: bool) -> bytes:
    config = ctx.config
    fg = new_feed(ctx, title, page_url, feed_url, config.tagline, posts[0].date if posts else EPOCH, atom)
    if not atom:
        from feedgen.ext.dc import DcEntryExtension, DcExtension
        fg.register_extension("dc", DcExtension, DcEntryExtension, atom=False, rss=True)
    for post in posts:
        fe = fg.add_entry(order="append")
        link = config.link(post.url)
        # An imported post keeps the ids its old feeds gave it (front matter guid / atom_id), so feed
        # readers do not see it as new.
        # (feedgen's id() and guid() each set both ids, so the one that matters is set last.)
        guid, atom_id = post.fields.get("guid"), post.fields.get("atom_id")
        if atom:
            fe.id(str(atom_id or guid or link))
        else:
            fe.id(link)
            fe.guid(str(guid or link), permalink=not guid)
        fe.title(post.title)
        fe.link(href=link)
        fe.published(post.date)
        fe.updated(post.date)
        # One call: feedgen rebuilds its RSS list on every call (quadratic in tags). At most MANY_TAGS of them:
        # a post is in the feed of each of its tags, so more would make tag feeds quadratic in its tags.
        names = ctx.tag_names(post)[:MANY_TAGS]
        if names:
            fe.category([{"term": name} for name in names])
        author = post_author(ctx, post)
        if author and atom:
            fe.author({"name": author})
        elif author:
            fe.dc.dc_creator(author)   # RSS's own <author> must be an email address
        html = ctx.bodies.feed(post)   # links absolute, from base_url
        fe.content(html, type="CDATA" if not atom else "html")
        if post.summary:
            # summary(), not description(): in Atom, description() replaces the content with the summary.
            fe.summary(post.summary)
    return fg.atom_str(pretty=True) if atom else fg.rss_str(pretty=True)


def feed_page(ctx: RenderContext, posts, title: str, page_url: str, feed_url: str, atom: bool = False,
              group: str = "") -> Page:
    posts = posts[: ctx.config.feed_size]
    key = ctx.data_key_of("feed", feed_url, title, atom,
                          [ctx.feed_entry_key(p) for p in posts])
    return Page(feed_url.lstrip("/"), key, lambda: _posts_feed(ctx, posts, title, page_url, feed_url, atom),
                f"the feed {feed_url}", group=group, bodies=tuple([p.id for p in posts]))


def grouped_feed(ctx: RenderContext, posts, title: str, page_url: str, feed_url: str, atom: bool = False):
    """The feed, as a group of its own (pages/changes.py): skipped when none of its entries changed."""
    token = "feed:" + feed_url
    if ctx.wants(token, posts[: ctx.config.feed_size]):
        yield feed_page(ctx, posts, title, page_url, feed_url, atom, token)


def post_feeds(ctx: RenderContext):
    site, title = ctx.site, ctx.config.title
    yield from grouped_feed(ctx, site.ordered, title, "/", "/index.rss")
    yield from grouped_feed(ctx, site.ordered, title, "/", "/index.atom", atom=True)
    for category, posts in sorted(site.categories.items()):
        if category != "/":
            yield from grouped_feed(ctx, posts, f"{title}: {category}", category + "/", category_feed_url(category))
    for tag in site.tags.values():
        yield from grouped_feed(ctx, tag.posts, f"{title}: posts tagged {tag.name}", tag.url, tag_feed_url(tag))
