"""What changed since the last build, as the pages see it: after an edit, only the groups of pages that show
something that changed are keyed at all.

Each build records (the way Lektor records each artifact's sources), in the build cache:
- the frame: the settings and the header navigation. Any change, and every page is keyed again;
- the structure: which posts are shown, in which order, with which date, category and tags, and the
  standalone pages. When it changed (a post added, deleted, re-dated, re-tagged), each group's shape is
  compared;
- per template a group uses, the template's key (it covers the templates it includes or extends);
- per post, its fact: a hash of everything a grouped page shows of it (its file, pictures, tag names, related
  posts, comments, comment form);
- per group (the token a page kind passes to `ctx.wants()`: a post's page, a page of a listing, a feed), the
  files its pages made, its shape (the posts it shows, in order, and what it shows of the structure besides:
  its page count, the posts beside it) and what else it shows that is not a post (`extra`: the sitemap's).
A group whose shape, extra, templates and posts' facts are unchanged would make the very pages it made last
time, with the same keys: its files are kept, not keyed, rendered or checked beyond their size. A post's page
also shows its neighbours' titles, so a changed post dirties the pages of the posts beside it; a post shows its
related posts' titles, so a changed post dirties the posts it is related to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from hashlib import blake2b

from ..content.model import place_of
from ..publish.keys import make_key

BLOB = "changes"
GROUPS_BLOB = "changes-groups"   # the groups' part, rewritten only when it changed: most edits leave it
VERSION = 7   # the tokens and what they group; the record in two blobs; block keys; the sitemap in files


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

    @classmethod
    def load(cls, cache) -> Record | None:
        """The record the last build stored, or None when there is none (or one this version cannot read)."""
        head, groups = cache.get_blob(BLOB), cache.get_blob(GROUPS_BLOB)
        if not (isinstance(head, tuple) and len(head) == 7 and head[0] == VERSION and isinstance(head[4], dict)
                and isinstance(head[6], dict) and isinstance(groups, tuple) and len(groups) == 4
                and groups[0] == head[5] and all(isinstance(part, dict) for part in groups[1:])):
            return None
        return cls(head[1], head[2], head[3], head[4], *groups[1:], serial=head[5], blocks=head[6])

    def drop_posts(self) -> None:
        """The facts and block keys, once compare() and carried_block_keys() have used them: 35 MB at 100,000
        posts that nothing reads again (save() writes this build's)."""
        self.facts, self.blocks = {}, {}

    def drop_groups(self) -> None:
        """The groups, extras and shapes, once a collection that took every group's shape has used them: save()
        rewrites them without a look (the shapes differ), and at 100,000 posts they are 70 MB through rendering."""
        self.groups, self.extras, self.shapes = {}, {}, {}

    def save(self, cache, old: Record | None) -> None:
        """At 100,000 posts the groups are 272,000 paths, 0.7 s to write: kept as they were when unchanged."""
        same = old is not None and self.shapes is old.shapes and self.groups == old.groups and \
            self.extras == old.extras
        self.serial = old.serial if same else (old.serial + 1 if old else 1)
        if not same:
            cache.put_blob(GROUPS_BLOB, (self.serial, self.groups, self.extras, self.shapes))
        cache.put_blob(BLOB, (VERSION, self.frame, self.structure, self.templates, self.facts, self.serial,
                              self.blocks))


@dataclass
class Changes:
    """Which groups this build keys: all of them (dirty is None), or those showing a dirty post, using a
    changed template, or whose shape or extra changed, and those the last build did not make."""
    dirty: set[str] | None
    templates: set[str] = field(default_factory=set)
    kept: dict[str, tuple[str, ...]] = field(default_factory=dict)   # the last build's groups
    extras: dict[str, str] = field(default_factory=dict)             # ... and what else they showed
    shapes: dict[str, bytes] = field(default_factory=dict)           # ... and their shapes
    # The structure changed (or there is no record): each group's shape is taken, to compare and to record.
    # Otherwise every group has the shape it had, and the record's shapes are carried over.
    measure: bool = True
    # serve --watch's first pass: only these groups (those that made the pages open in the browser).
    only: set[str] | None = None
    # The dirty posts by object identity: a group's posts are checked in C (272,000 groups at 100,000 posts).
    dirty_objects: set[int] = field(default_factory=set)
    # ... and with the posts beside them, for the groups that show their neighbours' titles (a post's page).
    beside_objects: set[int] = field(default_factory=set)
    beside: set[str] = field(default_factory=set)   # the same, by id

    def places(self, tokens: list[str], posts: list, templates, site_posts: dict, neighbours: bool = False
               ) -> set[int] | None:
        """For a run of groups (`tokens`) that show `posts` between them, in the site's order (newest first), and
        take no extra: when no template of theirs changed, none is new and no shape is to be taken, only a dirty
        post (or one beside a dirty post: `neighbours`) can make one wanted. Then: where those posts are in
        `posts` (found by bisection, in the few runs that hold one), so that the groups holding none are
        skipped without asking wants() for each (272,000 at 100,000 posts). None: ask it for each."""
        if self.dirty is None:
            return None
        dirty = self.beside if neighbours else self.dirty
        if (self.measure or self.only is not None or not self.templates.isdisjoint(templates)
                or len(dirty) > MANY_DIRTY or not self.kept.keys() >= set(tokens)
                or not self.extras.keys().isdisjoint(tokens)):
            return None
        places: set[int] = set()
        if (self.beside_objects if neighbours else self.dirty_objects).isdisjoint(map(id, posts)):
            return places   # most runs: checked in C
        for post_id in dirty:
            post = site_posts.get(post_id)
            i = place_of(post, posts) if post is not None else None
            if i is not None:
                places.add(i)
        return places

    def wants(self, token: str, posts, templates, neighbours: bool = False, extra: str = "",
              shape: bytes | None = None) -> bool:
        if self.only is not None and token not in self.only:
            return False
        if (self.dirty is None or token not in self.kept or not self.templates.isdisjoint(templates)
                or self.extras.get(token, "") != extra or (shape is not None and self.shapes.get(token) != shape)):
            return True
        return not (self.beside_objects if neighbours else self.dirty_objects).isdisjoint(map(id, posts))


EVERYTHING = Changes(None)
# Past this many dirty posts, groups are asked one by one (places() bisects once a dirty post a run).
MANY_DIRTY = 200


def shape_key(posts, shape: str) -> bytes:
    """A group's shape: the posts it shows, in order, and what it shows of the site's structure besides (its
    page count, the posts beside it). Equal shapes and facts: equal pages, even after posts were added."""
    text = "\x1e".join([p.id for p in posts]) + "\x1f" + shape
    return blake2b(text.encode(), digest_size=12).digest()


def frame_key(ctx) -> str:
    return make_key(ctx.data_key, ctx.shared_key)


def structure_key(site) -> str:
    parts = [f"{p.id}\x1d{p.date.isoformat()}\x1d{p.category}\x1d{' '.join(p.tag_slugs)}" for p in site.ordered]
    parts += ["page\x1d" + page.url for page in site.pages]
    return make_key(parts)


def post_facts(ctx) -> dict[str, bytes]:
    """Per shown post, a hash of all a grouped page shows of it: its file, its pictures' sizes, its tags'
    names, which posts are related to it, its comments and its comment form. (The related posts' titles are
    theirs: compare() follows them.) A plain string hashed once: 100,000 of these are taken per edit."""
    forms = ctx.comment_forms
    site = ctx.site
    related, comments, refs = site.related, site.comments, ctx.bodies.refs
    names = {slug: tag.name for slug, tag in site.tags.items()}   # as ctx.tag_names() gives them
    bodies_key, comments_key = ctx.bodies.key, ctx.comments_key
    facts = {}
    # The calls only where there is something to key (pictures, comments): most posts have neither.
    for post in site.ordered:
        text = "\x1d".join((post.source_hash, bodies_key(post) if refs.get(post.body_hash) else "",
                            "\x1e".join([names[slug] for slug in post.tag_slugs]),
                            "\x1e".join(related.get(post.id, ())), comments_key(post) if post.id in comments else "",
                            forms.key(post) if forms else ""))
        facts[post.id] = blake2b(text.encode(), digest_size=12).digest()
    return facts


def compare(record: Record | None, ctx, frame: str, structure: str, facts: dict[str, bytes]) -> Changes:
    """What the pages of this build must be keyed for, against the last build's record."""
    if record is None or record.frame != frame:
        return EVERYTHING
    old = record.facts
    changed = [post_id for post_id, fact in facts.items() if old.get(post_id) != fact]
    dirty = set(changed)
    beside = set(changed)
    if changed:
        # A post shows the titles of its related posts: one whose title may have changed dirties them.
        changed_ids = set(changed)
        dirty.update(post_id for post_id, related in ctx.site.related.items()
                     if not changed_ids.isdisjoint(related))
        ordered, posts = ctx.site.ordered, ctx.site.posts
        # A few changed posts are found by their place in the order (no map of all 100,000 ids); many, by a map.
        position = {p.id: i for i, p in enumerate(ordered)} if len(changed) > 8 else None
        for post_id in changed:   # the pages of the posts before and after it show its title
            i = position[post_id] if position is not None else place_of(posts[post_id], ordered)
            beside.update(ordered[j].id for j in (i - 1, i + 1) if 0 <= j < len(ordered))
    beside |= dirty
    templates = {name for name, key in record.templates.items() if ctx.template_key(name) != key}
    posts = ctx.site.posts
    return Changes(dirty, templates, record.groups, record.extras, record.shapes,
                   measure=record.structure != structure,
                   dirty_objects={id(posts[i]) for i in dirty if i in posts},
                   beside_objects={id(posts[i]) for i in beside if i in posts}, beside=beside)


def record_of(ctx, frame: str, structure: str, facts: dict[str, bytes], items, old: Record | None) -> Record:
    """What this build was made from: `items` as the build collected them (pages, and paths of kept groups)."""
    groups: dict[str, list[str]] = {}
    for item in items:
        if item.__class__ is not str and item.group:
            groups.setdefault(item.group, []).append(item.path)
    made = {token: tuple(paths) for token, paths in groups.items()}
    made.update(ctx.kept_groups)
    shapes = ctx.group_shapes if ctx.changes.measure or old is None else old.shapes
    return Record(frame, structure, {name: ctx.template_key(name) for name in sorted(ctx.group_templates)},
                  facts, made, ctx.group_extras, shapes, blocks=ctx.block_keys())


def carried_block_keys(record: Record | None, changes: Changes, facts: dict[str, bytes]) -> dict[str, str]:
    """The last build's block keys of the posts that are not dirty: a block key is made of what the post's fact
    covers and its related posts' titles, and a post related to a changed one is dirty. A new post keys all
    100,000 blocks of a big blog's front pages, 1.7 s to make again."""
    if record is None or changes.dirty is None:
        return {}
    dirty = changes.dirty
    return {post_id: key for post_id, key in record.blocks.items() if post_id not in dirty and post_id in facts}
