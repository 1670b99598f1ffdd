"""Every shown post's and comment's HTML for one build: from the build cache, or rendered now (on all cores
when there are many), the cache pruned when it holds far more than the site shows."""

from __future__ import annotations

from contextlib import nullcontext
from itertools import chain
from pathlib import Path

from ..content.loader import read_body
from ..content.model import Comment, Post, Site
from ..publish.cache import BuildCache
from .markdown_render import comment_html, html_key, post_html, post_id_prefix, render_all


def render_bodies(site_dir: Path, site: Site, content, cache: BuildCache, warn, progress=None):
    """Render the Markdown of every shown post and comment that the cache lacks; return a lookup by record.
    Comments are rendered within a budget (comments.max_bytes): one that will not render is shown as text.
    `progress(label, total)`: a context giving a step callback (or None) for a progress display."""
    budget = site.config.comments.max_bytes
    # Keys and records side by side, no tuple per record: 140,000 of them at 100,000 posts, nearly all cached.
    posts = site.ordered
    comments = [comment for items in site.comments.values() for comment in items]
    keys = [html_key(post.body_hash, post_id_prefix(post.id)) for post in posts]
    keys += [html_key(comment.body_hash, budget=budget) for comment in comments]
    have = cache.html_keys()
    missing: dict[str, Post | Comment] = {}   # one job a key: comments may share a body
    for key, record in zip(keys, chain(posts, comments)):
        if key not in have:
            missing.setdefault(key, record)
    jobs = []
    for key, record in missing.items():
        body = content.bodies.get(record.body_hash)
        if body is None:
            body = read_body(site_dir, record)
        is_post = record.__class__ is Post
        jobs.append((key, body, record.body_format, record.source, None if is_post else budget,
                     post_id_prefix(record.id) if is_post else ""))
    with (progress or _quiet)("markdown", len(jobs)) as step:
        fresh, plain = render_all(jobs, step)
    for source, why in plain:
        warn(f"warning: {source}: shown as plain text: {why}")
    if fresh:
        cache.put_html(fresh)
    wanted = set(keys)
    if len(have) > 2 * len(wanted) + 100:
        cache.prune_html(wanted)
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
                body = read_body(site_dir, record)   # its source was dropped after rendering: read it again
                html = post_html(body, record.body_format, record.source, post_id_prefix(record.id)) \
                    if record.__class__ is Post else comment_html(body, record.body_format, budget)[0]
            memo[key] = html
        return html

    return body_html


def _quiet(label: str, total: int):
    return nullcontext(None)
