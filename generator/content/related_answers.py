"""Each post's related posts for one build: the cached answers; after an edit, only those the edit can change
asked again; on a first build (or new settings), all of them; on a big blog, in a forked process while Markdown
renders."""

from __future__ import annotations

import time
from typing import Callable

from ..parallel import both_halves, in_background
from ..publish.cache import BuildCache
from ..publish.keys import make_key
from .model import Site
from .related import Item, RelatedIndex
from .slugs import tag_slug

# From this many posts, computing every post's related posts goes to a process of its own.
BACKGROUND_RELATED = 1000
# From this many posts to ask again (about 0.4 s of asking), two processes share them (both_halves).
SHARED_REQUERY = 4000
# In the build cache: the key the answers go with; the answers, {id: related ids}; what each post showed the
# index then, {id: (tag slugs, timestamp, title)}. (The last two names held tuples before: read as none.)
HEAD, ANSWERS, SHOWN = "related-key", "related", "related-items"


class Pending:
    """Related posts being computed: call it for (this build's answers, seconds spent computing them).
    `previous`: the last build's answers, which most posts keep (None on a first build or with new settings):
    what depends on them may be worked out while this build's are computed, and brought up to date after."""

    def __init__(self, finish: Callable[[], tuple[dict[str, tuple[str, ...]], float]], previous: dict | None):
        self.finish, self.previous = finish, previous

    def __call__(self) -> tuple[dict[str, tuple[str, ...]], float]:
        return self.finish()


def start_related(site: Site, cache: BuildCache, structure: str) -> Pending:
    """Related posts: the cached answers; or, after an edit, those it can change asked again; or, on a first build
    or with new settings, all of them. On a big blog the last two run in a forked process while Markdown renders
    (a core would idle otherwise). `structure`: the key of the site's changes.structure_of()."""
    started = time.perf_counter()
    settings = site.config.related
    ignore = {tag_slug(t) for t in settings.ignore_tags}
    frame = make_key("related 2", str(settings.count), sorted(ignore))
    # The structure's key (pages/changes.py: the posts, their order, dates and tags) and the titles: not repr()
    # of 100,000 items nor the items themselves. This key is taken on every build that gets this far, and most
    # find the cached answers.
    key = make_key(frame, structure, "\x1e".join([p.title for p in site.ordered]))
    # The key and the answers (every build needs them), and what they were computed from (only an edit does):
    # the last two as layered dicts (publish/cache.py), so that an edit rewrites the answers it changed, not
    # 100,000 of them. Stored together, in one transaction.
    head = cache.get_blob(HEAD)
    if _head(head) and head[0] == key:
        answers = cache.load_layered(ANSWERS)[0]
        return Pending(lambda: (answers, time.perf_counter() - started), answers)
    items = [Item(p.id, p.tag_slugs, p.date.timestamp(), p.title) for p in site.ordered]
    shown = {it.id: (it.keywords, it.timestamp, it.title) for it in items}
    old_answers, answers_base = cache.load_layered(ANSWERS) if _head(head) else ({}, {})
    old_shown, shown_base = cache.load_layered(SHOWN) if _head(head) and head[1] == frame else ({}, {})

    def finish(answers: dict, seconds: float):
        with cache.transaction():
            cache.put_blob(HEAD, (key, frame))
            cache.save_layered(ANSWERS, answers, answers_base)
            cache.save_layered(SHOWN, shown, shown_base)
        return answers, seconds

    previous = old_answers if old_shown and old_answers else None
    if previous is not None:
        # An edit, an added or a removed post: only posts sharing a tag with what changed are asked again.
        # Beside Markdown too when the blog is big: the index alone is half a second at 100,000 posts. Only the
        # answers that differ come back from that process: all 100,000 were 12 MB to pickle and unpickle.
        def compute():
            begun = time.perf_counter()
            changed = {i: old_shown[i][0] if i in old_shown else ()
                       for i in shown.keys() | old_shown.keys() if shown.get(i) != old_shown.get(i)}
            index = RelatedIndex(items, ignore)
            asked = index.asked_again(old_answers, changed)

            def differing(item_ids: list[str]) -> dict:
                answers = index.answers(item_ids, settings.count)
                return {i: a for i, a in answers.items() if old_answers.get(i) != a}

            if len(asked) < SHARED_REQUERY:
                return differing(asked), time.perf_counter() - begun
            # A post sharing popular tags has tens of thousands of posts asked again (3 s at 100,000 posts): they
            # are shared with a process forked now, once the index is built, while Markdown needs few.
            halves = both_halves(lambda half: differing(asked[half::2]))
            return {**halves[0], **halves[1]}, time.perf_counter() - begun

        def merged(changes: dict, seconds: float):
            return {i: changes[i] if i in changes else old_answers[i] for i in shown}, seconds
    else:
        def compute():
            begun = time.perf_counter()
            return RelatedIndex(items, ignore).all(settings.count), time.perf_counter() - begun

        def merged(answers: dict, seconds: float):
            return answers, seconds

    job = in_background(compute) if len(items) >= BACKGROUND_RELATED else compute
    return Pending(lambda: finish(*merged(*job())), previous)


def _head(head) -> bool:
    """(key, frame key), as this version writes it."""
    return isinstance(head, tuple) and len(head) == 2 and all(isinstance(part, str) for part in head)
