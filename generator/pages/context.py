"""What every page module shares while rendering one build: the Site, the templates, page keys, and each post's
block rendered once and reused by every page that shows it."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Callable

from markupsafe import Markup

from ..errors import BlogError
from ..publish.keys import make_key
from ..content.model import Comment, Post, Site
from ..render.sanitize import plain_text, safe_url
from ..render.theme import template_error
from .bodies import PostBodies
from .changes import EVERYTHING, run_key, shape_key


BLOCK_TEMPLATE = "post_block.html"
ENTRY_TEMPLATE = "archive_item.html"


@dataclass(frozen=True)
class Link:
    title: str
    url: str


@dataclass(frozen=True)
class PostView:
    """A post as templates see it: links resolved, body rendered."""
    post: Post
    title: str
    url: str
    date: datetime
    category: str
    category_url: str
    tags: list[Link]
    related: list[Link]
    fields: dict
    summary: str
    comment_count: int
    body: Markup


@dataclass(frozen=True)
class CommentView:
    comment: Comment
    author: str
    url: str            # '' unless a safe http(s) link
    date: datetime
    anchor: str
    body: Markup
    post_title: str
    post_url: str


class RenderContext:
    def __init__(self, site: Site, env, global_key: str, body_html: Callable[[Any], str],
                 template_dirs, data_key: str | None = None, bodies=None, comment_forms=None,
                 template_key: Callable[[str], str] | None = None, shared_key: str | None = None):
        self.site = site
        self.config = site.config
        self.env = env
        self.global_key = global_key        # content, settings and templates
        self.data_key = data_key or global_key   # content and settings: for files no template makes
        self.body_html = body_html          # post or comment -> HTML (Markdown rendered once, cached)
        # A post's body with its links resolved and pictures sized (pages/bodies.py).
        self.bodies = bodies or PostBodies(site, body_html, {})
        # template name -> a hash of it and the templates it uses (render/theme.py); else: of every template
        self.template_key = template_key or (lambda name: self.global_key)
        # what every template sees besides the templates: settings and the header navigation
        self.shared_key = shared_key or self.global_key
        self.template_dirs = template_dirs
        self.comment_forms = comment_forms  # pages/comment_form.CommentForms, or None: no form on post pages
        self._blocks: dict[str, Markup] = {}
        self._items: dict[str, Markup] = {}
        # The posts whose block and entry are in the build cache under the keys they had last build (unchanged):
        # read where a page joins them, unasked before (pages/parts.py); and the cache they are read from.
        self.parts_in_cache: Collection[str] = ()
        self.part_cache: Any = None
        self._block_keys: dict[str, str] = {}
        self._listing_keys: dict[str, str] = {}
        self._feed_entry_keys: dict[str, str] = {}
        self._tag_names: dict[str, tuple[str, ...]] = {}
        self._views: dict[str, PostView] = {}
        self._frames: dict[tuple[str, ...] | str, str] = {}
        # Which groups of pages to key (pages/changes.py); the groups skipped, in order, and the templates named.
        self.changes = EVERYTHING
        self.reset_groups()
        self.structure = ""   # the key of pages/changes.structure_of, for the sitemap's group

    # -- groups -------------------------------------------------------------------------------------------
    def reset_groups(self) -> None:
        """What a collection of pages records of its groups, for the build's record (changes.record_of)."""
        self.skipped: list[str] = []
        self.kept_groups: dict[str, tuple[str, ...]] = {}
        self.group_templates: set[str] = set()
        self.group_extras: dict[str, str] = {}
        self.group_shapes: dict[str, bytes] = {}
        self.group_runs: dict[str, bytes] = {}

    def wants(self, token: str, posts, templates: tuple[str, ...] = (), neighbours: bool = False,
              extra: str = "", shape: str | Callable[[], str] | None = "") -> bool:
        """Start a group of pages: those a page kind makes next, showing `posts` (all it shows of any post)
        and rendered from `templates`, give their Page `group=token`. False: nothing they show changed since
        the last build, so the kind skips them and the build keeps their files. `neighbours`: they also show
        the titles of the posts before and after those posts (a post's own page). `shape`: what they show of
        the site's structure beside their posts (a page count, the neighbours' ids); None when the token itself
        says it all (one post's comment feed): no shape is taken. `extra`: a key of anything else they show that
        is not a post."""
        self.group_templates.update(templates)
        if extra:
            self.group_extras[token] = extra
        measured = None
        if self.changes.measure and shape is not None:
            measured = self.group_shapes[token] = shape_key(posts, shape() if callable(shape) else shape)
        if self.changes.wants(token, posts, templates, neighbours, extra, measured):
            return True
        self.skipped.append(token)
        return False

    def dirty_places(self, tokens: list[str], posts, templates: tuple[str, ...], neighbours: bool = False,
                     run: tuple[str, str | Callable[[], str]] | None = None) -> set[int] | None:
        """Where in `posts` the posts are that alone decide which of the groups `tokens` are wanted
        (Changes.places): after an edit that changed no structure, or that changed it but not these groups'
        shapes. That is a run of listing or archive pages (`run`: its name, and what its pages show beside their
        posts) found as it was (Changes.run_settled), or the groups of each post, whose moved posts and their
        neighbours count as dirty. The groups holding none of them are the caller's to skip (appended to
        `skipped`, in order); their shapes are the last build's. None: ask wants() for each."""
        changes = self.changes
        settled = changes.settled
        if run is not None and changes.measure:
            name, shown = run
            shape = self.group_runs[name] = run_key(posts, shown() if callable(shown) else shown)
            settled = changes.run_settled(name, shape, posts)
        places = changes.places(tokens, posts, templates, self.site.posts, neighbours, settled)
        if places is not None:
            self.group_templates.update(templates)
            if changes.measure:
                shapes = changes.shapes
                self.group_shapes.update((token, shapes[token]) for token in tokens if token in shapes)
        return places

    # -- keys ---------------------------------------------------------------------------------------------
    def key(self, *parts: Any) -> str:
        """The key of a page rendered from templates."""
        return make_key(self.global_key, *parts)

    def templates_key(self, templates: tuple[str, ...], *parts: Any) -> str:
        """The key of a page rendered from `templates` only (the page's template, and post_block.html or
        archive_item.html when it joins blocks or entries): editing another template leaves it alone."""
        frame = self._frames.get(templates)
        if frame is None:   # once per page kind, not once per page: 30,000 pages on a big blog
            frame = self._frames[templates] = make_key(self.shared_key, *[self.template_key(n) for n in templates])
        return make_key(frame, *parts)

    def block_part_key(self, post: Post) -> str:
        """The key of the post's block as the build cache keeps it (pages/parts.py): the block template's key
        (fixed length) joined to the block key, not hashed again: a new post asks for 100,000 of them."""
        return self._part_frame(BLOCK_TEMPLATE, "block") + self.block_key(post)

    def entry_part_key(self, post: Post) -> str:
        """The key of the post's archive entry in the build cache: the view it is rendered from has what the
        block shows, less the body, so the block's key covers it."""
        return self._part_frame(ENTRY_TEMPLATE, "entry") + self.block_key(post)

    def _part_frame(self, template: str, kind: str) -> str:
        frame = self._frames.get(kind)
        if frame is None:
            frame = self._frames[kind] = self.templates_key((template,), kind)
        return frame

    def data_key_of(self, *parts: Any) -> str:
        """The key of a file no template makes (feeds, the sitemap, redirect maps): a theme edit leaves it."""
        return make_key(self.data_key, *parts)

    def block_key(self, post: Post) -> str:
        """Everything a post's block shows: its own file, the sizes of its pictures, the tag names, related
        titles, comment count."""
        key = self._block_keys.get(post.id)
        if key is None:
            posts = self.site.posts
            related = [i + "\x1d" + posts[i].title for i in self.site.related.get(post.id, ())]
            key = make_key(post.id, post.source_hash, self.bodies.key(post), list(self.tag_names(post)), related,
                           str(len(self.site.comments_of(post))))
            self._block_keys[post.id] = key
        return key

    def carry_block_keys(self, keys: dict[str, str]) -> None:
        """Block keys known to be unchanged since the last build (pages/changes.carried_block_keys)."""
        self._block_keys.update(keys)

    def block_keys(self) -> dict[str, str]:
        """Every block key this build made or carried, for the next build's record."""
        return self._block_keys

    def listing_key(self, post: Post) -> str:
        """What a title-and-summary listing shows of a post: its front matter (not its body) and comment count."""
        key = self._listing_keys.get(post.id)
        if key is None:
            key = self._listing_keys[post.id] = (
                f"{post.id}\x1d{post.front_hash}\x1d{len(self.site.comments_of(post))}")
        return key

    def comments_key(self, post: Post) -> str:
        """The post's comments, each by its file."""
        return "\x1e".join(c.id + "\x1d" + c.source_hash for c in self.site.comments_of(post))

    def feed_entry_key(self, post: Post) -> str:
        """What a feed shows of a post: its file, its pictures' sizes and its tags' names (a post is in several
        feeds)."""
        key = self._feed_entry_keys.get(post.id)
        if key is None:
            key = self._feed_entry_keys[post.id] = (
                f"{post.id}\x1d{post.source_hash}\x1d{self.bodies.key(post)}\x1d" + "\x1d".join(self.tag_names(post)))
        return key

    # -- views --------------------------------------------------------------------------------------------
    def related(self, post: Post) -> list[Post]:
        return [self.site.posts[i] for i in self.site.related.get(post.id, ())]

    def tag_names(self, post: Post) -> tuple[str, ...]:
        names = self._tag_names.get(post.id)
        if names is None:
            tags = self.site.tags
            names = self._tag_names[post.id] = tuple(tags[s].name for s in post.tag_slugs)
        return names

    def view(self, post: Post, with_body: bool = True) -> PostView:
        """The post for templates. Without the body it is made once per build: archive pages list each post
        many times (its tags, months, days), and the view is the same each time."""
        light = self._views.get(post.id)
        if light is None:
            tags = self.site.tags
            light = self._views[post.id] = PostView(
                post=post, title=post.title, url=post.url, date=post.date, category=post.category,
                category_url=category_url(post.category),
                tags=[Link(tags[s].name, tags[s].url) for s in post.tag_slugs],
                related=[Link(r.title, r.url) for r in self.related(post)],
                fields=post.fields, summary=post.summary, comment_count=len(self.site.comments_of(post)),
                body=Markup(""),
            )
        return replace(light, body=Markup(self.bodies.page(post))) if with_body else light

    def comment_view(self, comment: Comment) -> CommentView:
        post = self.site.posts[comment.post_id]
        return CommentView(comment=comment, author=plain_text(comment.author) or "Anonymous",
                           url=safe_url(comment.url),
                           date=comment.date,
                           anchor=comment.anchor, body=Markup(self.body_html(comment)),
                           post_title=post.title, post_url=post.url)

    @staticmethod
    def post_ids(posts) -> str:
        """The posts' ids as one string, for a page's render() to join their parts by: made while pages are
        collected, so a worker that renders the page reads one string of this process's, not the posts. A
        worker that touches an object it inherited (its reference count) copies the memory page it sits on: at
        100,000 posts, rendering the pages a new post shifts copied 40 MB of posts, ids and dates per worker."""
        return "\n".join([post.id for post in posts])   # no id holds a line break (loader.py refuses them)

    def ids_to_hold(self, posts) -> str | None:
        """post_ids(posts) made now, where a page is collected, after an edit; None on a full build, whose
        workers render every part and so touch every post anyway: the strings would only cost memory there
        (90 MB at 100,000 posts). A page's render() then makes them itself."""
        return None if self.changes.dirty is None else self.post_ids(posts)

    def views_of(self, ids: str) -> Sequence[PostView]:
        """The posts' views (without bodies), made only if a template reads them."""
        return _Lazy(lambda: [self.view(self.site.posts[i], with_body=False) for i in _split_ids(ids)])

    def blocks(self, ids: str) -> list[Markup]:
        """The blocks (title, fields, body, tags, related, footer) of the posts `ids` (post_ids()), each rendered
        once per build; those the cache holds read in one query (pages/parts.py)."""
        return self._parts(self._blocks, ids, self.render_block, BLOCK_TEMPLATE, "block")

    def _parts(self, made: dict, ids: str, render, template: str, kind: str) -> list[Markup]:
        """Each post's part from `made` (rendered this build, or a CachedPart read now, each time a page joins
        it), or read now from the cache under its unchanged key (parts_in_cache), else rendered now and kept for
        the rest of the build."""
        post_ids = _split_ids(ids)
        parts = [made.get(post_id) for post_id in post_ids]
        posts, unchanged = self.site.posts, self.parts_in_cache
        if unchanged:
            # The key by id, as block_part_key() makes it: a worker that touched the post would copy its memory.
            frame, keys = self._part_frame(template, kind), self._block_keys
            for i, post_id in enumerate(post_ids):
                if parts[i] is None and post_id in unchanged:
                    parts[i] = CachedPart(frame + keys[post_id], self.part_cache)
        cached = [part for part in parts if part.__class__ is CachedPart]
        read = cached[0].cache.get_parts([part.key for part in cached]) if cached else {}
        shown = []
        for post_id, part in zip(post_ids, parts):
            if part is None:
                part = made[post_id] = Markup(render(posts[post_id]))
            elif part.__class__ is CachedPart:
                html = read.get(part.key)
                if html is not None:
                    part = Markup(html)
                else:   # lost or damaged since an earlier build stored it: rendered here, once, and stored again
                    html = render(posts[post_id])
                    part.cache.keep_part(part.key, html)
                    part = made[post_id] = Markup(html)
            shown.append(part)
        return shown

    def render_block(self, post: Post) -> str:
        return self.render_template(BLOCK_TEMPLATE, {"post": self.view(post)})

    def page_block(self, post: Post) -> Markup:
        """The block on the post's own page, where its title is the page's <h1> (h2 in listings, under the
        day headings). Rendered with that page only, so no other page pays for it."""
        return Markup(self.render_template(BLOCK_TEMPLATE, {"post": self.view(post), "heading": "h1"}))

    def archive_items(self, ids: str) -> list[Markup]:
        """The entries of the posts `ids` (post_ids()) in title-and-summary archives (a tag, a year, a month, a
        day), each rendered once per build: a post is listed on four or more archive pages."""
        return self._parts(self._items, ids, self.render_archive_item, ENTRY_TEMPLATE, "entry")

    def render_archive_item(self, post: Post) -> str:
        return self.render_template(ENTRY_TEMPLATE, {"post": self.view(post, with_body=False)})

    def render_part(self, kind: str, post: Post) -> str:
        """The post's block ('block') or archive entry ('entry'), for rendering in worker processes."""
        return self.render_block(post) if kind == "block" else self.render_archive_item(post)

    def add_part(self, kind: str, post: Post, html: Markup | CachedPart) -> None:
        """A block or archive entry rendered elsewhere: a worker process, or an earlier build (then read from
        the cache each time a page joins it)."""
        (self._blocks if kind == "block" else self._items)[post.id] = html

    # -- templates ----------------------------------------------------------------------------------------
    def render_template(self, name: str, context: dict) -> str:
        try:
            return self.env.get_template(name).render(context)
        except BlogError:
            raise
        except Exception as e:
            # Jinja's own errors (matched by module, so jinja2 is imported only when rendering) and the
            # errors a template's expressions raise are the template's fault, named with its file and line.
            if type(e).__module__.startswith("jinja2") or isinstance(e, (TypeError, AttributeError, ValueError)):
                raise template_error(e, self.template_dirs) from None
            raise

    def render_page(self, name: str, context: dict) -> bytes:
        return self.render_template(name, context).encode("utf-8")


def category_url(category: str) -> str:
    return "/" if category == "/" else category + "/"


def _split_ids(ids: str) -> list[str]:
    """RenderContext.post_ids() undone."""
    return ids.split("\n") if ids else []


class _Lazy(Sequence):
    """A list made by `make()` the first time a template reads it: an archive page offers its posts' views to
    themes that list them their own way, and the default theme does not."""

    def __init__(self, make: Callable[[], list]):
        self._make, self._items = make, None

    def _list(self) -> list:
        if self._items is None:
            self._items = self._make()
        return self._items

    def __getitem__(self, index):
        return self._list()[index]

    def __len__(self) -> int:
        return len(self._list())

    def __iter__(self):
        return iter(self._list())


@dataclass(frozen=True, slots=True)
class CachedPart:
    """A part the build cache holds, read from it where a page joins it (in a worker, on its own connection)."""
    key: str
    cache: Any
