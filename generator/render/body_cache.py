"""Every shown post's and comment's HTML for one build: from the build cache, or rendered now (on all cores
when there are many), the cache pruned when it holds far more than the site shows."""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

from ..content.loader import read_body
from ..content.model import Post, Site
from ..publish.cache import BuildCache
from .markdown_render import comment_html, html_key, post_html, post_id_prefix, render_all


def render_bodies(site_dir: Path, site: Site, content, cache: BuildCache, warn, progress=None):
    """Render the Markdown of every shown post and comment that the cache lacks; return a lookup by record.
    Comments are rendered within a budget (comments.max_bytes): one that will not render is shown as text.
    `progress(label, total)`: a context giving a step callback (or None) for a progress display."""
    budget = site.config.comments.max_bytes
    wanted: dict[str, tuple] = {}   # key -> (record, comments' budget or None, id prefix)
    for post in site.ordered:
        prefix = post_id_prefix(post.id)
        wanted[html_key(post.body_hash, prefix)] = (post, None, prefix)
    for comments in site.comments.values():
        for comment in comments:
            wanted[html_key(comment.body_hash, budget=budget)] = (comment, budget, "")
    have = cache.html_keys()
    jobs = []
    for key, (record, limit, prefix) in wanted.items():
        if key not in have:
            body = content.bodies.get(record.body_hash)
            if body is None:
                body = read_body(site_dir, record)
            jobs.append((key, body, record.body_format, record.source, limit, prefix))
    with (progress or _quiet)("markdown", len(jobs)) as step:
        fresh, plain = render_all(jobs, step)
    for source, why in plain:
        warn(f"warning: {source}: shown as plain text: {why}")
    if fresh:
        cache.put_html(fresh)
    if len(have) > 2 * len(wanted) + 100:
        cache.prune_html(set(wanted))
    memo: dict[str, str] = dict(fresh)

    def body_html(record) -> str:
        """A post's or a comment's HTML (a post's ids carry its own prefix)."""
        if record.__class__ is Post:
            key = html_key(record.body_hash, post_id_prefix(record.id))
        else:
            key = html_key(record.body_hash, budget=budget)
        html = memo.get(key)
        if html is None:
            html = cache.get_html([key]).get(key)
            if html is None:   # lost from a damaged cache after html_keys() was read: render it again
                record, limit, prefix = wanted[key]   # its source was dropped after rendering: read it again
                body = read_body(site_dir, record)
                html = post_html(body, record.body_format, record.source, prefix) if limit is None \
                    else comment_html(body, record.body_format, limit)[0]
            memo[key] = html
        return html

    return body_html


def _quiet(label: str, total: int):
    return nullcontext(None)
