"""A body edit, patched into the files that show it: the short way for the commonest edit of a big blog.

When the only files changed since the last build are posts whose front matter is as it was, the pages a build
would make differ from the last build's only where those posts' bodies are: nothing else a page shows comes
from a body but its description and first picture (the picture checked to be the same; the description, where
the default theme's base.html prints it, patched too), and related posts, neighbours and listings go by front
matter. A body reaches a file in one of four forms, each written as it is by the code that makes the file: as
HTML on pages (templates insert it as it is: see `_theme`), raw in an RSS feed (CDATA), escaped in Atom,
escaped in the JSON Feed. So each file the last build recorded as showing the body (changes.Record.bodies),
and the post's own page, gets the new body where the old one was, and no record is read, no model built, no
page rendered: a body edit at 100,000 posts takes 2.3-2.6 s, not 7-8.

It is taken only when it is sure; anything else goes the usual way, which is always right:
- the last build's base (BASE_BLOB: every content file's name and stat, each shown post's front matter and
  body hashes), vouched for as that of output/ as it is (BASE_KEY_BLOB is the manifest's inputs key), and
  neither the settings nor the clock's window (inputs.last_inputs) have changed, and no file is too new to
  trust its stat;
- only files' stats changed (none added or removed), each a shown post's, a few, read now: front matter the
  same, bodies plain (no picture, no relative link: those are resolved and sized per page) and long enough;
- every template is one of the default theme's that show bodies, known by its hash, or touches no body (`_theme`);
- every file to patch holds the old body exactly once, in its form (and a post's page a changed description
  exactly as many times as the default base.html prints it), and the last build's files are as it left them
  (writer.damaged).
The posts patched are marked (changes.PATCHED_BLOB) before any file is replaced: the next full build keys their
pages again, whatever their files hold by then.
"""

from __future__ import annotations

import hashlib
import json
import os
from array import array
from itertools import chain
from pathlib import Path, PurePosixPath
from xml.sax.saxutils import escape as xml_escape

from markupsafe import escape

from .content import inputs as inputs_of
from .content.loader import FileStat, Listing
from .content.model import Post, is_published
from .content.reader import read_post
from .errors import BlogError
from .pages import Page, changes, page_path
from .pages.metadata import post_metadata
from .publish.keys import code_key, make_key
from .render.links import relative_refs
from .render.markdown_render import html_key, post_html, post_id_prefix

BASE_BLOB = "body-patch-base"
BASE_KEY_BLOB = "body-patch-base-key"   # the inputs key of the build the base is vouched for
THEME_BLOB = "body-patch-theme"
VERSION = 3   # 2: the base without ids, front matter hashes cut; 3: the names as a digest
MOST_POSTS = 20          # more edited posts than this at once: the usual way
SHORTEST_BODY = 24       # characters of HTML: a shorter body could be found by chance elsewhere in a page
_STATS = len(FileStat._fields)   # numbers per file in the base
FRONT = 16               # hex digits of a front matter's hash the base keeps
CONTENT = "content/"
# The default theme's templates that show bodies, by their bytes' hash (template_digest): each inserts every body
# it shows as it is, read and tested (tests/test_body_patch.py builds with them both ways, and fails when one of
# them changes until its new hash is put here, after the same reading).
SHOWING_BODIES = {
    "7535fbaeb4acbfaf": "comments.html",
    "e3a97621b741d080": "listing.html",
    "0023e8e5dc8b0b0d": "page.html",
    "68b9db48545c62eb": "post.html",
    "1d7fee9206e02eb4": "post_block.html",
}
# The default theme's base.html, by its hash, and how many times it prints a page's description: each as a meta
# tag's whole content (content="..."), escaped, nowhere else (tests/test_body_patch.py pins this).
DESCRIBING = {"14c48e344ccfa0ef": 3}


def store_base(cache, listing: Listing, posts: list[Post], now, future: bool, drafts: bool,
               inputs_key: str) -> None:
    """What a later patch needs of this build's content: the listing's names (a digest) and stats, and each
    shown post's file, front matter's and body's hashes (one string, searched, not a dict of 100,000 entries to
    load). Stored as soon as the content is read (15 MB at 100,000 posts, not held through rendering), but
    vouched for (vouch_base) only once output/ has the build's files and its record is saved."""
    if listing.racy:
        return
    shown = "".join([_line(p) for p in posts if is_published(p, now, future, drafts)])
    with cache.transaction():
        cache.put_blob(BASE_KEY_BLOB, None)
        cache.put_blob(BASE_BLOB, (VERSION, inputs_key, *_columns(listing), shown + "\n"))


def vouch_base(cache, inputs_key: str) -> None:
    """The base stands for the build of `inputs_key`. A base is used only when its own key is that one too: a
    build that stored none (its listing too new to trust) vouches for nothing."""
    cache.put_blob(BASE_KEY_BLOB, inputs_key)


def _line(post: Post) -> str:
    return f"\n{post.source[len(CONTENT):]}\x1f{post.front_hash[:FRONT]}\x1f{post.body_hash}"


def _columns(listing: Listing) -> tuple[str, bytes]:
    """A digest of the listing's names (the same names in the same order: the same files), and their stats'
    numbers, in one array."""
    names = "\n".join([rel for rel, _ in listing.files]).encode("utf-8", "surrogateescape")
    return (hashlib.blake2b(names, digest_size=16).hexdigest(),
            array("q", chain.from_iterable([st for _, st in listing.files])).tobytes())


def refresh_base(cache, listing: Listing, inputs_key: str) -> None:
    """After a build that found nothing shown changed (an edited draft, say): the base's listing brought up to
    date, when the base is that of output/ as it is. Else the next edit would find that file changed too."""
    base = _stored_base(cache, inputs_key)
    if base is not None and not listing.racy:
        cache.put_blob(BASE_BLOB, (VERSION, inputs_key, *_columns(listing), base[4]))


def _stored_base(cache, inputs_key: str) -> tuple | None:
    """The base, if it is vouched for as that of the build whose inputs key output/'s manifest holds."""
    if cache.get_blob(BASE_KEY_BLOB) != inputs_key:
        return None
    base = cache.get_blob(BASE_BLOB)
    if isinstance(base, tuple) and len(base) == 5 and base[0] == VERSION and base[1] == inputs_key and \
            all(isinstance(part, (str, bytes)) for part in base[2:]):
        return base
    return None


def patch(site_dir: Path, config, cache, writer, listing: Listing, settings: str, now, dirs: list[Path],
          theme: str, manifest_blob: str, first: frozenset = frozenset(), on_first=None):
    """Patch the edited bodies into output/ and return the build's inputs (as content/inputs.py remembers them),
    or None when this edit is not one to patch: the build then goes the usual way."""
    if listing.racy:
        return None
    last = inputs_of.last_inputs(cache, settings, now)
    if last is None or last.key != writer.old_inputs:
        return None
    base = _stored_base(cache, last.key)
    if base is None:
        return None
    (names, stats), shown = _columns(listing), base[4]
    if names != base[2] or len(stats) != len(base[3]):
        return None
    edited = _edited(array("q", stats), array("q", base[3]))
    if not edited or len(edited) > MOST_POSTS:
        return None
    posts = []
    for index in edited:
        found = _read(site_dir, config, listing.files[index][0], shown)
        if found is None:
            return None
        posts.append(found)
    allows, described = _theme(cache, dirs, theme)
    if not allows:
        return None
    found = _bodies(cache, config, posts, described)
    swaps = _swaps(cache, found, described) if found is not None else None
    if swaps is None:
        return None
    posts = [(post, old, new) for post, old, new, _ in found]
    # The inputs' key says which posts were patched how: a later build that finds the same makes nothing.
    key = make_key(last.key, "patched", [p.id + "\0" + p.source_hash for p, _, _ in posts])
    pages = _patched_pages(writer, swaps, "patch:" + key)
    if pages is None:
        return None
    marked = cache.get_blob(changes.PATCHED_BLOB)
    cache.put_blob(changes.PATCHED_BLOB, sorted({*(marked if isinstance(marked, list) else ()),
                                                 *(p.id for p, _, _ in posts)}))
    cache.put_html({html_key(p.body_hash, post_id_prefix(p.id)): new for p, _, new in posts})
    try:
        writer.stage(writer.in_place(list(pages.values())))
        writer.publish(key)
    except BaseException:
        writer.discard()
        raise
    if on_first is not None:
        on_first([path for path in writer.stats.staged if path in first])
    for post, _, _ in posts:
        shown = _replace_line(shown, post)
    inputs = inputs_of.Inputs(last.shown, key, last.until, last.warnings)
    with cache.transaction():
        cache.put_blob(BASE_BLOB, (VERSION, key, names, stats, shown))
        vouch_base(cache, key)
        cache.put_blob(manifest_blob, writer.manifest_digest)   # the next build need not check its paths
        inputs_of.remember(cache, listing, settings, now, inputs)
    return inputs


def _edited(now: array, then: array) -> list[int]:
    """The indexes of the files whose stat differs: compared a slice at a time, in C, then file by file."""
    edited, step = [], 4096 * _STATS
    for start in range(0, len(now), step):
        if now[start:start + step] != then[start:start + step]:
            for i in range(start, min(start + step, len(now)), _STATS):
                if now[i:i + _STATS] != then[i:i + _STATS]:
                    edited.append(i // _STATS)
                    if len(edited) > MOST_POSTS:
                        return edited
    return edited


def _read(site_dir: Path, config, rel: str, shown: str):
    """(the post now, its old body hash, its body) when `rel` is a shown post (the base lists only those) whose
    front matter is unchanged."""
    start = shown.find(f"\n{rel}\x1f")
    if start < 0:
        return None
    _, front, body_hash = shown[start + 1:shown.index("\n", start + 1)].split("\x1f")
    try:
        with open(site_dir / "content" / rel, "rb") as f:
            post, body = read_post(PurePosixPath(rel), f.read(), config.tz)
    except (OSError, BlogError):
        return None   # the usual way says what is wrong
    if post.front_hash[:FRONT] != front:
        return None
    return post, body_hash, body


def _bodies(cache, config, posts: list, described: int) -> list[tuple[Post, str, str, tuple]] | None:
    """(post, its old HTML, its new HTML, its old and new description as its page shows it, or ()) of each edited
    post, when both are plain, show the same first picture, and the same description unless the theme's
    places for it are known (`described`)."""
    found = []
    for post, old_hash, body in posts:
        key = html_key(old_hash, post_id_prefix(post.id))
        old = cache.get_html([key]).get(key)
        if old is None:
            return None
        try:
            new = post_html(body, post.body_format, post.source, post_id_prefix(post.id))
        except BlogError:
            return None
        if not (_plain(old) and _plain(new)):
            return None
        (old_text, old_image), (new_text, new_image) = (post_metadata(post.summary, html, post.url, config.absolute)
                                                        for html in (old, new))
        # The page shows the site's tagline where a post has no description (pages/posts.py).
        old_text, new_text = old_text or config.tagline, new_text or config.tagline
        if old_image != new_image or (old_text != new_text and not described):
            return None
        found.append((post, old, new, (old_text, new_text) if old_text != new_text else ()))
    return found


def _swaps(cache, posts: list, described: int) -> dict[str, list[tuple[str, str, int]]] | None:
    """Each file showing an edited body -> (old, new, times it is there) for each body it shows (as HTML, 0:
    once, in the file's form) and then for its post's description (as the page's meta tags hold it)."""
    bodies = changes.load_bodies(cache)
    if bodies is None:
        return None
    files: dict[str, list] = {}
    metas = []
    for post, old, new, description in posts:
        if old != new:
            for path in [page_path(post.url), *changes.showing_body(bodies, post.id)]:   # its own page, and others
                files.setdefault(path, []).append((old, new, 0))
        if description:
            metas.append((page_path(post.url), *(f'content="{escape(text)}"' for text in description), described))
    for path, old, new, times in metas:   # after the bodies: a body's words are not taken for a description
        files.setdefault(path, []).append((old, new, times))
    return files


def _plain(html: str) -> bool:
    """A body pages and feeds show as it is (pages/bodies.py), found at most once by chance, safe in CDATA."""
    return len(html) >= SHORTEST_BODY and "<img" not in html and not relative_refs(html) and "]]>" not in html


def _patched_pages(writer, swaps: dict[str, list], key: str) -> dict[str, Page] | None:
    """Each file with its bodies swapped, as a page the writer publishes (under a key no build makes, so the
    next full build keys it again); None when a file does not hold an old body exactly once."""
    if writer.damaged(list(writer.old)):
        return None
    real_output = os.path.realpath(writer.output)
    pages = {}
    for path, pairs in swaps.items():
        target = os.path.join(writer.output, path)
        if path not in writer.old or os.path.realpath(target) != os.path.join(real_output, *path.split("/")):
            return None
        try:
            with open(target, "rb") as f:
                text = f.read().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
        for old, new, times in pairs:
            if not times:
                old, new, times = _as_shown(path, old), _as_shown(path, new), 1
            if old is None or text.count(old) != times:
                return None
            text = text.replace(old, new)
        data = text.encode("utf-8")
        pages[path] = Page(path, key, lambda data=data: data, "a post's body, patched")
    return pages


def _as_shown(path: str, html: str) -> str | None:
    """The body as the file at `path` holds it."""
    if path.endswith((".html", ".rss")):
        return html   # templates insert it as it is; feedgen puts it in CDATA
    if path.endswith(".atom"):
        return xml_escape(html, {"\r": "&#13;"})   # as lxml escapes text (feedgen)
    if path.endswith(".json"):
        return json.dumps(html, ensure_ascii=False)[1:-1]
    return None


def _replace_line(shown: str, post: Post) -> str:
    start = shown.index(_line(post).partition("\x1f")[0] + "\x1f")
    return shown[:start] + _line(post) + shown[shown.index("\n", start + 1):]


def _theme(cache, dirs: list[Path], theme: str) -> tuple[bool, int]:
    """(whether every template inserts bodies as they are, how many times a post's page prints its description
    as a meta tag's content; 0: not known). The default theme's templates that show bodies do (SHOWING_BODIES);
    any other template may not touch a body at all. The description's places are known when the base.html
    used is the default theme's (DESCRIBING) and no other template names a description. Kept per theme and
    version of blog."""
    theme = make_key(theme, code_key())
    known = cache.get_blob(THEME_BLOB)
    if isinstance(known, tuple) and len(known) == 3 and known[0] == theme:
        return known[1] is True, known[2] if isinstance(known[2], int) else 0
    templates = [(path, template_digest(path)) for d in dirs for path in sorted(d.rglob("*")) if path.is_file()]
    allows = all(digest in SHOWING_BODIES or _leaves_alone(path, _BODY_NAMES) for path, digest in templates)
    base = next((digest for path, digest in templates if path.name == "base.html"), None)
    described = DESCRIBING.get(base, 0) if all(
        digest in SHOWING_BODIES or digest in DESCRIBING or _leaves_alone(path, _DESCRIPTION_NAMES)
        for path, digest in templates) else 0
    cache.put_blob(THEME_BLOB, (theme, allows, described))
    return allows, described


# What a template of the site's own may not name: a body, what holds one (a page's blocks, a post's own block, a
# post as a whole, printed or passed on), the hashes that change with one, or a way to capture and reshape
# rendered text (a filter or set block, a macro or call, self and super).
_BODY_NAMES = {"body", "source_hash", "body_hash", "block", "blocks", "days", "self", "super", "caller"}
# ... and, for the description's places to be known, a description.
_DESCRIPTION_NAMES = _BODY_NAMES | {"description", "page_description"}


def template_digest(path: Path) -> str:
    return hashlib.blake2b(path.read_bytes(), digest_size=8).hexdigest()


def _leaves_alone(path: Path, names: set[str]) -> bool:
    import jinja2
    from jinja2 import nodes

    try:
        tree = jinja2.Environment().parse(path.read_text(encoding="utf-8"))
    except (jinja2.TemplateSyntaxError, UnicodeDecodeError, OSError):
        return False
    refused = (nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.AssignBlock)

    def fine(node, parent) -> bool:
        if isinstance(node, refused):
            return False
        if isinstance(node, nodes.Name) and (node.name in names or (
                node.name == "post" and not (isinstance(parent, nodes.Getattr) and parent.node is node))):
            return False
        if isinstance(node, nodes.Getattr) and (node.attr in names or node.attr.startswith("_")):
            return False
        if isinstance(node, nodes.Const) and isinstance(node.value, str) and node.value in names:
            return False
        return all(fine(child, node) for child in node.iter_child_nodes())

    return fine(tree, None)
