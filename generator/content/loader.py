"""Phase one of a build: find every content file and turn it into records, reusing the cache where the file is
unchanged (same path, mtime and size), so a rebuild reads only what was edited."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from zoneinfo import ZoneInfo

from ..publish.cache import BuildCache
from ..errors import BlogError
from .model import Comment, Post
from .frontmatter import split
from ..parallel import fork_map
from .pages import PAGES_DIR   # standalone pages (About, ...): content/pages.py reads them, not this
from .reader import COMMENTS_SUFFIX, POST_SUFFIXES, decode, read_comment, read_post

STATIC_DIR = "static"
RACY_SECONDS = 2


@dataclass
class Content:
    posts: list[Post]
    comments: list[Comment]
    bodies: dict[str, str] = field(default_factory=dict)  # body_hash -> source, for files read this run


def walk_content(content_dir: str):
    """Yield (rel path, stat) of every file, skipping dot-files and dot-folders, in sorted order.
    Plain strings and scandir: this runs over every file on every build, so it must cost little more than stat."""
    stack = [""]
    while stack:
        rel_folder = stack.pop()
        folder = os.path.join(content_dir, rel_folder) if rel_folder else content_dir
        with os.scandir(folder) as entries:
            listed = sorted((e for e in entries if not e.name.startswith(".")), key=lambda e: e.name)
        subfolders = []
        for entry in listed:
            rel = f"{rel_folder}/{entry.name}" if rel_folder else entry.name
            if entry.is_dir():
                subfolders.append(rel)
            elif entry.is_file():
                yield rel, entry.stat()
        stack.extend(reversed(subfolders))   # popped in sorted order, after this folder's files


def load_content(site_dir: Path, tz: ZoneInfo, cache: BuildCache, warn) -> Content:
    content_dir = site_dir / "content"
    if not content_dir.is_dir():
        raise BlogError("there is no content/ folder; create it and put posts in it", content_dir)
    old = cache.load_records()
    found = []   # (rel, stat, is a comment, the record if the cache has it)
    static_prefix, pages_prefix = STATIC_DIR + "/", PAGES_DIR + "/"
    for rel, st in walk_content(str(content_dir)):
        if rel.startswith(static_prefix) or rel.startswith(pages_prefix):
            continue   # copied as they are, by pages/site_files.py; or standalone pages (content/pages.py)
        folder, _, name = rel.rpartition("/")
        in_comments = folder.endswith(COMMENTS_SUFFIX)
        suffix = os.path.splitext(name)[1]
        if suffix not in POST_SUFFIXES:
            if not (in_comments and suffix == ".md"):
                warn(f"warning: content/{rel}: not a post (posts end in .md); ignored")
            continue
        if COMMENTS_SUFFIX in folder and any(p.endswith(COMMENTS_SUFFIX) for p in folder.split("/")[:-1]):
            warn(f"warning: content/{rel}: comment folders hold no sub-folders; ignored")
            continue
        cached = old.get(rel)
        if cached is not None and not _well_formed(cached, Comment if in_comments else Post):
            cached = None
        # Dates are read in the site's zone, so a record is only as good as the zone it was read in.
        fresh = cached and cached[:3] == (st.st_mtime_ns, st.st_size, tz.key)
        found.append((rel, st, in_comments, cached[3] if fresh else None))

    # The files the cache lacks are read and parsed on all cores when there are many (a first build).
    folder = str(content_dir)
    unread = [(rel, in_comments) for rel, _, in_comments, record in found if record is None]
    parsed = iter(fork_map(lambda job: _read(folder, job[0], job[1], tz), unread))
    records: dict = {}
    result = Content(posts=[], comments=[])
    racy_before = time.time_ns() - RACY_SECONDS * 1_000_000_000
    for rel, st, in_comments, record in found:
        if record is None:
            record, body = next(parsed)
            result.bodies[record.body_hash] = body
        # "Racy git": a file changed within the last moments could change again within the same clock tick
        # without its mtime or size changing, so its stat is not trusted next time; it is simply read again.
        trusted_mtime = st.st_mtime_ns if st.st_mtime_ns < racy_before else -1
        records[rel] = (trusted_mtime, st.st_size, tz.key, record)
        (result.comments if in_comments else result.posts).append(record)
    _check_unique(result.posts)
    if records != old:
        cache.save_records(records)
    return result


def _read(content_dir: str, rel: str, in_comments: bool, tz: ZoneInfo):
    with open(os.path.join(content_dir, rel), "rb") as f:
        data = f.read()
    return (read_comment if in_comments else read_post)(PurePosixPath(rel), data, tz)


def _well_formed(cached, kind) -> bool:
    """A cache entry of the shape this version writes; anything else is read from the file again."""
    return (isinstance(cached, tuple) and len(cached) == 4 and isinstance(cached[0], int)
            and isinstance(cached[1], int) and isinstance(cached[3], kind))


def _check_unique(posts: list[Post]) -> None:
    seen: dict[str, Post] = {}
    for post in posts:
        if post.id in seen:
            raise BlogError(f"two posts map to one URL {post.url}: {seen[post.id].source} and {post.source}; "
                            "rename or remove one", post.source)
        seen[post.id] = post


def read_body(site_dir: Path, record: Post | Comment) -> str:
    """The body of a record whose file was not read this run (its HTML was not in the cache)."""
    return split(decode((site_dir / record.source).read_bytes(), record.source), record.source)[1]
