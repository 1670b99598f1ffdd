"""A build: load the model, compute what depends on all of it, collect pages, write. Nothing else lives here."""

from __future__ import annotations

import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

from . import __version__, body_patch
from .publish.cache import CACHE_DIR, BuildCache, cache_folder
from .config import load_config
from .content import inputs as inputs_of
from .content.loader import list_content, load_content
from .render.body_cache import render_bodies
from .render.markdown_render import MARKDOWN_FINGERPRINT
from .publish.keys import make_key
from .content.model import build_site, tag_fold_warnings
from .parallel import fork_map, held_collector
from .pages import Page, changes
from .pages.attachments import attachment_pages
from .pages.bodies import PostBodies, load_refs
from .pages.archives import date_pages, tag_index_page, tag_pages
from .pages.comment_form import CommentForms
from .pages.comments import comment_pages
from .pages.context import RenderContext
from .pages.feeds import post_feeds
from .pages.indexes import index_pages
from .pages.json_feed import json_feed_page
from .pages.legacy import legacy_pages
from .pages.listings import category_pages, front_pages
from .pages.parts import prepare_parts, unchanged_parts
from .pages.posts import post_pages
from .pages.standalone import standalone_pages
from .content.pages import load_pages, nav_entries
from .pages.site_files import StaticFolder, copied_files, favicon, not_found_page
from .pages.sitemap import SITEMAP_GROUP, newest_comment, sitemap_pages
from .content.related_answers import start_related
from .render.images import IMAGES_FINGERPRINT
from .render.theme import fingerprint, make_environment, template_dirs, template_fingerprints, theme_dir
from .publish.lock import build_lock
from .publish.writer import OutputWriter, WriteStats

# The digest of the manifest this build left in output/: the next build need not check its paths again.
MANIFEST_BLOB = "manifest-digest"

# Every output kind, in the order its pages are written.
PAGE_KINDS = (post_pages, front_pages, category_pages, tag_pages, tag_index_page, date_pages, index_pages,
              post_feeds, json_feed_page, comment_pages, standalone_pages, not_found_page)


@dataclass
class BuildOptions:
    site_dir: Path
    output_dir: Path | None = None
    now: datetime | None = None
    future: bool = False
    drafts: bool = False
    lock_timeout: float = 60.0
    adopt: bool = False          # replace files in output/ that blog did not write
    # progress(label, total) -> an object with update(n) and close(); None shows nothing (cron, tests).
    progress: Callable[[str, int], Any] | None = None
    # The `blog` program: the build's model and pages are put here on return, not freed object by object (0.3 s
    # at 100,000 posts), since the process ends right after (cli.run).
    keep_until_exit: list | None = None
    # serve --watch: the output paths open in the browser are published before the rest of the site, then
    # on_first(paths published) is called (with [] when the edit left them unchanged).
    first: frozenset[str] = frozenset()
    on_first: Callable[[list[str]], None] | None = None


@dataclass
class BuildResult:
    posts: int
    stats: WriteStats
    timings: dict[str, float] = field(default_factory=dict)
    elapsed: float = 0.0
    parts_rendered: int = 0   # post blocks and archive entries rendered (the rest came from the cache)
    patched: bool = False     # the edited bodies were patched into the files showing them (body_patch.py)


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
    with build_lock(site_dir, options.lock_timeout), held_collector() as collector:
        config = load_config(site_dir)
        cache = BuildCache(site_dir, warn)
        try:
            with timer.stage("read"):
                # First: it checks the files of the last build in the background while the content is read.
                written = cache.get_blob(MANIFEST_BLOB)
                writer = OutputWriter(output_dir, site_dir / CACHE_DIR, warn, options.adopt,
                                      written if isinstance(written, bytes) else None)
                listing = list_content(site_dir, warn)
                standalone = [p for p in load_pages(site_dir, warn) if options.drafts or not p.draft]
                nav = nav_entries(standalone)
                now = (options.now or datetime.now(config.tz)).astimezone(config.tz)
                dirs = template_dirs(site_dir, config)
                # Templates are in every page's key but the feeds' and the sitemap's: feedgen writes those.
                data_key = make_key(__version__, MARKDOWN_FINGERPRINT, IMAGES_FINGERPRINT, config.fingerprint())
                # The header navigation is on every page made from templates.
                theme = fingerprint(dirs)
                global_key = make_key(data_key, theme, repr(nav))
                forms = CommentForms.for_site(site_dir, config.comments, now)
                statics = _static_folders(site_dir, config)
                settings = inputs_of.settings_key(global_key, options.future, options.drafts, standalone, statics,
                                                  forms)
                last = inputs_of.remembered(cache, listing, settings, now)
                if last and writer.up_to_date(last.key):
                    # No file changed since a build that left output/ as it is: not even the records are read.
                    for line in last.warnings:
                        warn(line)
                    return BuildResult(last.shown, writer.stats, timer.times, time.perf_counter() - started)
                # Only bodies of posts edited: patched into the files showing them, when that is sure.
                patched = body_patch.patch(site_dir, config, cache, writer, listing, settings, now, dirs, theme,
                                           MANIFEST_BLOB, options.first, options.on_first)
                if patched is not None:
                    for line in patched.warnings:
                        warn(line)
                    return BuildResult(patched.shown, writer.stats, timer.times, time.perf_counter() - started,
                                       patched=True)
                said: list[str] = []   # said again by the builds that find nothing changed

                def say(line: str) -> None:
                    said.append(line)
                    warn(line)

                content = load_content(site_dir, config.tz, cache, say, listing)
                _warn_orphan_comments(content, say)
                _warn_clock_back(content, cache, now, options, warn)
                inputs = inputs_of.content_inputs(settings, content, now, options.future, options.drafts, forms)
                inputs.warnings = said
                inputs_of.remember(cache, listing, settings, now, inputs)
                if writer.up_to_date(inputs.key):
                    # Nothing a page could show has changed since the last build, and every file is in place.
                    body_patch.refresh_base(cache, listing, inputs.key)
                    _keep(options, content)
                    return BuildResult(inputs.shown, writer.stats, timer.times, time.perf_counter() - started)
                # What a later body edit is patched against: vouched for once this build's files and record are.
                body_patch.store_base(cache, listing, content.posts, now, options.future, options.drafts,
                                      inputs.key)
                del listing   # 140,000 names and stats at 100,000 posts: not needed past here
                site = build_site(config, content.posts, content.comments, now=now,
                                  future=options.future, drafts=options.drafts, pages=standalone,
                                  files=content.files)
                for line in tag_fold_warnings(site):
                    warn(line)
            structure = changes.structure_of(site)
            finish_related = start_related(site, cache, structure.key)   # beside Markdown, when all must be computed
            with timer.stage("markdown"):
                body_html = render_bodies(site_dir, site, content, cache, warn,
                                          lambda label, total: _progress(options.progress, label, total))
                content.bodies.clear()   # sources are not needed past here: 400 MB at 100,000 posts
                bodies = PostBodies(site, body_html, load_refs(cache, site, body_html, MARKDOWN_FINGERPRINT))
                for line in bodies.missing_files({s.prefix + rel for s in statics for rel, _, _ in s.files}):
                    warn(line)
            with timer.stage("render"):
                # Made while related posts may still be computed in the background (their wait comes after).
                env = make_environment(dirs, config, cache_folder(site_dir / CACHE_DIR / "templates", warn), nav)
                # Pages made from templates are keyed by the templates they use (render/theme.py), not all.
                ctx = RenderContext(site, env, global_key, body_html, dirs, data_key, bodies, comment_forms=forms,
                                    template_key=template_fingerprints(env, dirs),
                                    shared_key=make_key(data_key, repr(nav)))
                # The facts with the last build's related posts, while this build's may still be computed.
                previous = finish_related.previous
                facts = changes.post_facts(ctx, previous) if previous is not None else None
            site.related, timer.times["related"] = finish_related()
            del finish_related   # what the answers were computed from: 100,000 items, the last answers and more
            collector.release()   # the model is built
            with timer.stage("render"):
                # Only the groups of pages that show what changed since the last build (pages/changes.py). Read
                # once the related posts are in: read beside their processes, it was 130 MB more at 100,000 posts.
                record = changes.Record.load(cache)
                frame = changes.frame_key(ctx)
                ctx.structure = structure.key
                facts = changes.post_facts(ctx) if facts is None else changes.facts_brought_up(ctx, facts, previous)
                del previous
                ctx.changes = changes.compare(record, ctx, frame, structure, facts, cache)
                changes.store_entries(cache, record, structure)
                structure_key = structure.key
                del structure   # its entries: 15 MB at 100,000 posts, not held through rendering
                carried = changes.carried_block_keys(record, ctx.changes, facts)
                ctx.carry_block_keys(carried)
                ctx.parts_in_cache = unchanged_parts(ctx, record, carried)
                del carried
                if record is not None:
                    record.drop_posts()
                parts = 0
                early = options.on_first and ctx.changes.dirty is not None and (
                    ctx.changes.templates or ctx.changes.measure)
                if early:
                    # serve --watch: the open pages before the rest is even keyed, when the rest is many pages
                    # (a theme edit keys 18,000 at 10,000 posts; a body edit keys 80, and they go first below).
                    parts = _publish_first(ctx, writer, _open_pages(ctx, writer, record, options, site_dir, statics),
                                           cache, options)
                items = collect_pages(ctx, site_dir, statics)
                if ctx.changes.dirty is not None and writer.damaged([i for i in items if i.__class__ is str]):
                    # A kept file was removed or changed by hand, or a stopped build left it: key every page.
                    ctx.changes, ctx.kept_groups = changes.EVERYTHING, {}
                    items = collect_pages(ctx, site_dir, statics)
                if ctx.changes.measure and record is not None:
                    record.drop_groups()
                    ctx.changes = replace(ctx.changes, kept={}, extras={}, shapes={}, runs={})
                todo = writer.changed(items)
                try:
                    if options.on_first and not early:
                        parts = _publish_first(ctx, writer, [p for p in todo if p.path in options.first], cache,
                                               options)
                        todo = [page for page in todo if page.path not in options.first]
                    # The blocks and archive entries those pages join: from the cache, or rendered on all cores
                    # (all of them on a first build; a new post's and its neighbours' after an edit).
                    with _progress(options.progress, "posts", len(site.ordered)) as step:
                        parts += prepare_parts(ctx, todo, cache, lambda fn, jobs: fork_map(fn, jobs, progress=step))
                    with _progress(options.progress, "pages", len(todo)) as step:
                        writer.stage(todo, render_many=lambda fn, items: fork_map(fn, items, progress=step))
                except BaseException:
                    writer.discard()
                    raise
            with timer.stage("write"):
                try:
                    stats = writer.publish(inputs.key)
                except BaseException:
                    writer.discard()
                    raise
                changes.record_of(ctx, frame, structure_key, facts, items, record).save(cache, record)
                body_patch.vouch_base(cache, inputs.key)
                if writer.manifest_digest != written:
                    cache.put_blob(MANIFEST_BLOB, writer.manifest_digest)
        finally:
            cache.close()
    result = BuildResult(len(site.ordered), stats, timer.times, time.perf_counter() - started, parts)
    _keep(options, site, content, ctx, items, record, writer, bodies)
    return result


def _keep(options: BuildOptions, *objects) -> None:
    if options.keep_until_exit is not None:
        options.keep_until_exit.extend(objects)


def _publish_first(ctx, writer: OutputWriter, first: list[Page], cache: BuildCache, options: BuildOptions) -> int:
    """serve --watch: the pages open in the browser (those of them whose key changed) rendered and published
    first, so the tab reloads while the rest of the site is built. Returns the parts rendered for them."""
    parts = prepare_parts(ctx, first, cache, first=True) if first else 0
    options.on_first(writer.publish_first(first) if first else [])
    return parts


def _open_pages(ctx: RenderContext, writer: OutputWriter, record, options: BuildOptions, site_dir: Path,
                statics) -> list[Page]:
    """The open pages whose key changed, collected alone: only the groups that made them last time are made
    (pages/changes.py), and pages made under no group. The groups' own state is reset for the whole collection."""
    every = ctx.changes
    ctx.changes = replace(every, only={token for token, paths in record.groups.items()
                                       if not options.first.isdisjoint(paths)})
    try:
        pages = [p for p in collect_pages(ctx, site_dir, statics)
                 if p.__class__ is not str and p.path in options.first]
    finally:
        ctx.changes = every
        ctx.reset_groups()
    return [p for p in pages if not writer.is_current(p)]


def collect_pages(ctx: RenderContext, site_dir: Path, statics: list[StaticFolder]) -> list[Page | str]:
    """Every page of the site, in order; where a group of pages is unchanged since the last build
    (pages/changes.py), the paths of its files instead, in the place its pages would have taken."""
    pages: list[Page | str] = []
    kept = ctx.changes.kept

    def keep_skipped():
        for token in ctx.skipped:
            paths = kept.get(token, ())   # none for a new group left out while the open pages go first
            pages.extend(paths)
            ctx.kept_groups[token] = paths
        ctx.skipped.clear()

    for kind in PAGE_KINDS:
        for page in kind(ctx):
            if ctx.skipped:
                keep_skipped()
            pages.append(page)
        keep_skipped()
    # Old URL shapes, where no page of those kinds (made now or kept) is.
    pages.extend(legacy_pages(ctx, [p if p.__class__ is str else p.path for p in pages]))
    # The sitemap shows the whole structure, and the date of the newest comment.
    if ctx.wants(SITEMAP_GROUP, (), extra=ctx.structure + newest_comment(ctx.site)):
        pages.extend(sitemap_pages(ctx))
    keep_skipped()
    pages.extend(attachment_pages(ctx, site_dir, site_dir / CACHE_DIR))
    theme_static, content_static = statics
    pages.extend(copied_files(theme_static))
    pages.extend(copied_files(content_static))
    pages.extend(favicon(theme_static, content_static))
    return pages


@contextmanager
def _progress(factory, label: str, total: int):
    """A step callback for a progress display, or None when there is nothing to show."""
    if not factory or total == 0:
        yield None
        return
    bar = factory(label, total)
    try:
        yield bar.update
    finally:
        bar.close()


def _static_folders(site_dir: Path, config) -> list[StaticFolder]:
    """The theme's static/ and content/static/, walked once a build."""
    return [StaticFolder.walk(theme_dir(site_dir, config.theme) / "static", "static/", "the theme's static"),
            StaticFolder.walk(site_dir / "content" / "static", "", "content/static")]


def _warn_clock_back(content, cache: BuildCache, now: datetime, options: BuildOptions, warn) -> None:
    """A clock (or --now) earlier than the last build's takes back posts that build published: said, counted."""
    last = cache.get_blob("clock")
    if isinstance(last, float) and now.timestamp() < last and not options.future:
        then = datetime.fromtimestamp(last, now.tzinfo)
        gone = sum(1 for p in content.posts if now < p.date <= then and (options.drafts or not p.draft))
        if gone:
            warn(f"warning: this build's time ({now:%Y-%m-%d %H:%M}) is earlier than the last build's "
                 f"({then:%Y-%m-%d %H:%M}): {gone} post(s) it published are taken down until their dates; "
                 "check the clock or --now")
    if last != now.timestamp():
        cache.put_blob("clock", now.timestamp())


def _warn_orphan_comments(content, warn) -> None:
    known = {p.id for p in content.posts}
    folders = sorted({c.id.rsplit("/", 1)[0] for c in content.comments if c.post_id not in known})
    for folder in folders:
        warn(f"warning: content/{folder}: comments for a post that does not exist; left as they are")
