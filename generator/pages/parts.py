"""Each post's block and archive entry, kept in the build cache between builds.

A listing or archive page joins ready-made parts, so a page that only shifted (a new post moves every /page/N/
down by one) costs the join and nothing else. Before the pages to render are rendered, the parts they name
(Page.blocks, Page.entries) are looked up in the cache by key and checked; only those the cache lacks (a new or
edited post, a post whose related posts or tag names changed, an edited post_block.html) are rendered, on all
cores when there are many, and stored. Then each page reads the parts it joins from the cache as it is rendered
(in its worker): the build's process never holds them all.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Callable

from markupsafe import Markup

from ..publish.cache import compress_part, decompress_part
from . import Page
from .context import BLOCK_TEMPLATE, ENTRY_TEMPLATE, CachedPart, RenderContext

TABLE = "parts"
# Up to this many fresh parts stay in the build's process (a first build of 25,000 posts makes 50,000).
HELD_FRESH = 50_000


def unchanged_parts(ctx: RenderContext, record, carried: dict[str, str]) -> Collection[str]:
    """The posts whose parts are in the cache under the keys they had last build, so need no looking for: those
    whose block key is carried over (pages/changes.carried_block_keys), when neither part's template changed.
    Each build stores every part of a post whose key changed (prepare_parts), and _prune() keeps the parts of
    current posts; a part lost all the same is rendered where a page joins it, and stored (context.py)."""
    if record is None or ctx.changes.dirty is None:
        return ()
    for name in (BLOCK_TEMPLATE, ENTRY_TEMPLATE):
        if name in ctx.changes.templates or name not in record.templates:
            return ()
    return carried.keys()


def prepare_parts(ctx: RenderContext, todo: list[Page], cache, render_many: Callable | None = None,
                  first: bool = False) -> int:
    """Make every part that a page in `todo` joins ready in `ctx`; return how many had to be rendered. After an
    edit, the parts of every post not in ctx.parts_in_cache (a new post's, an edited one's, their neighbours'):
    not only those `todo` joins, so that the next build may take them as stored; but for the pages open in
    `blog serve` (`first`), published before the rest, only theirs."""
    blocks: dict[str, object] = {}
    entries: dict[str, object] = {}
    ctx.part_cache = cache
    unchanged = ctx.parts_in_cache
    if unchanged and not first:
        # A new post shifts every listing page: 100,000 blocks looked for, keyed and registered were 0.9 s.
        for post in ctx.site.ordered:
            if post.id not in unchanged:
                blocks[post.id] = entries[post.id] = post
    else:
        for page in todo:   # by id first: on a first build 100,000 mentions are 20,000 parts
            for post in page.blocks:
                if post.id not in unchanged:
                    blocks[post.id] = post
            for post in page.entries:
                if post.id not in unchanged:
                    entries[post.id] = post
    wanted: dict[str, tuple[str, object]] = {ctx.block_part_key(p): ("block", p) for p in blocks.values()}
    wanted.update((ctx.entry_part_key(p), ("entry", p)) for p in entries.values())
    if not wanted:
        return 0
    # Those the cache has are read where a page joins them, in the workers (cache.get_parts): a new post shifts
    # every listing page, and 100,000 blocks read here first were 1 s and 450 MB more in this process.
    found = cache.part_keys(list(wanted))
    missing = [(key, kind, post) for key, (kind, post) in wanted.items() if key not in found]
    render = render_many or (lambda fn, jobs: [fn(job) for job in jobs])

    def render_one(job):
        # Compressed for the cache where it is rendered (a worker, on a first build), and only that comes back.
        return compress_part(ctx.render_part(job[1], job[2]))

    fresh = dict(zip([key for key, _, _ in missing], render(render_one, missing)))
    stored = not fresh or cache.put_html(fresh, TABLE)
    # Once stored, many fresh parts are read from the cache like the others: a first build at 100,000 posts held
    # 200,000 of them here (600 MB), and workers copied each one they touched. Up to HELD_FRESH stay here:
    # reading each where it is joined cost a first build at 10,000 posts 1-2 s.
    held = len(fresh) <= HELD_FRESH or not stored
    for key, (kind, post) in wanted.items():
        if held and key in fresh:
            ctx.add_part(kind, post, Markup(decompress_part(fresh[key])))
        else:
            ctx.add_part(kind, post, CachedPart(key, cache))
    if fresh:
        _prune(ctx, cache)
    return len(missing)


def _prune(ctx: RenderContext, cache) -> None:
    """Forget parts no current post has (edited posts, an older post_block.html) once they outnumber the live
    ones, so the cache does not grow for ever."""
    live = 2 * len(ctx.site.ordered)
    if cache.html_count(TABLE) <= 2 * live + 100:
        return
    keys = {ctx.block_part_key(p) for p in ctx.site.ordered} | {ctx.entry_part_key(p) for p in ctx.site.ordered}
    cache.prune_html(keys, TABLE)
