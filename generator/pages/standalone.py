"""Standalone pages (content/pages/): /about.html, /projects/, each rendered with page.html."""

from __future__ import annotations

from markupsafe import Markup

from . import Page, page_path
from .context import RenderContext
from .feeds import site_feeds


def standalone_pages(ctx: RenderContext):
    from ..render.markdown_render import to_html

    feeds = site_feeds(ctx)
    for page in ctx.site.pages:
        # Its file says everything it shows; Markdown settings, config and the navigation are in every
        # templated page's key, and page.html with what it extends.
        key = ctx.templates_key(("page.html",), "standalone", page.id, page.url, page.source_hash, feeds)

        def render(page=page):
            body = Markup(to_html(page.body, page.body_format))
            return ctx.render_page("page.html", {
                "title": page.title, "page": page, "body": body, "fields": page.fields, "feeds": feeds,
                "canonical": page.url,
            })

        yield Page(page_path(page.url), key, render, page.source)
