"""Phase one of a build: find every content file and turn it into records, reusing the cache where the file is
unchanged (same path, mtime and size), so a rebuild reads only what was edited."""

from __future__ import annotations

import hashlib
import os
import re
import stat
import time
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path, PurePosixPath
from typing import NamedTuple
from zoneinfo import ZoneInfo

from ..publish.cache import BuildCache
from ..errors import BlogError
from .attachments import is_published_name, read_attachment
from .model import Attachment, Comment, Post, owner_folder
from .frontmatter import split
from ..parallel import fork_map
from .pages import PAGES_DIR   # standalone pages (About, ...): content/pages.py reads them, not this
from .reader import COMMENTS_SUFFIX, MANY_TAGS, POST_SUFFIXES, decode, read_comment, read_post

STATIC_DIR = "static"
# Control characters and line breaks: no URL, feed or one-line message can hold them.
_UNSAFE_NAME = re.compile("[\x00-\x1f\x7f\x85\u2028\u2029\ufffe\uffff]")
_NAME = attrgetter("name")
RACY_SECONDS = 2


@dataclass
class Content:
    posts: list[Post]
    comments: list[Comment]
    files: list[Attachment] = field(default_factory=list)   # every file beside a post, published or not
    bodies: dict[str, str] = field(default_factory=dict)  # body_hash -> source, for files read this run


def walk_files(root: str, inside: str, warn=None):
    """Yield (rel path, stat) of every file under `root`, in sorted order, skipping dot-files and dot-folders.
    A link is followed only when it resolves inside the folder `inside` (the site): others, and links back to a
    folder they are in (loops), are skipped with one warning each. An unreadable folder, or a name holding a
    line break, is an error naming it. Plain strings and scandir: this runs over every file on every build, so
    it must cost little more than stat."""
    say = warn or (lambda msg: None)
    real_inside = os.path.realpath(inside)
    stack = [(root, "")]
    while stack:
        folder, rel_folder = stack.pop()
        try:
            with os.scandir(folder) as entries:
                listed = sorted((e for e in entries if not e.name.startswith(".")), key=_NAME)
        except OSError as e:
            raise BlogError(f"cannot read this folder ({e.strerror}); fix its permissions", _shown(folder)) from None
        # The names are checked a folder at a time, each entry alone only when one fails: 140,000 at 100,000 posts.
        names = [e.name for e in listed]
        if _UNSAFE_NAME.search("/".join(names)):
            entry = next(e for e in listed if _UNSAFE_NAME.search(e.name))
            shown = _shown(entry.path).encode("unicode_escape").decode("ascii")
            raise BlogError("a file name holding a line break or another control character cannot be a URL "
                            "(nor go into a feed); rename it", shown)
        if len({name.lower() for name in names}) != len(names):
            _warn_case_clashes(listed, say)
        prefix = rel_folder + "/" if rel_folder else ""
        subfolders = []
        real_folder = None
        for entry in listed:
            try:
                if entry.is_file(follow_symlinks=False):   # the common case first: no system call but stat
                    yield prefix + entry.name, entry.stat(follow_symlinks=False)
                elif entry.is_dir(follow_symlinks=False):
                    subfolders.append((entry.path, prefix + entry.name))
                elif entry.is_symlink():
                    target = os.path.realpath(entry.path)
                    if target != real_inside and not target.startswith(real_inside + os.sep):
                        say(f"warning: {_shown(entry.path)}: a link to {target}, outside the site folder; skipped")
                        continue
                    st = os.stat(entry.path)
                    if stat.S_ISDIR(st.st_mode):
                        real_folder = real_folder or os.path.realpath(folder)
                        if real_folder == target or real_folder.startswith(target + os.sep):
                            say(f"warning: {_shown(entry.path)}: a link to a folder it is in (a loop); skipped")
                            continue
                        subfolders.append((entry.path, prefix + entry.name))
                    elif stat.S_ISREG(st.st_mode):
                        yield prefix + entry.name, st
            except OSError as e:
                say(f"warning: {_shown(entry.path)}: cannot be read ({e.strerror}); skipped")
        stack.extend(reversed(subfolders))   # popped in sorted order, after this folder's files


def _warn_case_clashes(listed, say) -> None:
    lowered: dict[str, str] = {}
    for entry in listed:
        other = lowered.setdefault(entry.name.lower(), entry.name)
        if other != entry.name:
            say(f"warning: {_shown(entry.path)}: differs from {other} only in case; they collide on "
                "case-insensitive hosts (macOS, Windows): rename one")


def _shown(path: str) -> str:
    """A path as messages name it: from content/ on, where it is under it."""
    index = path.rfind(os.sep + "content" + os.sep)
    return path[index + 1:] if index >= 0 else path


def readable(st: os.stat_result) -> bool:
    """Whether this process may read the file, from the stat already made (no extra system call)."""
    uid = _EUID
    if uid == 0:
        return True
    if st.st_uid == uid:
        return bool(st.st_mode & stat.S_IRUSR)
    if st.st_gid in _GROUPS:
        return bool(st.st_mode & stat.S_IRGRP)
    return bool(st.st_mode & stat.S_IROTH)


_EUID = os.geteuid()
_GROUPS = {os.getegid(), *os.getgroups()}


class FileStat(NamedTuple):
    """What the build uses of a file's stat: an os.stat_result holds 19 numbers, and a listing 140,000 of them
    at 100,000 posts (110 MB, where these are 30)."""
    st_mtime_ns: int
    st_size: int
    st_mode: int
    st_uid: int
    st_gid: int


@dataclass
class Listing:
    """Every file of content/ that may be a post, a comment or a file beside a post, with its stat; `key` is a
    digest of their names and stats, equal between two walks only when no file was added, removed, edited or
    made unreadable (`racy`: a file changed too recently for its stat to be trusted, so the key is not)."""
    files: list[tuple[str, FileStat]]
    key: str
    racy: bool


def list_content(site_dir: Path, warn) -> Listing:
    content_dir = site_dir / "content"
    if not content_dir.is_dir():
        raise BlogError("there is no content/ folder; create it and put posts in it", content_dir)
    static_prefix, pages_prefix = STATIC_DIR + "/", PAGES_DIR + "/"
    # copied as they are, by pages/site_files.py; or standalone pages (content/pages.py). Walked all the same:
    # their names are checked here.
    files = [(rel, FileStat(st.st_mtime_ns, st.st_size, st.st_mode, st.st_uid, st.st_gid))
             for rel, st in walk_files(str(content_dir), str(site_dir), warn)
             if not rel.startswith(static_prefix) and not rel.startswith(pages_prefix)]
    racy_before = time.time_ns() - RACY_SECONDS * 1_000_000_000
    racy = any(st.st_mtime_ns >= racy_before for _, st in files)
    # Mode and owner too: a file made unreadable must fail the build, not be published from the cache.
    stats = "".join(f"{rel}\0{st.st_mtime_ns}\0{st.st_size}\0{st.st_mode}\0{st.st_uid}\0{st.st_gid}\n"
                    for rel, st in files)
    return Listing(files, hashlib.blake2b(stats.encode(), digest_size=16).hexdigest(), racy)


def load_content(site_dir: Path, tz: ZoneInfo, cache: BuildCache, warn, listing: Listing | None = None) -> Content:
    """The records of every file of `listing` (walked now when not given)."""
    content_dir = site_dir / "content"
    listing = listing or list_content(site_dir, warn)
    old, base = cache.load_records()   # not kept past here: 40 MB at 100,000 posts
    found = []   # (rel, stat, kind, the cache's entry when it holds this file's record as it is now)
    zone = tz.key   # dates are read in the site's zone, so a record is only as good as the zone it was read in
    for rel, st in listing.files:
        if not readable(st):
            # Even with a cached record: a file the build cannot read must not be published from the cache.
            raise BlogError("cannot read this file (permission denied); fix its permissions", f"content/{rel}")
        folder, _, name = rel.rpartition("/")
        dot = name.rfind(".")
        suffix = name[dot:] if dot > 0 else ""   # os.path.splitext's, for a name not starting with a dot
        if COMMENTS_SUFFIX in folder and any(p.endswith(COMMENTS_SUFFIX) for p in folder.split("/")[:-1]):
            warn(f"warning: content/{rel}: comment folders hold no sub-folders; ignored")
            continue
        if folder.endswith(COMMENTS_SUFFIX):
            kind = Comment
            if suffix not in POST_SUFFIXES:
                warn(f"warning: content/{rel}: not a comment (comments end in .md); ignored")
                continue
        elif suffix in POST_SUFFIXES:
            kind = Post
        elif is_published_name(name):
            kind = Attachment   # published beside its post: which posts are shown is decided later
        else:
            continue
        # Inline, not a call: 140,000 files at 100,000 posts. An entry of another shape is read again.
        cached = old.get(rel)
        fresh = (cached.__class__ is tuple and len(cached) == 4 and cached[0] == st.st_mtime_ns
                 and cached[1] == st.st_size and cached[2] == zone and cached[3].__class__ is kind)
        found.append((rel, st, kind, cached if fresh else None))

    # The files the cache lacks are read and parsed on all cores when there are many (a first build).
    folder = str(content_dir)
    unread = [(rel, kind) for rel, _, kind, entry in found if entry is None]
    parsed = iter(fork_map(lambda job: _read(folder, job[0], job[1], tz), unread))
    records: dict = {}
    result = Content(posts=[], comments=[])
    racy_before = time.time_ns() - RACY_SECONDS * 1_000_000_000
    lists = {Post: result.posts, Comment: result.comments, Attachment: result.files}
    for rel, st, kind, entry in found:
        if entry is not None and st.st_mtime_ns < racy_before:
            records[rel] = entry   # the same entry: comparing the records with the cache's below costs nothing
            lists[kind].append(entry[3])
            continue
        if entry is None:
            record, body = next(parsed)
            if body is not None:
                result.bodies[record.body_hash] = body
        else:
            record = entry[3]
        # "Racy git": a file changed within the last moments could change again within the same clock tick
        # without its mtime or size changing, so its stat is not trusted next time; it is simply read again.
        trusted_mtime = st.st_mtime_ns if st.st_mtime_ns < racy_before else -1
        records[rel] = (trusted_mtime, st.st_size, zone, record)
        lists[kind].append(record)
    _check_unique(result.posts)
    _warn_lone_files(result, warn)
    for post in result.posts:
        if len(post.tags) > MANY_TAGS:
            warn(f"warning: {post.source}: {len(post.tags)} tags; more than {MANY_TAGS} on one post is surely "
                 "a mistake (every tag's page and feed lists the post)")
    if records != old:
        cache.save_records(records, base)
    return result


def _read(content_dir: str, rel: str, kind: type, tz: ZoneInfo):
    """(record, body); an attachment has no body (and is hashed without holding all of a big file)."""
    path = os.path.join(content_dir, rel)
    try:
        if kind is Attachment:
            return read_attachment(rel, path), None
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise BlogError(f"cannot read this file ({e.strerror}); fix it or its permissions",
                        f"content/{rel}") from None
    return (read_comment if kind is Comment else read_post)(PurePosixPath(rel), data, tz)


def _warn_lone_files(content: Content, warn) -> None:
    """A file in no folder of posts, nor in a folder named after one, is published by nothing: said, so a
    misplaced picture is noticed (files beside a draft wait quietly for their post)."""
    if not content.files:
        return
    folders = {p.id.rpartition("/")[0] for p in content.posts}
    ids = {p.id for p in content.posts}
    for f in content.files:
        if owner_folder(f.id, folders, ids) is None:
            warn(f"warning: {f.source}: not beside a post (nor in a folder named after one); not published. "
                 "Move it next to the post that shows it, or into content/static/")


def _check_unique(posts: list[Post]) -> None:
    seen: dict[str, Post] = {}
    for post in posts:
        if post.id in seen:
            raise BlogError(f"two posts map to one URL {post.url}: {seen[post.id].source} and {post.source}; "
                            "rename or remove one", post.source)
        seen[post.id] = post


def read_body(site_dir: Path, record: Post | Comment) -> str:
    """The body of a record whose file was not read this run (its HTML was not in the cache)."""
    try:
        data = (site_dir / record.source).read_bytes()
    except OSError as e:
        raise BlogError(f"cannot read this file ({e.strerror}); fix it or its permissions", record.source) from None
    return split(decode(data, record.source), record.source)[1]
