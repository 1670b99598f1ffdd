"""The content model: immutable records read from files, and the Site that owns them.

Links between things are ids (a post's id is its source path under content/), resolved only when rendering,
so replacing one post after an edit touches nothing else.
The model never reads files and never renders: reader.py builds the records, pages/ renders them.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from datetime import datetime
from typing import Any

from ..config import Config


@dataclass(frozen=True)
class Post:
    id: str                    # 'openstack/havana/foo': the source path under content/, no extension
    source: str                # 'content/openstack/havana/foo.md', for messages
    category: str              # '/openstack/havana', or '/' for a post directly in content/
    slug: str                  # 'foo'
    title: str
    date: datetime             # aware, in the site's timezone
    tags: tuple[str, ...]      # display names, one per slug, in the order written
    tag_slugs: tuple[str, ...]
    summary: str
    draft: bool
    body_format: str           # 'markdown', or 'html' (verbatim, as imported from PyBlosxom)
    extra: tuple[tuple[str, Any], ...]   # other front matter fields (isbn, ...), in file order
    source_hash: str           # hash of the file's bytes: everything the post shows derives from them
    body_hash: str             # hash of the body and its format: the key of its rendered HTML
    front_hash: str            # hash of the front matter: all it shows but its body (its title, on other posts' pages)

    @cached_property
    def url(self) -> str:
        return self.category.rstrip("/") + "/" + self.slug + ".html"

    @property
    def fields(self) -> dict[str, Any]:
        return dict(self.extra)


@dataclass(frozen=True)
class Comment:
    id: str                    # 'openstack/havana/foo.comments/20140225-jane.md'
    post_id: str               # 'openstack/havana/foo'
    author: str
    date: datetime
    url: str                   # '' when none was given; only http(s) URLs are ever linked
    email: str                 # never published
    body_format: str
    source_hash: str
    body_hash: str

    @property
    def source(self) -> str:
        return "content/" + self.id

    @property
    def anchor(self) -> str:
        # From the file's name, not its bytes: two identical comments are still two anchors.
        return "comment-" + self.date.strftime("%Y%m%d%H%M%S") + "-" + hashlib.blake2b(
            self.id.encode(), digest_size=3).hexdigest()


@dataclass(frozen=True)
class Attachment:
    """A file beside a post (or in a folder named after its slug): published at the same path under output/."""
    id: str                    # 'book/John_Ringo/cover.png': the path under content/ and under output/
    source_hash: str           # hash of the file's bytes
    width: int = 0             # as shown (EXIF rotation applied); 0 when not an image Pillow reads
    height: int = 0
    format: str = ""           # Pillow's name for it ('JPEG', 'PNG'), '' when not an image

    @property
    def source(self) -> str:
        return "content/" + self.id


@dataclass
class Tag:
    slug: str
    name: str
    posts: list[Post] = field(default_factory=list)   # newest first
    spellings: tuple[str, ...] = ()                     # every way posts write it, when more than one

    @property
    def url(self) -> str:
        return f"/tags/{self.slug}/"


def newest_first(post: Post):
    return (-post.date.timestamp(), post.title, post.id)


def place_of(post: Post, posts: list[Post]) -> int | None:
    """Where `post` is in `posts` (in the site's order, newest first: the site's, a category's, a tag's, a
    day's), found by bisection; None when it is not there."""
    i = bisect_left(posts, newest_first(post), key=newest_first)
    return i if i < len(posts) and posts[i] is post else None


@dataclass
class Site:
    """The published view of the blog: what readers see at one moment in time."""

    config: Config
    posts: dict[str, Post]                       # by id
    ordered: list[Post]                          # newest first
    categories: dict[str, list[Post]]            # '/openstack' holds '/openstack/havana' posts too
    tags: dict[str, Tag]                         # by slug
    days: dict[tuple[int, int, int], list[Post]]
    comments: dict[str, list[Comment]]           # by post id, oldest first
    files: dict[str, Attachment] = field(default_factory=dict)   # by id: those beside a shown post
    related: dict[str, tuple[str, ...]] = field(default_factory=dict)
    pages: list = field(default_factory=list)    # standalone pages (content/pages.py), drafts filtered

    def comments_of(self, post: Post) -> list[Comment]:
        return self.comments.get(post.id, [])

    @cached_property   # the site is not changed after build_site, and archives and old URLs both ask
    def months(self) -> dict[tuple[int, int], list[Post]]:
        """From the days (newest first, each newest first), not the posts: 35,000 days, not 100,000 posts."""
        months: dict[tuple[int, int], list[Post]] = {}
        for (year, month, _), posts in self.days.items():
            months.setdefault((year, month), []).extend(posts)
        return months

    @cached_property
    def years(self) -> dict[int, list[Post]]:
        years: dict[int, list[Post]] = {}
        for (year, _), posts in self.months.items():
            years.setdefault(year, []).extend(posts)
        return years


def build_site(config: Config, posts: list[Post], comments: list[Comment], *, now: datetime,
               future: bool = False, drafts: bool = False, pages: list | tuple = (),
               files: list[Attachment] = ()) -> Site:
    """Filter to what is published at `now`, then index it. Comments and files of unpublished posts are
    dropped (a file in a folder of posts is published while one of them is)."""
    published = [p for p in posts if is_published(p, now, future, drafts)]
    published.sort(key=newest_first)
    by_id = {p.id: p for p in published}

    # One pass for the categories, tags and days: 100,000 posts on a big blog, on every build past the quiet one.
    categories: dict[str, list[Post]] = defaultdict(list)
    ancestors: dict[str, list[str]] = {}   # a blog has tens of category paths, and 100,000 posts in them
    spellings: dict[str, Counter] = defaultdict(Counter)
    tag_posts: dict[str, list[Post]] = defaultdict(list)
    days: dict[tuple[int, int, int], list[Post]] = defaultdict(list)
    for post in published:
        paths = ancestors.get(post.category)
        if paths is None:
            paths = ancestors[post.category] = category_ancestors(post.category)
        for path in paths:
            categories[path].append(post)
        for name, slug in zip(post.tags, post.tag_slugs):
            spellings[slug][name] += 1
            tag_posts[slug].append(post)
        date = post.date
        days[(date.year, date.month, date.day)].append(post)
    # The most used spelling names the tag; ties go to the first in sort order, so output is stable.
    tags = {slug: Tag(slug, min(spellings[slug].items(), key=lambda kv: (-kv[1], kv[0]))[0], tag_posts[slug],
                      tuple(sorted(spellings[slug])) if len(spellings[slug]) > 1 else ())
            for slug in sorted(tag_posts)}

    by_post: dict[str, list[Comment]] = defaultdict(list)
    for comment in comments:
        if comment.post_id in by_id and (future or comment.date <= now):
            by_post[comment.post_id].append(comment)
    for items in by_post.values():
        if len(items) > 1:
            items.sort(key=lambda c: (c.date, c.id))

    return Site(config=config, posts=by_id, ordered=published, categories=dict(categories), tags=tags,
                days=dict(days),
                comments=dict(by_post), pages=[p for p in pages if drafts or not p.draft],
                files=_files_beside(published, files))


def tag_fold_warnings(site: Site) -> list[str]:
    """One line per tag that posts spell in more than one way (`OpenStack`, `openstack`), naming a post that uses
    each spelling (the oldest), so the blogger can see the fold and make them alike."""
    lines = []
    for tag in site.tags.values():
        if not tag.spellings:
            continue
        users: dict[str, Post] = {}
        for post in tag.posts:   # newest first: the last one seen is the oldest
            for name, slug in zip(post.tags, post.tag_slugs):
                if slug == tag.slug:
                    users[name] = post
        named = ", ".join(f"'{name}' ({users[name].source})" for name in tag.spellings)
        lines.append(f"warning: tags {named} are one tag, {tag.url}, shown as '{tag.name}'; "
                     "write them alike to silence this")
    return lines


def _files_beside(posts: list[Post], files) -> dict[str, Attachment]:
    if not files:
        return {}
    folders = {p.id.rpartition("/")[0] for p in posts}
    ids = {p.id for p in posts}
    return {f.id: f for f in files if owner_folder(f.id, folders, ids) is not None}


def owner_folder(file_id: str, folders: set[str], post_ids: set[str]) -> str | None:
    """The folder of posts that `file_id` is beside ('book/x/cover.png' -> 'book/x'), or the post whose slug
    folder holds it ('book/x/live/cover.png', or deeper, -> 'book/x/live'); None when neither."""
    folder = file_id.rpartition("/")[0]
    if folder in folders:
        return folder
    parts = folder.split("/")
    for n in range(len(parts), 0, -1):
        if "/".join(parts[:n]) in post_ids:
            return "/".join(parts[:n])
    return None


def is_published(post: Post, now: datetime, future: bool = False, drafts: bool = False) -> bool:
    """Scheduled posts wait for their date, drafts for --drafts."""
    return (future or post.date <= now) and (drafts or not post.draft)


def category_ancestors(category: str) -> list[str]:
    """'/a/b' -> ['/', '/a', '/a/b']."""
    result = ["/"]
    parts = [p for p in category.split("/") if p]
    for i in range(len(parts)):
        result.append("/" + "/".join(parts[: i + 1]))
    return result
