"""Phase two: plain functions from the Site to pages, one module per output kind.

A Page is (path, key, render): the writer calls render() only when the key recorded for that path changed, so a
key must cover everything render() reads. A page that joins posts' blocks or archive entries names those posts
(`blocks`, `entries`): the build has them ready (from the cache, or rendered on all cores) before render() runs.

Most pages belong to a group (`group`: a post's page, a tag's pages, a feed), started by `ctx.wants()` with the
posts the group shows: after an edit, a group whose posts are unchanged is not keyed at all (pages/changes.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Page:
    path: str                      # relative to output/, e.g. 'openstack/havana/foo.html'
    key: str
    render: Callable[[], bytes]
    source: str = ""               # what it is made from, for messages about clashing URLs
    blocks: tuple = ()             # the posts whose block (post_block.html) render() joins
    entries: tuple = ()            # the posts whose archive entry (archive_item.html) render() joins
    group: str = ""                # the ctx.wants() token it was made under; '' for pages made on every build
    # The posts (ids) whose body render() shows, as pages or feeds show it: a body edit is patched into these
    # files, when the rest of what they show is known to be unchanged (body_patch.py). A post's own page shows
    # its body without saying so: the patch knows.
    bodies: tuple = ()


def page_path(url: str) -> str:
    """Site-relative URL to output path: '/a/' -> 'a/index.html', '/a/b.html' -> 'a/b.html'."""
    path = url.lstrip("/")
    return path + "index.html" if path == "" or path.endswith("/") else path


def paged_url(base: str, number: int) -> str:
    """Page 1 of a listing is its folder; older pages are at base + 'page/N/'."""
    return base if number == 1 else f"{base}page/{number}/"


@dataclass(frozen=True)
class ListPage:
    """One page of a paginated listing or archive: its posts and where it sits among its siblings."""
    number: int
    count: int
    items: list
    url: str
    older: str | None
    newer: str | None

    def template_vars(self) -> dict:
        return {"page_number": self.number, "page_count": self.count, "older_url": self.older,
                "newer_url": self.newer, "canonical": self.url}


def paginate(posts: list, size: int, base: str) -> list[ListPage]:
    """`posts` in pages of `size`, the first at `base` (a folder URL), the others at base/page/N/."""
    count = page_count(posts, size)
    return [page_at(posts, size, base, number, count) for number in range(1, count + 1)]


def page_count(posts: list, size: int) -> int:
    return max(1, -(-len(posts) // size))   # an empty listing still has its first page


def page_at(posts: list, size: int, base: str, number: int, count: int) -> ListPage:
    """Page `number` of paginate(posts, size, base), which has `count` pages, made alone."""
    return ListPage(number, count, posts[(number - 1) * size:number * size], paged_url(base, number),
                    paged_url(base, number + 1) if number < count else None,
                    paged_url(base, number - 1) if number > 1 else None)


def wanted_pages(ctx, posts: list, size: int, base: str, prefix: str, templates: tuple[str, ...], shape):
    """(page, token) of the pages of paginate(posts, size, base) whose group (token: `prefix` + the page's URL)
    ctx wants, each asked with ctx.wants(); or, after an edit that changed no structure, or none of this run's
    (ctx.dirty_places), only those holding a changed post are made and asked at all, the others skipped by
    their token. `shape`: as ctx.wants takes it."""
    count = page_count(posts, size)
    tokens = [prefix + paged_url(base, number) for number in range(1, count + 1)]
    places = ctx.dirty_places(tokens, posts, templates, run=(prefix + base, shape))
    numbers = {place // size for place in places} if places is not None else None
    for index, token in enumerate(tokens):
        if numbers is not None and index not in numbers:
            ctx.skipped.append(token)
            continue
        page = page_at(posts, size, base, index + 1, count)
        if ctx.wants(token, page.items, templates, shape=shape):
            yield page, token


def post_groups(ctx, prefix: str, templates: tuple[str, ...] = (), neighbours: bool = False):
    """(index, post, token) of each shown post, newest first, for a kind with a group per post (`prefix` + the
    post's id); after an edit that changed no structure, or moved only a few posts (ctx.dirty_places), only
    those of the dirty posts (and of the posts beside them, and of those moved: `neighbours`), the others
    skipped by their token. The caller asks ctx.wants()."""
    ordered = ctx.site.ordered
    tokens = [prefix + post.id for post in ordered]
    places = ctx.dirty_places(tokens, ordered, templates, neighbours)
    for index, token in enumerate(tokens):
        if places is not None and index not in places:
            ctx.skipped.append(token)
            continue
        yield index, ordered[index], token
