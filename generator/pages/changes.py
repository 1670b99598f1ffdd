"""What changed since the last build, as the pages see it: after an edit, only the groups of pages that show
something that changed are keyed at all.

Each build records (the way Lektor records each artifact's sources), in the build cache:
- the frame: the settings and the header navigation. Any change, and every page is keyed again;
- the structure: which posts are shown, in which order, with which date, category and tags, and the
  standalone pages. When it changed (a post added, deleted, re-dated, re-tagged), the shape of each group that
  may show the change is compared: a run of groups (a listing's pages, an archive's) whose posts and what it
  shows beside them are as they were (`runs`) is settled, as are the pages of posts whose neighbours are the
  same (the posts that moved are found by comparing the structure's entries: `shifted_posts`);
- per template a group uses, the template's key (it covers the templates it includes or extends);
- per post, its fact: a hash of everything a grouped page shows of it (its file, pictures, tag names, related
  posts, comments, comment form);
- per group (the token a page kind passes to `ctx.wants()`: a post's page, a page of a listing, a feed), the
  files its pages made, its shape (the posts it shows, in order, and what it shows of the structure besides:
  its page count, the posts beside it) and what else it shows that is not a post (`extra`: the sitemap's).
A group whose shape, extra, templates and posts' facts are unchanged would make the very pages it made last
time, with the same keys: its files are kept, not keyed, rendered or checked beyond their size. A post's page
also shows its neighbours' titles, so a post whose front matter changed dirties the pages of the posts beside it;
a post shows its related posts' titles, so such a post dirties the posts it is related to. A body edit changes
no front matter, and dirties only its own post.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from hashlib import blake2b
from typing import NamedTuple

from ..content.model import place_of
from ..publish.keys import make_key

BLOB = "changes"
GROUPS_BLOB = "changes-groups"   # the groups' part, rewritten only when it changed: most edits leave it
STRUCTURE_BLOB = "changes-structure"   # the structure's entries, rewritten only when it changed
BODIES_BLOB = "changes-bodies"   # which files show which posts' bodies, rewritten only when it changed
PATCHED_BLOB = "changes-patched"   # the posts a body patch changed since the record (body_patch.py)
VERSION = 12  # the tokens and what they group; the record in three blobs; block keys; the sitemap in files; runs;
# facts end with the front matter's hash; the files showing bodies (12: one string a group)
FACT, FRONT = 12, 8   # bytes of a post's fact: the hash of all it shows, then of its front matter


class Structure(NamedTuple):
    """Which posts are shown, in order, with what decides the pages they are on: `entries`, one a post (its id,
    date, category and tags, and its title when another post has its date), newest first; `key`, of them and
    the standalone pages."""
    key: str
    entries: list[str]


@dataclass
class Record:
    """What one build was made from, as far as groups of pages go."""
    frame: str
    structure: str
    templates: dict[str, str]               # template name -> its key
    facts: dict[str, bytes]                 # post id -> fact
    groups: dict[str, tuple[str, ...]]      # group token -> the output paths its pages made
    extras: dict[str, str]                  # group token -> what else it shows (given to wants())
    shapes: dict[str, bytes]                # group token -> which posts it shows, and where (shape_key)
    serial: int = 0                         # of the groups' blob this record goes with
    blocks: dict[str, str] = field(default_factory=dict)   # post id -> its block key (RenderContext.block_key)
    runs: dict[str, bytes] = field(default_factory=dict)   # run of groups -> its shape (run_key)
    # group token -> which of its files show which posts' bodies (bodies_entry), for the groups showing bodies
    bodies: dict[str, str] = field(default_factory=dict)
    patched: bool = False                   # posts were patched since this record: their facts are not theirs

    @classmethod
    def load(cls, cache) -> Record | None:
        """The record the last build stored, or None when there is none (or one this version cannot read).
        A post whose body was patched into its files since (body_patch.py) has a fact that matches no post's:
        what the record says was made from its file is no longer what those files show."""
        head, groups = cache.get_blob(BLOB), cache.get_blob(GROUPS_BLOB)
        if not (isinstance(head, tuple) and len(head) == 7 and head[0] == VERSION and isinstance(head[4], dict)
                and isinstance(head[6], dict) and isinstance(groups, tuple) and len(groups) == 5
                and groups[0] == head[5] and all(isinstance(part, dict) for part in groups[1:])):
            return None
        bodies = load_bodies(cache, head[5])
        if bodies is None:
            return None
        facts, patched = head[4], cache.get_blob(PATCHED_BLOB)
        for post_id in patched if isinstance(patched, list) else ():
            if post_id in facts:   # still its front matter's: it dirties its own pages, no others
                facts[post_id] = bytes(FACT) + facts[post_id][FACT:]
        return cls(head[1], head[2], head[3], facts, *groups[1:4], serial=head[5], blocks=head[6],
                   runs=groups[4], bodies=bodies, patched=patched is not None)

    def load_entries(self, cache) -> list[str] | None:
        """The structure's entries the last build stored; None when they are not those of its key."""
        stored = cache.get_blob(STRUCTURE_BLOB)
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == self.structure and \
                isinstance(stored[1], list):
            return stored[1]
        return None

    def drop_posts(self) -> None:
        """The facts and block keys, once compare() and carried_block_keys() have used them: 35 MB at 100,000
        posts that nothing reads again (save() writes this build's)."""
        self.facts, self.blocks = {}, {}

    def drop_groups(self) -> None:
        """The groups, extras, shapes and runs, once a collection after a change of structure has used them (it
        took the shapes, or carried those of settled runs over): save() rewrites them without a look (the
        shapes differ), and at 100,000 posts they are 70 MB through rendering."""
        self.groups, self.extras, self.shapes, self.runs = {}, {}, {}, {}

    def save(self, cache, old: Record | None) -> None:
        """At 100,000 posts the groups are 272,000 paths, 0.7 s to write: kept as they were when unchanged."""
        same = old is not None and self.shapes is old.shapes and self.groups == old.groups and \
            self.extras == old.extras and self.runs is old.runs
        self.serial = old.serial if same else (old.serial + 1 if old else 1)
        with cache.transaction():
            if not same:
                cache.put_blob(GROUPS_BLOB, (self.serial, self.groups, self.extras, self.shapes, self.runs))
            if not same or self.bodies != old.bodies:
                cache.put_blob(BODIES_BLOB, (self.serial, self.bodies))
            if old is not None and old.patched:
                cache.put_blob(PATCHED_BLOB, None)   # this record's facts are the patched posts' own
            cache.put_blob(BLOB, (VERSION, self.frame, self.structure, self.templates, self.facts, self.serial,
                                  self.blocks))


def bodies_entry(files: list[tuple[str, tuple[str, ...]]]) -> str:
    """A group's files and the posts whose bodies each shows, as one string: '\x1e' before each file's path, and
    each post's id between '\x1f's. One string a group, not a tuple of tuples: at 100,000 posts the record holds
    130,000 of these, read on every build past the no-change check."""
    return "".join([f"\x1e{path}\x1f" + "".join([post_id + "\x1f" for post_id in ids]) for path, ids in files])


def showing_body(bodies: dict[str, str], post_id: str) -> list[str]:
    """The files whose pages show the body of `post_id`, by the record's bodies."""
    needle = f"\x1f{post_id}\x1f"
    found = []
    for entry in bodies.values():
        if needle in entry:
            for part in entry.split("\x1e")[1:]:
                path, _, ids = part.partition("\x1f")
                if needle in "\x1f" + ids:
                    found.append(path)
    return found


def load_bodies(cache, serial: int | None = None) -> dict[str, str] | None:
    """The groups' files showing bodies, as the last build to save a record stored them (of its `serial`)."""
    stored = cache.get_blob(BODIES_BLOB)
    if isinstance(stored, tuple) and len(stored) == 2 and isinstance(stored[1], dict) and \
            (serial is None or stored[0] == serial):
        return stored[1]
    return None


@dataclass
class Changes:
    """Which groups this build keys: all of them (dirty is None), or those showing a dirty post, using a
    changed template, or whose shape or extra changed, and those the last build did not make."""
    dirty: set[str] | None
    templates: set[str] = field(default_factory=set)
    kept: dict[str, tuple[str, ...]] = field(default_factory=dict)   # the last build's groups
    extras: dict[str, str] = field(default_factory=dict)             # ... and what else they showed
    shapes: dict[str, bytes] = field(default_factory=dict)           # ... and their shapes
    runs: dict[str, bytes] = field(default_factory=dict)             # ... and their runs' (run_key)
    # The structure changed (or there is no record): each group's shape is taken, to compare and to record,
    # but for runs of groups found settled (`settled`). Otherwise every group has the shape it had, and the
    # record's shapes are carried over.
    measure: bool = True
    # The structure changed, and the posts whose place in it did are known (shifted_posts): a post's page (and
    # its comments' feed) can have changed shape only if it is one of them, or beside one (in `beside`).
    settled: bool = False
    # ... and the posts whose entry in it is new (new, re-dated, re-tagged, moved), by object identity.
    came_objects: set[int] = field(default_factory=set)
    # serve --watch's first pass: only these groups (those that made the pages open in the browser).
    only: set[str] | None = None
    # The dirty posts by object identity: a group's posts are checked in C (272,000 groups at 100,000 posts).
    dirty_objects: set[int] = field(default_factory=set)
    # ... and with the posts beside them, for the groups that show their neighbours' titles (a post's page).
    beside_objects: set[int] = field(default_factory=set)
    beside: set[str] = field(default_factory=set)   # the same, by id

    def places(self, tokens: list[str], posts: list, templates, site_posts: dict, neighbours: bool = False,
               settled: bool = False) -> set[int] | None:
        """For a run of groups (`tokens`) that show `posts` between them, in the site's order (newest first), and
        take no extra: when no template of theirs changed and no shape is to be taken (or the run is `settled`:
        its shapes are as they were), only a dirty post (or one beside a dirty post: `neighbours`) or a group
        the last build did not make can make one wanted. Then: where those are in `posts` (in the few runs that
        hold a dirty post: a few found by bisection, many by a scan), so that the other groups are skipped
        without asking wants() for each (272,000 at 100,000 posts). None: ask it for each."""
        if self.dirty is None:
            return None
        dirty = self.beside if neighbours else self.dirty
        if ((self.measure and not settled) or self.only is not None or not self.templates.isdisjoint(templates)
                or not self.extras.keys().isdisjoint(tokens)):
            return None
        places: set[int] = set()
        kept = self.kept
        if not kept.keys() >= set(tokens):   # a new post's groups
            places.update(i for i, token in enumerate(tokens) if token not in kept)
        objects = self.beside_objects if neighbours else self.dirty_objects
        if objects.isdisjoint(map(id, posts)):
            return places   # most runs: checked in C
        if len(dirty) * 20 < len(posts):   # a few dirty posts in a long run: found by bisection
            for post_id in dirty:
                post = site_posts.get(post_id)
                i = place_of(post, posts) if post is not None else None
                if i is not None:
                    places.add(i)
        else:
            places.update(i for i, key in enumerate(map(id, posts)) if key in objects)
        return places

    def run_settled(self, name: str, key: bytes, posts) -> bool:
        """Whether a run of groups (`name`, its run_key now) has the shape it had: each of its groups too."""
        return self.settled and self.runs.get(name) == key and self.came_objects.isdisjoint(map(id, posts))

    def wants(self, token: str, posts, templates, neighbours: bool = False, extra: str = "",
              shape: bytes | None = None) -> bool:
        if self.only is not None and token not in self.only:
            return False
        if (self.dirty is None or token not in self.kept or not self.templates.isdisjoint(templates)
                or self.extras.get(token, "") != extra or (shape is not None and self.shapes.get(token) != shape)):
            return True
        return not (self.beside_objects if neighbours else self.dirty_objects).isdisjoint(map(id, posts))


EVERYTHING = Changes(None)


def shape_key(posts, shape: str) -> bytes:
    """A group's shape: the posts it shows, in order, and what it shows of the site's structure besides (its
    page count, the posts beside it). Equal shapes and facts: equal pages, even after posts were added."""
    text = "\x1e".join([p.id for p in posts]) + "\x1f" + shape
    return blake2b(text.encode(), digest_size=12).digest()


def run_key(posts, shape: str) -> bytes:
    """A run of groups' shape (a listing's or an archive's pages) as far as a build needs to record it: how many
    posts it shows and what its pages show beside them. Which posts, in which order, is as it was when, besides,
    the run holds no post whose structure entry is new (Changes.run_settled): the others keep their runs and
    their order among themselves, and one that left would leave the run shorter."""
    return blake2b(f"{len(posts)}\x1f{shape}".encode(), digest_size=12).digest()


def frame_key(ctx) -> str:
    return make_key(ctx.data_key, ctx.shared_key)


def facts_brought_up(ctx, facts: dict[str, bytes], previous: dict) -> dict[str, bytes]:
    """`facts`, taken with the related posts `previous` while this build's were computed, made this build's:
    those of the posts whose related posts differ taken again (a few hundred, or thousands, of 100,000)."""
    related = ctx.site.related
    facts.update(post_facts(ctx, posts=[p for p in ctx.site.ordered if related.get(p.id) != previous.get(p.id)]))
    return facts


def structure_of(site) -> Structure:
    ordered = site.ordered
    entries = [f"{p.id}\x1d{p.date.isoformat()}\x1d{p.category}\x1d{' '.join(p.tag_slugs)}" for p in ordered]
    # Posts of one moment are in the order of their titles (model.newest_first): theirs is in their entries, so
    # that every change of order changes an entry (shifted_posts), while most posts' titles stay out of it.
    stamps = [p.date.timestamp() for p in ordered]
    tied = {j for i in range(1, len(stamps)) if stamps[i] == stamps[i - 1] for j in (i - 1, i)}
    for j in sorted(tied):
        entries[j] += "\x1d" + ordered[j].title
    return Structure(make_key(entries + ["page\x1d" + page.url for page in site.pages]), entries)


def store_entries(cache, record: Record | None, structure: Structure) -> None:
    """Store the structure's entries when they changed. Stored now, not with the record, so that 15 MB at
    100,000 posts are not held through rendering: a build stopped after this leaves entries that are not its
    record's structure's (load_entries), and the next build takes every group's shape once."""
    if record is None or record.structure != structure.key:
        cache.put_blob(STRUCTURE_BLOB, (structure.key, structure.entries))


def shifted_posts(old: list[str], new: list[str], shown: dict) -> tuple[set[str], set[str]]:
    """(the shown posts whose entry in the structure changed or that are new, and those beside (before or
    after) a post that came, went or moved, before or now: the only posts whose neighbours can differ, since the
    others keep their order among themselves; the posts whose entry is new)."""
    gone, came = set(old).difference(new), set(new).difference(old)
    shifted: set[str] = set()
    for entries, changed in ((old, gone), (new, came)):
        place = {entry: i for i, entry in enumerate(entries)} if len(changed) > 8 else None
        for entry in changed:
            i = place[entry] if place is not None else entries.index(entry)
            shifted.update(entries[j].partition("\x1d")[0] for j in (i - 1, i, i + 1) if 0 <= j < len(entries))
    return {post_id for post_id in shifted if post_id in shown}, {entry.partition("\x1d")[0] for entry in came}


def post_facts(ctx, related: dict | None = None, posts: list | None = None) -> dict[str, bytes]:
    """Per shown post, a hash of all a grouped page shows of it: its file, its pictures' sizes, its tags'
    names, which posts are related to it, its comments and its comment form. (The related posts' titles are
    theirs: compare() follows them.) A plain string hashed once: 100,000 of these are taken per edit.
    Followed by its front matter's hash (FRONT bytes): what other posts' pages show of it (its title) changed
    only when that did, so a body edit dirties no other post.
    `related`: the related posts to take (the site's when None); `posts`: the posts to take (every shown one)."""
    forms = ctx.comment_forms
    site = ctx.site
    related = site.related if related is None else related
    comments, refs = site.comments, ctx.bodies.refs
    names = {slug: tag.name for slug, tag in site.tags.items()}   # as ctx.tag_names() gives them
    bodies_key, comments_key = ctx.bodies.key, ctx.comments_key
    facts = {}
    # The calls only where there is something to key (pictures, comments): most posts have neither.
    for post in site.ordered if posts is None else posts:
        text = "\x1d".join((post.source_hash, bodies_key(post) if refs.get(post.body_hash) else "",
                            "\x1e".join([names[slug] for slug in post.tag_slugs]),
                            "\x1e".join(related.get(post.id, ())), comments_key(post) if post.id in comments else "",
                            forms.key(post) if forms else ""))
        facts[post.id] = blake2b(text.encode(), digest_size=FACT).digest() + \
            bytes.fromhex(post.front_hash[:2 * FRONT])
    return facts


def compare(record: Record | None, ctx, frame: str, structure: Structure, facts: dict[str, bytes], cache
            ) -> Changes:
    """What the pages of this build must be keyed for, against the last build's record."""
    if record is None or record.frame != frame:
        return EVERYTHING
    old, ordered, posts = record.facts, ctx.site.ordered, ctx.site.posts
    changed = [post_id for post_id, fact in facts.items() if old.get(post_id) != fact]
    dirty = set(changed)
    beside = set(changed)
    # Those whose front matter changed too (or that are new): their titles, as other posts' pages show them.
    retitled = {post_id for post_id in changed if old.get(post_id, b"")[FACT:] != facts[post_id][FACT:]}
    if retitled:
        # A post shows the titles of its related posts: one whose title may have changed dirties them.
        dirty.update(post_id for post_id, related in ctx.site.related.items()
                     if not retitled.isdisjoint(related))
        # A few changed posts are found by their place in the order (no map of all 100,000 ids); many, by a map.
        position = {p.id: i for i, p in enumerate(ordered)} if len(retitled) > 8 else None
        for post_id in retitled:   # the pages of the posts before and after it show its title
            i = position[post_id] if position is not None else place_of(posts[post_id], ordered)
            beside.update(ordered[j].id for j in (i - 1, i + 1) if 0 <= j < len(ordered))
    beside |= dirty
    measure = record.structure != structure.key
    shifted, came = None, set()
    if measure:
        last = record.load_entries(cache)
        if last is not None:
            shifted, came = shifted_posts(last, structure.entries, posts)
            beside |= shifted
    templates = {name for name, key in record.templates.items() if ctx.template_key(name) != key}
    return Changes(dirty, templates, record.groups, record.extras, record.shapes, record.runs, measure=measure,
                   settled=shifted is not None, came_objects={id(posts[i]) for i in came if i in posts},
                   dirty_objects={id(posts[i]) for i in dirty if i in posts},
                   beside_objects={id(posts[i]) for i in beside if i in posts}, beside=beside)


def record_of(ctx, frame: str, structure: str, facts: dict[str, bytes], items, old: Record | None
              ) -> Record:
    """What this build was made from: `items` as the build collected them (pages, and paths of kept groups)."""
    groups: dict[str, list[str]] = {}
    bodies: dict[str, list] = {}
    for item in items:
        if item.__class__ is not str:
            if item.group:
                groups.setdefault(item.group, []).append(item.path)
            if item.bodies:   # pages made under no group ('') are made on every build
                bodies.setdefault(item.group, []).append((item.path, item.bodies))
    made = {token: tuple(paths) for token, paths in groups.items()}
    made.update(ctx.kept_groups)
    shown = {token: bodies_entry(files) for token, files in bodies.items()}
    if old is not None:
        last = old.bodies
        shown.update((token, last[token]) for token in ctx.kept_groups if token in last)
    measured = ctx.changes.measure or old is None
    return Record(frame, structure, {name: ctx.template_key(name) for name in sorted(ctx.group_templates)},
                  facts, made, ctx.group_extras, ctx.group_shapes if measured else old.shapes,
                  blocks=ctx.block_keys(), runs=ctx.group_runs if measured else old.runs, bodies=shown)


def carried_block_keys(record: Record | None, changes: Changes, facts: dict[str, bytes]) -> dict[str, str]:
    """The last build's block keys of the posts that are not dirty: a block key is made of what the post's fact
    covers and its related posts' titles, and a post related to one whose front matter changed is dirty. A new
    post keys all 100,000 blocks of a big blog's front pages, 1.7 s to make again."""
    if record is None or changes.dirty is None:
        return {}
    dirty = changes.dirty
    return {post_id: key for post_id, key in record.blocks.items() if post_id not in dirty and post_id in facts}
