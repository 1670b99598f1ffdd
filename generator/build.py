"""A build: load the model, compute what depends on all of it, collect pages, write. Nothing else lives here."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import __version__
from .cache import CACHE_DIR, BuildCache
from .config import load_config
from .loader import load_content, read_body
from .markdown_render import MARKDOWN_FINGERPRINT, html_key, render_all
from .model import Site, build_site
from .parallel import fork_map
from .pages import Page
from .pages.archives import date_pages, tag_index_page, tag_pages
from .pages.context import RenderContext, make_key
from .pages.feeds import post_feeds
from .pages.legacy import legacy_pages
from .pages.listings import category_pages, front_pages
from .pages.posts import post_pages
from .pages.site_files import copied_files, not_found_page, sitemap_page, sitemap_urls
from .related import Item, RelatedIndex
from .slugs import tag_slug
from .theme import fingerprint, make_environment, template_dirs, theme_dir
from .lock import build_lock
from .writer import OutputWriter, WriteStats

# From this many pages to render, blocks are rendered up front on all cores.
PARALLEL_PAGES = 500

# Every output kind, in the order its pages are written.
PAGE_KINDS = (post_pages, front_pages, category_pages, tag_pages, tag_index_page, date_pages, post_feeds,
              not_found_page, legacy_pages)   # legacy_pages: old URL shapes, where no other page is


@dataclass
class BuildOptions:
    site_dir: Path
    output_dir: Path | None = None
    now: datetime | None = None
    future: bool = False
    drafts: bool = False
    lock_timeout: float = 60.0


@dataclass
class BuildResult:
    posts: int
    stats: WriteStats
    timings: dict[str, float] = field(default_factory=dict)
    elapsed: float = 0.0


class _Timer:
    def __init__(self):
        self.times: dict[str, float] = {}

    @contextmanager
    def stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self.times[name] = self.times.get(name, 0.0) + time.perf_counter() - start


def build(options: BuildOptions, warn=print) -> BuildResult:
    started = time.perf_counter()
    site_dir = options.site_dir.resolve()
    output_dir = (options.output_dir or site_dir / "output").resolve()
    timer = _Timer()
    with build_lock(site_dir / CACHE_DIR, options.lock_timeout):
        config = load_config(site_dir)
        cache = BuildCache(site_dir, warn)
        try:
            with timer.stage("read"):
                content = load_content(site_dir, config.tz, cache, warn)
                now = options.now or datetime.now(config.tz)
                site = build_site(config, content.posts, content.comments, now=now.astimezone(config.tz),
                                  future=options.future, drafts=options.drafts)
                _warn_orphan_comments(content, site, warn)
            with timer.stage("markdown"):
                body_html = _render_bodies(site_dir, site, content, cache)
            with timer.stage("related"):
                site.related = _related(site, cache)
            with timer.stage("render"):
                dirs = template_dirs(site_dir, config)
                env = make_environment(dirs, config)
                global_key = make_key(__version__, MARKDOWN_FINGERPRINT, fingerprint(dirs), config.fingerprint())
                ctx = RenderContext(site, env, global_key, body_html, dirs)
                pages = collect_pages(ctx, site_dir)
                writer = OutputWriter(output_dir, site_dir / CACHE_DIR / "staging", warn)
                todo = writer.changed(pages)
                if len(todo) >= PARALLEL_PAGES:
                    # Many pages to render: every post's block once, on all cores, before the pages that join
                    # them are split between the cores too.
                    ctx.add_blocks(fork_map(ctx.render_block, site.ordered))
                try:
                    writer.stage(todo, render_many=fork_map)
                except BaseException:
                    writer.discard()
                    raise
            with timer.stage("write"):
                stats = writer.publish()
        finally:
            cache.close()
    return BuildResult(len(site.ordered), stats, timer.times, time.perf_counter() - started)


def collect_pages(ctx: RenderContext, site_dir: Path) -> list[Page]:
    pages: list[Page] = []
    for kind in PAGE_KINDS:
        pages.extend(kind(ctx))
    pages.extend(sitemap_page(ctx, sitemap_urls(ctx)))
    pages.extend(copied_files(theme_dir(site_dir, ctx.config.theme) / "static", "static/", "the theme's static"))
    pages.extend(copied_files(site_dir / "content" / "static", "", "content/static"))
    return pages


def _render_bodies(site_dir: Path, site: Site, content, cache: BuildCache):
    """Render the Markdown of every shown post and comment that the cache lacks; return a lookup by body hash."""
    wanted: dict[str, tuple] = {}
    for post in site.ordered:
        wanted[html_key(post.body_hash)] = (post, False)
    for comments in site.comments.values():
        for comment in comments:
            wanted[html_key(comment.body_hash)] = (comment, True)
    have = cache.html_keys()
    jobs = []
    for key, (record, untrusted) in wanted.items():
        if key not in have:
            body = content.bodies.get(record.body_hash)
            if body is None:
                body = read_body(site_dir, record)
            jobs.append((key, body, record.body_format, untrusted))
    fresh = render_all(jobs)
    if fresh:
        cache.put_html(fresh)
    if len(have) > 2 * len(wanted) + 100:
        cache.prune_html(set(wanted))
    memo: dict[str, str] = dict(fresh)

    def body_html(body_hash: str) -> str:
        key = html_key(body_hash)
        html = memo.get(key)
        if html is None:
            html = memo[key] = cache.get_html([key])[key]
        return html

    return body_html


def _related(site: Site, cache: BuildCache) -> dict[str, tuple[str, ...]]:
    settings = site.config.related
    items = [Item(p.id, p.tag_slugs, p.date.timestamp(), p.title) for p in site.ordered]
    ignore = {tag_slug(t) for t in settings.ignore_tags}
    key = make_key("related", settings.count, sorted(ignore), items)
    cached = cache.get_blob("related")
    if cached and cached[0] == key:
        return cached[1]
    related = RelatedIndex(items, ignore).all(settings.count)
    cache.put_blob("related", (key, related))
    return related


def _warn_orphan_comments(content, site: Site, warn) -> None:
    known = {p.id for p in content.posts}
    folders = sorted({c.id.rsplit("/", 1)[0] for c in content.comments if c.post_id not in known})
    for folder in folders:
        warn(f"warning: content/{folder}: comments for a post that does not exist; left as they are")
