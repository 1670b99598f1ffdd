"""Each post's body as pages and feeds show it: its relative links resolved (root-relative on pages, absolute in
feeds), its pictures sized. Done once per post per build (in each process that renders it), never per page.

A body's relative links are known without its HTML (scanned once when it is rendered, kept in the cache by
body hash), so a page's key can say which pictures it shows and at what size: a picture that changes size
changes the key of every page showing a post that shows it, and nothing else.
"""

from __future__ import annotations

from typing import Callable

from ..content.model import Post, Site
from ..publish.keys import make_key
from ..render.images import image_attrs
from ..render.links import relative_refs, resolve, rewrite

REFS_BLOB = "body-refs"
REFS_VERSION = "refs 1"   # bump when render/links.py finds links differently
# Links to these are to pages the build makes, not to files beside the post.
_PAGE_SUFFIXES = (".html", ".rss", ".atom", ".xml")


class PostBodies:
    def __init__(self, site: Site, body_html: Callable[[Post], str], refs: dict[str, tuple]):
        self.site = site
        self.body_html = body_html
        self.refs = refs                      # body_hash -> ((tag, URL as written), ...)
        self.max_width = site.config.images.max_width
        self._keys: dict[str, str] = {}
        self._page: dict[str, str] = {}
        self._feed: dict[str, str] = {}

    def key(self, post: Post) -> str:
        """What the body's HTML takes from files beside it: each picture's size ('' when it shows none)."""
        key = self._keys.get(post.id)
        if key is None:
            sizes = []
            for tag, ref in self.refs.get(post.body_hash, ()):
                if tag == "img":
                    path = resolve(post.url, ref)[1]
                    att = self.site.files.get(path)
                    sizes.append(f"{path}\x1d{att.width}x{att.height}:{att.format}" if att else path)
            key = self._keys[post.id] = make_key(sizes) if sizes else ""
        return key

    def page(self, post: Post) -> str:
        html = self._page.get(post.id)
        if html is None:
            html = self._page[post.id] = self._rewrite(post, self.site.config.base_path)
        return html

    def feed(self, post: Post) -> str:
        html = self._feed.get(post.id)
        if html is None:
            html = self._feed[post.id] = self._rewrite(post, self.site.config.base_url.rstrip("/"))
        return html

    def _rewrite(self, post: Post, prefix: str) -> str:
        html = self.body_html(post)
        if post.body_hash in self.refs and not self.refs[post.body_hash] and "<img" not in html:
            return html   # nothing relative and no picture: most posts
        files, max_width = self.site.files, self.max_width
        return rewrite(html, post.url, prefix, lambda path, url: image_attrs(files.get(path), url, max_width))

    def missing_files(self, other_files: set[str] = frozenset()) -> list[str]:
        """One warning per post and link to a file beside it (in its folder, or below) that does not exist.
        `other_files`: paths under output/ of files published otherwise (content/static/, the theme's)."""
        pages = None   # every post's page: made only when a link needs it (most posts link to nothing beside)
        warnings = []
        for post in self.site.ordered:
            refs = self.refs.get(post.body_hash)
            if not refs:
                continue
            folder = post.id.rpartition("/")[0]
            inside = folder + "/" if folder else ""
            for _, ref in refs:
                path = resolve(post.url, ref)[1]
                if (not path.startswith(inside) or path in self.site.files or path.endswith("/") or not path
                        or (path.endswith(_PAGE_SUFFIXES) and not path.endswith(".html"))):
                    continue
                if pages is None:
                    pages = {p.url.lstrip("/") for p in self.site.ordered} | other_files
                if path in pages:
                    continue
                warnings.append(f"warning: {post.source}: links to '{ref}', but content/{path} does not exist; "
                                "add the file beside the post or fix the link")
        return warnings


def load_refs(cache, site: Site, body_html: Callable[[Post], str], fingerprint: str) -> dict[str, tuple]:
    """The relative links of every shown post's body: from the cache, scanning only bodies it lacks."""
    fingerprint = f"{fingerprint} {REFS_VERSION}"
    blob = cache.get_blob(REFS_BLOB)
    known = blob[1] if isinstance(blob, tuple) and len(blob) == 2 and blob[0] == fingerprint \
        and isinstance(blob[1], dict) else {}
    # Keyed by body hash: the per-post id prefix changes only ids and fragments, never a relative link. Changed
    # where bodies changed, not made again: 100,000 entries at 100,000 posts.
    shown = {p.body_hash for p in site.ordered}
    refs = dict(known)
    for body_hash in refs.keys() - shown:
        del refs[body_hash]
    missing = [post for post in site.ordered if post.body_hash not in refs]
    for post in missing:
        refs[post.body_hash] = relative_refs(body_html(post))
    if missing or len(refs) != len(known):
        cache.put_blob(REFS_BLOB, (fingerprint, refs))
    return refs
